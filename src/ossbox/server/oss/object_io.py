"""What object handlers share: receiving a body into a blob, streaming one out, finding the
version a request names (with OSS's delete-marker answers), following a symlink, storing.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import AsyncIterator, Iterator

from ossbox.server.context import MAX_OBJECT_SIZE, RequestContext
from ossbox.server.errors import (
    OssError,
    invalid_argument,
    no_such_bucket,
    no_such_key,
    no_such_version,
)
from ossbox.server.oss.object_headers import invalid_digest
from ossbox.store import base as store
from ossbox.store.blobs import CHUNK_SIZE

# Objects up to this size are read in one go; larger ones stream chunk by chunk.
SMALL_OBJECT = CHUNK_SIZE


def file_already_exists() -> OssError:
    return OssError(
        409,
        "FileAlreadyExists",
        "The object you specified already exists and can not be overwritten.",
    )


def symlink_target_missing(key: str) -> OssError:
    return OssError(
        404,
        "SymlinkTargetNotExist",
        "The symlink target object does not exist.",
        extra={"Key": key},
    )


# --------------------------------------------------------------------------------------------
# Bodies in and out


async def receive_blob(ctx: RequestContext, *, limit: int = MAX_OBJECT_SIZE) -> store.BlobInfo:
    """Stream the request body into a new blob; any failure (short body, too large, disconnect)
    aborts the writer so nothing half-written remains.

    A small body is gathered first and written in one worker-thread hop; a large one streams.
    Either way no file is created or fsynced on the event loop.
    """
    length = ctx.content_length()
    if length is not None and length <= SMALL_OBJECT:
        body = await ctx.read_body(limit=max(limit, 0))
        return await asyncio.to_thread(ctx.store.blobs.write_bytes, body)
    writer = await asyncio.to_thread(ctx.store.blobs.writer)
    try:
        async for chunk in ctx.body_chunks(limit=max(limit, 0)):
            writer.write(chunk)
        return await asyncio.to_thread(writer.commit)
    except BaseException:
        writer.abort()
        raise


async def check_md5(ctx: RequestContext, info: store.BlobInfo, expected: str | None) -> None:
    """InvalidDigest (and the blob discarded) when the body does not match Content-MD5."""
    if expected is None or base64.b64decode(expected) == info.md5:
        return
    await asyncio.to_thread(ctx.store.blobs.delete, info.blob_id)
    raise invalid_digest()


async def read_body(
    ctx: RequestContext, version: store.ObjectVersion, start: int, stop: int
) -> bytes | AsyncIterator[bytes]:
    """Bytes [start, stop) of a version: whole bytes when small, else an async stream.

    The first blob is opened before returning, so a missing file fails before headers go out.
    """
    segments = version.segments
    if stop - start <= SMALL_OBJECT:
        return await asyncio.to_thread(
            lambda: b"".join(ctx.store.blobs.read_segments(segments, start, stop))
        )
    chunks = await asyncio.to_thread(ctx.store.blobs.read_segments, segments, start, stop)
    return _off_loop(chunks)


async def _off_loop(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Each (blocking) file read in a worker thread, never on the event loop."""
    while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
        yield chunk


# --------------------------------------------------------------------------------------------
# Finding versions


def version_id_param(ctx: RequestContext) -> str | None:
    value = ctx.query.get("versionId")
    if value == "":
        raise invalid_argument("Version id cannot be the empty string.", "versionId", "")
    return value


def _delete_marker_headers(version: store.ObjectVersion) -> dict[str, str]:
    return {"x-oss-delete-marker": "true", "x-oss-version-id": version.version_id}


async def load_version(
    ctx: RequestContext, bucket: str, key: str, version_id: str | None
) -> store.ObjectVersion:
    """The latest or given version of bucket/key, never a delete marker.

    Absent: NoSuchKey / NoSuchVersion. The latest is a delete marker: 404 NoSuchKey; a
    versionId naming a delete marker: 405 MethodNotAllowed (both with x-oss-delete-marker).
    """
    version = await asyncio.to_thread(ctx.store.meta.get_object, bucket, key, version_id)
    if version is None:
        if version_id is None:
            raise no_such_key(key)
        raise no_such_version(key, version_id)
    if not version.delete_marker:
        return version
    if version_id is None:
        err = no_such_key(key)
        err.headers.update(_delete_marker_headers(version))
        raise err
    raise OssError(
        405,
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        headers=_delete_marker_headers(version),
    )


async def authorize_read(
    ctx: RequestContext, bucket: str, key: str, version_id: str | None = None
) -> None:
    """Check GetObject (GetObjectVersion with a version) on another object than the request's
    (copy source, symlink target)."""
    # Imported here: operations imports the handler modules, which import this one.
    from ossbox.server.oss.authorize import authorize
    from ossbox.server.oss.operations import find_operation

    operation = find_operation("GET", bucket, key, {})
    await authorize(ctx, operation, bucket, key, version_id=version_id)


async def resolve_symlink(ctx: RequestContext, link: store.ObjectVersion) -> store.ObjectVersion:
    """What GET/HEAD of a symlink show: the target's bytes, size, ETag and CRC, the link's own
    metadata, and the later of the two Last-Modified. Reading through a link needs read
    access to both (the link's was checked by the app)."""
    target_key = link.symlink_target or ""
    await authorize_read(ctx, link.bucket, target_key)
    target = await asyncio.to_thread(ctx.store.meta.get_object, link.bucket, target_key, None)
    if target is None or target.delete_marker or target.object_type == store.TYPE_SYMLINK:
        raise symlink_target_missing(link.key)
    return dataclasses.replace(
        link,
        size=target.size,
        etag=target.etag,
        crc64=target.crc64,
        content_md5=target.content_md5,
        segments=target.segments,
        last_modified=max(link.last_modified, target.last_modified),
    )


async def readable_version(ctx: RequestContext) -> store.ObjectVersion:
    """The version GetObject/HeadObject/GetObjectMeta serve (symlinks followed)."""
    assert ctx.bucket is not None and ctx.key is not None
    version = await load_version(ctx, ctx.bucket, ctx.key, version_id_param(ctx))
    if version.object_type == store.TYPE_SYMLINK:
        return await resolve_symlink(ctx, version)
    return version


# --------------------------------------------------------------------------------------------
# Storing


def is_versioned(ctx: RequestContext) -> bool:
    record = ctx.bucket_record
    return record is not None and bool(record.versioning)


def owner_id(ctx: RequestContext) -> str:
    """Who owns what this request writes: the caller's account, else the bucket owner."""
    if ctx.principal is not None and ctx.principal.account_id:
        return ctx.principal.account_id
    return ctx.bucket_record.owner_id if ctx.bucket_record is not None else ""


async def ensure_absent(ctx: RequestContext) -> None:
    """Early FileAlreadyExists for `x-oss-forbid-overwrite: true`, before any body is read."""
    assert ctx.bucket is not None and ctx.key is not None
    current = await asyncio.to_thread(ctx.store.meta.get_object, ctx.bucket, ctx.key, None)
    if current is not None and not current.delete_marker:
        raise file_already_exists()


async def store_version(
    ctx: RequestContext, version: store.ObjectVersion, *, forbid_overwrite: bool
) -> store.ObjectVersion:
    """put_object in a worker thread, with the store's errors as OSS errors."""
    try:
        return await asyncio.to_thread(
            ctx.store.meta.put_object, version, forbid_overwrite=forbid_overwrite
        )
    except store.ObjectExists:
        raise file_already_exists() from None
    except store.NoSuchBucket:
        raise no_such_bucket(version.bucket) from None
