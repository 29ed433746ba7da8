"""Object API: put, get, head, meta, delete (one and many), copy, append, ACL, tagging, symlinks.

The handlers the operation table names live here; CopyObject, DeleteMultipleObjects and the
ACL/tagging sub-resources are in their own modules and re-exported.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import secrets
from urllib.parse import quote, unquote

from ossbox.server.context import MAX_OBJECT_SIZE, RequestContext, parse_uint
from ossbox.server.errors import OssError
from ossbox.server.oss.addressing import validate_key
from ossbox.server.oss.common import http_date, quote_etag
from ossbox.server.oss.conditions import not_modified
from ossbox.server.oss.object_copy import copy_object
from ossbox.server.oss.object_delete import delete_multiple as delete_multiple
from ossbox.server.oss.object_headers import (
    META_PREFIX,
    apply_overrides,
    content_meta,
    expected_md5,
    forbid_overwrite,
    object_acl,
    object_headers,
    request_tags,
    storage_class,
    version_headers,
)
from ossbox.server.oss.object_io import (
    check_md5,
    ensure_absent,
    is_versioned,
    load_version,
    owner_id,
    read_body,
    readable_version,
    receive_blob,
    store_version,
    version_id_param,
)
from ossbox.server.oss.object_subresources import delete_object_tagging as delete_object_tagging
from ossbox.server.oss.object_subresources import get_object_acl as get_object_acl
from ossbox.server.oss.object_subresources import get_object_tagging as get_object_tagging
from ossbox.server.oss.object_subresources import put_object_acl as put_object_acl
from ossbox.server.oss.object_subresources import put_object_tagging as put_object_tagging
from ossbox.server.oss.ranges import parse_range
from ossbox.server.response import Response
from ossbox.store import base as store


def _bucket(ctx: RequestContext) -> store.Bucket:
    assert ctx.bucket_record is not None  # the app loads it (NoSuchBucket) for object operations
    return ctx.bucket_record


def _key(ctx: RequestContext) -> str:
    assert ctx.key is not None
    return ctx.key


def _request_version(ctx: RequestContext) -> store.ObjectVersion:
    """A version of the request's object carrying the request's metadata headers."""
    meta = content_meta(ctx)
    return store.ObjectVersion(
        bucket=_bucket(ctx).name,
        key=_key(ctx),
        content_type=meta.content_type,
        headers=meta.headers,
        user_meta=meta.user_meta,
        acl=object_acl(ctx),
        storage_class=storage_class(ctx, _bucket(ctx).storage_class),
        tags=request_tags(ctx) or {},
        owner_id=owner_id(ctx),
    )


def _forbids_overwrite(ctx: RequestContext) -> bool:
    """`x-oss-forbid-overwrite: true` counts only while the bucket has never been versioned."""
    return forbid_overwrite(ctx) and not is_versioned(ctx)


def _write_headers(ctx: RequestContext, version: store.ObjectVersion) -> list[tuple[str, str]]:
    return [
        ("ETag", quote_etag(version.etag)),
        ("x-oss-hash-crc64ecma", str(version.crc64)),
        *version_headers(ctx, version),
    ]


# --------------------------------------------------------------------------------------------
# PutObject / CopyObject


async def put_object(ctx: RequestContext) -> Response:
    if ctx.header("x-oss-copy-source") is not None:
        return await copy_object(ctx)
    template = _request_version(ctx)
    md5 = expected_md5(ctx)
    forbid = _forbids_overwrite(ctx)
    if forbid:
        await ensure_absent(ctx)
    info = await receive_blob(ctx)
    await check_md5(ctx, info, md5)
    version = dataclasses.replace(
        template,
        size=info.size,
        etag=info.md5_hex,
        crc64=info.crc64,
        content_md5=info.md5_b64,
        last_modified=store.utcnow(),
        segments=(store.Segment(blob_id=info.blob_id, size=info.size),),
    )
    stored = await store_version(ctx, version, forbid_overwrite=forbid)
    headers = [*_write_headers(ctx, stored), ("Content-MD5", info.md5_b64)]
    return Response(200, headers)


# --------------------------------------------------------------------------------------------
# GetObject / HeadObject / GetObjectMeta


def _not_modified_response(ctx: RequestContext, version: store.ObjectVersion) -> Response:
    headers = [
        ("ETag", quote_etag(version.etag)),
        ("Last-Modified", http_date(version.last_modified)),
        *version_headers(ctx, version),
    ]
    return Response(304, headers)


async def get_object(ctx: RequestContext) -> Response:
    version = await readable_version(ctx)
    if not_modified(ctx.header, version.etag, version.last_modified):
        return _not_modified_response(ctx, version)
    standard = (ctx.header("x-oss-range-behavior") or "").lower() == "standard"
    byte_range = parse_range(ctx.header("range"), version.size, standard=standard)
    headers = apply_overrides(ctx, object_headers(ctx, version))
    start, stop, status = 0, version.size, 200
    if byte_range is not None:
        start, stop, status = byte_range.start, byte_range.stop, 206
        headers.append(("Content-Range", byte_range.content_range))
    headers.append(("Content-Length", str(stop - start)))
    body = await read_body(ctx, version, start, stop)
    if isinstance(body, bytes):
        return Response(status, headers, body)
    return Response(status, headers, stream=body)


async def head_object(ctx: RequestContext) -> Response:
    version = await readable_version(ctx)
    if not_modified(ctx.header, version.etag, version.last_modified):
        return _not_modified_response(ctx, version)
    headers = object_headers(ctx, version)
    return Response(200, [*headers, ("Content-Length", str(version.size))])


async def get_object_meta(ctx: RequestContext) -> Response:
    version = await readable_version(ctx)
    headers = [
        ("Content-Length", str(version.size)),
        ("ETag", quote_etag(version.etag)),
        ("Last-Modified", http_date(version.last_modified)),
        ("x-oss-hash-crc64ecma", str(version.crc64)),
        *version_headers(ctx, version),
    ]
    return Response(200, headers)


# --------------------------------------------------------------------------------------------
# DeleteObject


async def delete_object(ctx: RequestContext) -> Response:
    bucket, key = _bucket(ctx).name, _key(ctx)
    result = await asyncio.to_thread(
        ctx.store.meta.delete_object, bucket, key, version_id_param(ctx)
    )
    headers = []
    if result.delete_marker:
        headers.append(("x-oss-delete-marker", "true"))
    if result.version_id is not None:
        headers.append(("x-oss-version-id", result.version_id))
    return Response(204, headers)


# --------------------------------------------------------------------------------------------
# AppendObject


def _append_position(ctx: RequestContext) -> int:
    raw = ctx.query.get("position")
    position = None if raw is None else parse_uint(raw)
    if position is None:
        raise OssError(
            400,
            "InvalidArgument",
            "Position must be a non-negative integer." if raw else "Missing position parameter.",
            extra={"ArgumentName": "position", "ArgumentValue": raw or ""},
        )
    return position


def _position_mismatch(current_length: int) -> OssError:
    return OssError(
        409,
        "PositionNotEqualToLength",
        "Position is not equal to file length.",
        headers={"x-oss-next-append-position": str(current_length)},
    )


def _not_appendable() -> OssError:
    return OssError(409, "ObjectNotAppendable", "The object is not appendable.")


async def _check_append_target(ctx: RequestContext, position: int) -> None:
    """Refuse a wrong position or a non-appendable object before the body is read."""
    current = await asyncio.to_thread(ctx.store.meta.get_object, _bucket(ctx).name, _key(ctx))
    if current is None or current.delete_marker:
        length = 0
    elif current.object_type != store.TYPE_APPENDABLE:
        raise _not_appendable()
    else:
        length = current.size
    if position != length:
        raise _position_mismatch(length)


async def append_object(ctx: RequestContext) -> Response:
    position = _append_position(ctx)
    template = dataclasses.replace(
        _request_version(ctx),
        object_type=store.TYPE_APPENDABLE,
        # An appended object has no MD5 of its whole content: its ETag is a fresh id.
        etag=secrets.token_hex(16).upper(),
    )
    md5 = expected_md5(ctx)
    await _check_append_target(ctx, position)
    info = await receive_blob(ctx, limit=MAX_OBJECT_SIZE - position)
    await check_md5(ctx, info, md5)
    segment = store.Segment(blob_id=info.blob_id, size=info.size)
    try:
        stored = await asyncio.to_thread(
            ctx.store.meta.append_object,
            dataclasses.replace(template, last_modified=store.utcnow()),
            position=position,
            segment=segment,
            segment_crc64=info.crc64,
        )
    except store.PositionNotEqualToLength as err:
        raise _position_mismatch(err.current_length) from None
    except store.ObjectNotAppendable:
        raise _not_appendable() from None
    headers = [*_write_headers(ctx, stored), ("x-oss-next-append-position", str(stored.size))]
    return Response(200, headers)


# --------------------------------------------------------------------------------------------
# PutSymlink / GetSymlink


def _symlink_target(ctx: RequestContext) -> str:
    raw = ctx.header("x-oss-symlink-target")
    if raw is None or raw == "":
        raise OssError(
            400,
            "MissingArgument",
            "Missing Some Required Arguments.",
            extra={"ArgumentName": "x-oss-symlink-target", "ArgumentValue": ""},
        )
    try:
        target = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        target = ""
    return validate_key(target)


async def put_symlink(ctx: RequestContext) -> Response:
    target = _symlink_target(ctx)
    forbid = _forbids_overwrite(ctx)
    version = dataclasses.replace(
        _request_version(ctx),
        object_type=store.TYPE_SYMLINK,
        symlink_target=target,
        etag=hashlib.md5(target.encode(), usedforsecurity=False).hexdigest().upper(),
    )
    stored = await store_version(ctx, version, forbid_overwrite=forbid)
    return Response(200, [("ETag", quote_etag(stored.etag)), *version_headers(ctx, stored)])


def not_symlink() -> OssError:
    return OssError(400, "NotSymlink", "The specified object is not a symlink.")


async def get_symlink(ctx: RequestContext) -> Response:
    link = await load_version(ctx, _bucket(ctx).name, _key(ctx), version_id_param(ctx))
    if link.object_type != store.TYPE_SYMLINK or link.symlink_target is None:
        raise not_symlink()
    headers = [
        ("x-oss-symlink-target", quote(link.symlink_target, safe="")),
        ("ETag", quote_etag(link.etag)),
        ("Last-Modified", http_date(link.last_modified)),
        *[(META_PREFIX + name, value) for name, value in link.user_meta.items()],
        *version_headers(ctx, link),
    ]
    return Response(200, headers)
