"""CopyObject: a PutObject carrying `x-oss-copy-source: /<bucket>/<url-encoded key>[?versionId=]`.

The caller needs GetObject on the source as well as PutObject on the destination (checked by
the app). The data is never re-read: the source's blobs are cloned (hard links). Metadata
comes from the source (`x-oss-metadata-directive: COPY`, the default) or from the request
(`REPLACE`); tags likewise with `x-oss-tagging-directive: Copy|Replace`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, invalid_argument, no_such_bucket
from ossbox.server.oss.addressing import validate_bucket_name, validate_key
from ossbox.server.oss.common import element, http_date, iso8601, quote_etag, xml_document
from ossbox.server.oss.conditions import not_modified
from ossbox.server.oss.object_headers import (
    ContentMeta,
    content_meta,
    forbid_overwrite,
    object_acl,
    request_tags,
    storage_class,
    version_headers,
)
from ossbox.server.oss.object_io import (
    authorize_read,
    is_versioned,
    load_version,
    owner_id,
    store_version,
)
from ossbox.server.response import Response
from ossbox.store import base as store
from ossbox.store.blobs import BlobStore

COPY_SOURCE_PREFIX = "x-oss-copy-source-"


@dataclass(frozen=True)
class CopySource:
    bucket: str
    key: str
    version_id: str | None


def _invalid_copy_source(value: str) -> OssError:
    return invalid_argument(
        "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.",
        "x-oss-copy-source",
        value,
    )


def parse_copy_source(value: str) -> CopySource:
    """`/<bucket>/<url-encoded key>[?versionId=<id>]` (the leading `/` optional)."""
    path, _, query = value.partition("?")
    bucket, _, raw_key = path.removeprefix("/").partition("/")
    if not bucket or not raw_key:
        raise _invalid_copy_source(value)
    try:
        key = unquote(raw_key, errors="strict")
    except UnicodeDecodeError:
        raise _invalid_copy_source(value) from None
    version_id = dict(parse_qsl(query, keep_blank_values=True)).get("versionId")
    if version_id == "":
        raise _invalid_copy_source(value)
    return CopySource(validate_bucket_name(bucket), validate_key(key), version_id)


def _directive(ctx: RequestContext, header: str, choices: tuple[str, str]) -> str:
    """COPY or REPLACE (case-insensitive; COPY when absent); InvalidArgument otherwise."""
    value = ctx.header(header)
    if value is None:
        return choices[0]
    if value.upper() not in choices:
        raise invalid_argument(f"Invalid {header} value.", header, value)
    return value.upper()


async def _source_bucket(ctx: RequestContext, name: str) -> store.Bucket:
    if ctx.bucket_record is not None and name == ctx.bucket_record.name:
        return ctx.bucket_record
    record = await asyncio.to_thread(ctx.store.meta.get_bucket, name)
    if record is None:
        raise no_such_bucket(name)
    return record


def _clone_segments(
    blobs: BlobStore, segments: tuple[store.Segment, ...]
) -> tuple[store.Segment, ...]:
    """New blobs sharing the source's bytes; on failure none of them is left behind."""
    cloned: list[store.Segment] = []
    try:
        for segment in segments:
            cloned.append(store.Segment(blob_id=blobs.clone(segment.blob_id), size=segment.size))
    except BaseException:
        for segment in cloned:
            blobs.delete(segment.blob_id)
        raise
    return tuple(cloned)


def _source_version_header(
    source: store.ObjectVersion, source_bucket: store.Bucket
) -> list[tuple[str, str]]:
    if not source_bucket.versioning:
        return []
    return [("x-oss-copy-source-version-id", source.version_id)]


def _copied_type(object_type: str) -> str:
    """A copy of an appendable object is stored as a normal object."""
    return store.TYPE_NORMAL if object_type == store.TYPE_APPENDABLE else object_type


async def copy_object(ctx: RequestContext) -> Response:
    assert ctx.bucket_record is not None and ctx.key is not None
    copy_source = parse_copy_source(ctx.header("x-oss-copy-source") or "")
    metadata_directive = _directive(ctx, "x-oss-metadata-directive", ("COPY", "REPLACE"))
    tagging_directive = _directive(ctx, "x-oss-tagging-directive", ("COPY", "REPLACE"))
    await authorize_read(ctx, copy_source.bucket, copy_source.key, copy_source.version_id)
    source_bucket = await _source_bucket(ctx, copy_source.bucket)
    source = await load_version(ctx, source_bucket.name, copy_source.key, copy_source.version_id)
    if not_modified(ctx.header, source.etag, source.last_modified, prefix=COPY_SOURCE_PREFIX):
        return Response(304, _source_version_header(source, source_bucket))
    meta = (
        ContentMeta(source.content_type, source.headers, source.user_meta)
        if metadata_directive == "COPY"
        else content_meta(ctx)
    )
    tags = source.tags if tagging_directive == "COPY" else request_tags(ctx) or {}
    copy = dataclasses.replace(
        source,
        bucket=ctx.bucket_record.name,
        key=ctx.key,
        content_type=meta.content_type,
        headers=meta.headers,
        user_meta=meta.user_meta,
        tags=tags,
        acl=object_acl(ctx),
        storage_class=storage_class(ctx, ctx.bucket_record.storage_class),
        object_type=_copied_type(source.object_type),
        owner_id=owner_id(ctx),
        last_modified=store.utcnow(),
    )
    forbid = forbid_overwrite(ctx) and not is_versioned(ctx)
    segments = await asyncio.to_thread(_clone_segments, ctx.store.blobs, source.segments)
    copy = dataclasses.replace(copy, segments=segments)
    stored = await store_version(ctx, copy, forbid_overwrite=forbid)
    headers = [
        ("ETag", quote_etag(stored.etag)),
        ("x-oss-hash-crc64ecma", str(stored.crc64)),
        ("Last-Modified", http_date(stored.last_modified)),
        *version_headers(ctx, stored),
        *_source_version_header(source, source_bucket),
    ]
    body = xml_document(
        "CopyObjectResult",
        [
            element("ETag", quote_etag(stored.etag)),
            element("LastModified", iso8601(stored.last_modified)),
        ],
    )
    return Response(200, [*headers, ("Content-Type", "application/xml")], body.encode())
