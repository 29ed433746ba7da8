"""Multipart upload API: initiate, upload part (and part copy), complete, abort, list.

Each part is one blob. Completing an upload makes the parts' blobs the object's segments, so no
byte is copied; the metadata given at initiation is the upload's template, applied then.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import replace
from urllib.parse import quote
from xml.etree.ElementTree import Element  # types only; parsing uses defusedxml

from ossbox.server.context import (
    MAX_OBJECT_SIZE,
    RequestContext,
    entity_too_large,
    parse_uint,
)
from ossbox.server.errors import (
    OssError,
    invalid_argument,
    malformed_xml,
    no_such_bucket,
    no_such_key,
    no_such_upload,
)
from ossbox.server.oss.common import (
    MAX_XML_BODY,
    KeyEncoding,
    child_text,
    element,
    int_param,
    iso8601,
    quote_etag,
    read_xml,
    unquote_etag,
    xml_document,
)
from ossbox.server.oss.conditions import not_modified
from ossbox.server.oss.object_copy import COPY_SOURCE_PREFIX, parse_copy_source
from ossbox.server.oss.object_headers import (
    content_meta,
    expected_md5,
    forbid_overwrite,
    object_acl,
    request_tags,
    storage_class,
    version_headers,
)
from ossbox.server.oss.object_io import (
    authorize_read,
    check_md5,
    ensure_absent,
    is_versioned,
    load_version,
    owner_id,
    receive_blob,
)
from ossbox.server.response import Response, xml_response
from ossbox.store import base
from ossbox.store.base import BlobInfo, MultipartUpload, ObjectVersion, Part, Segment
from ossbox.store.blobs import crc64_combine

MIN_PART_SIZE = 100 * 1024  # every part but the last
MAX_PART_NUMBER = 10_000
MAX_LIST_ENTRIES = 1000
_COPY_RANGE_RE = re.compile(r"bytes=(\d+)-(\d*)")


# --------------------------------------------------------------------------------------------
# Errors particular to multipart uploads


def _invalid_part() -> OssError:
    return OssError(
        400,
        "InvalidPart",
        "One or more of the specified parts could not be found or the specified entity tag "
        "might not have matched the part's entity tag.",
    )


def _invalid_part_order() -> OssError:
    return OssError(400, "InvalidPartOrder", "The list of parts was not in ascending order.")


def _entity_too_small() -> OssError:
    return OssError(
        400, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size."
    )


def _invalid_range() -> OssError:
    return OssError(416, "InvalidRange", "The requested range cannot be satisfied.")


# --------------------------------------------------------------------------------------------
# Request parsing


def _template(ctx: RequestContext) -> ObjectVersion:
    """The object metadata an InitiateMultipartUpload request asks for (as PutObject's)."""
    assert ctx.bucket is not None and ctx.key is not None and ctx.bucket_record is not None
    meta = content_meta(ctx)
    return ObjectVersion(
        bucket=ctx.bucket,
        key=ctx.key,
        last_modified=ctx.now,
        content_type=meta.content_type,
        headers=meta.headers,
        user_meta=meta.user_meta,
        tags=request_tags(ctx) or {},
        acl=object_acl(ctx),
        storage_class=storage_class(ctx, ctx.bucket_record.storage_class),
        object_type=base.TYPE_MULTIPART,
        owner_id=owner_id(ctx),
    )


def _forbids_overwrite(ctx: RequestContext) -> bool:
    """`x-oss-forbid-overwrite: true`, which versioned buckets ignore (as PutObject does)."""
    return forbid_overwrite(ctx) and not is_versioned(ctx)


def _part_number(ctx: RequestContext) -> int:
    raw = ctx.query.get("partNumber", "")
    number = parse_uint(raw)
    if number is None or not 1 <= number <= MAX_PART_NUMBER:
        raise invalid_argument(
            "Part number must be an integer between 1 and 10000, inclusive.", "partNumber", raw
        )
    return number


async def _upload(ctx: RequestContext) -> MultipartUpload:
    """The upload named by `uploadId`; NoSuchUpload unless it is this bucket's and key's."""
    upload_id = ctx.query.get("uploadId", "")
    upload = await asyncio.to_thread(ctx.store.meta.get_upload, upload_id) if upload_id else None
    if upload is None or upload.bucket != ctx.bucket or upload.key != ctx.key:
        raise no_such_upload(upload_id)
    return upload


# --------------------------------------------------------------------------------------------
# Blobs


def _copy_blob(
    ctx: RequestContext, segments: tuple[Segment, ...], start: int, stop: int
) -> BlobInfo:
    """Bytes [start, stop) of an object into a new blob (synchronous: run it in a thread)."""
    writer = ctx.store.blobs.writer()
    try:
        for chunk in ctx.store.blobs.read_segments(segments, start, stop):
            writer.write(chunk)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


# --------------------------------------------------------------------------------------------
# InitiateMultipartUpload


async def initiate_upload(ctx: RequestContext) -> Response:
    template = _template(ctx)
    encode = KeyEncoding(ctx)
    if _forbids_overwrite(ctx):
        await ensure_absent(ctx)
    try:
        upload = await asyncio.to_thread(ctx.store.meta.create_upload, template)
    except base.NoSuchBucket:
        raise no_such_bucket(template.bucket) from None
    children = [
        *encode.encoding_type(),
        element("Bucket", upload.bucket),
        element("Key", encode(upload.key)),
        element("UploadId", upload.upload_id),
    ]
    return xml_response(xml_document("InitiateMultipartUploadResult", children))


# --------------------------------------------------------------------------------------------
# UploadPart and UploadPartCopy


async def upload_part(ctx: RequestContext) -> Response:
    part_number = _part_number(ctx)
    upload = await _upload(ctx)
    if ctx.header("x-oss-copy-source") is not None:
        return await _upload_part_copy(ctx, upload, part_number)
    expected = expected_md5(ctx)
    info = await receive_blob(ctx)
    await check_md5(ctx, info, expected)
    await _store_part(ctx, upload, part_number, info)
    return Response(
        200,
        [
            ("ETag", quote_etag(info.md5_hex)),
            ("Content-MD5", info.md5_b64),
            ("x-oss-hash-crc64ecma", str(info.crc64)),
        ],
    )


async def _store_part(
    ctx: RequestContext, upload: MultipartUpload, part_number: int, info: BlobInfo
) -> None:
    part = Part(
        upload_id=upload.upload_id,
        part_number=part_number,
        size=info.size,
        etag=info.md5_hex,
        crc64=info.crc64,
        content_md5=info.md5_b64,
        blob_id=info.blob_id,
        last_modified=ctx.now,
    )
    try:
        await asyncio.to_thread(ctx.store.meta.put_part, part)
    except base.NoSuchUpload:
        raise no_such_upload(upload.upload_id) from None


def _copy_range(value: str | None, size: int) -> tuple[int, int]:
    """The half-open byte range `x-oss-copy-source-range: bytes=a-b` names (all by default)."""
    if value is None:
        return 0, size
    match = _COPY_RANGE_RE.fullmatch(value.strip())
    if match is None:
        raise invalid_argument(
            "The x-oss-copy-source-range value is invalid.", "x-oss-copy-source-range", value
        )
    start = int(match[1])
    last = int(match[2]) if match[2] else size - 1
    if start > last or last >= size:
        raise _invalid_range()
    return start, last + 1


async def _copy_source(ctx: RequestContext) -> ObjectVersion:
    """The source object of a part copy, after checking the caller may read it."""
    source = parse_copy_source(ctx.header("x-oss-copy-source") or "")
    await authorize_read(ctx, source.bucket, source.key, source.version_id)
    if await asyncio.to_thread(ctx.store.meta.get_bucket, source.bucket) is None:
        raise no_such_bucket(source.bucket)
    return await load_version(ctx, source.bucket, source.key, source.version_id)


def _source_version_headers(source: ObjectVersion) -> list[tuple[str, str]]:
    if source.version_id == base.NULL_VERSION:
        return []
    return [("x-oss-copy-source-version-id", source.version_id)]


async def _upload_part_copy(
    ctx: RequestContext, upload: MultipartUpload, part_number: int
) -> Response:
    source = await _copy_source(ctx)
    source_version = _source_version_headers(source)
    if not_modified(ctx.header, source.etag, source.last_modified, prefix=COPY_SOURCE_PREFIX):
        return Response(304, source_version)
    start, stop = _copy_range(ctx.header("x-oss-copy-source-range"), source.size)
    if stop - start > MAX_OBJECT_SIZE:
        raise entity_too_large()
    try:
        info = await asyncio.to_thread(_copy_blob, ctx, source.segments, start, stop)
    except base.BlobMissing:
        raise no_such_key(source.key) from None
    await _store_part(ctx, upload, part_number, info)
    etag = quote_etag(info.md5_hex)
    body = xml_document(
        "CopyPartResult", [element("LastModified", iso8601(ctx.now)), element("ETag", etag)]
    )
    response = xml_response(body)
    response.headers += [("ETag", etag), ("x-oss-hash-crc64ecma", str(info.crc64))]
    response.headers += source_version
    return response


# --------------------------------------------------------------------------------------------
# CompleteMultipartUpload


def _requested_parts(root: Element) -> list[tuple[int, str]]:
    """(part number, ETag) pairs of a `<CompleteMultipartUpload>` body, in request order."""
    if root.tag != "CompleteMultipartUpload":
        raise malformed_xml()
    requested = []
    for node in root.findall("Part"):
        number = parse_uint((child_text(node, "PartNumber") or "").strip())
        etag = child_text(node, "ETag")
        if number is None or etag is None:
            raise malformed_xml()
        requested.append((number, unquote_etag(etag)))
    if not requested:
        raise malformed_xml()
    return requested


async def _parts_to_complete(ctx: RequestContext, upload_id: str) -> list[Part]:
    """The parts the request names (or all of them with `x-oss-complete-all: yes`), checked."""
    complete_all = ctx.header("x-oss-complete-all")
    uploaded = await asyncio.to_thread(ctx.store.meta.get_parts, upload_id)
    if complete_all is not None:
        if complete_all.strip().lower() != "yes":
            raise invalid_argument(
                "x-oss-complete-all must be yes.", "x-oss-complete-all", complete_all
            )
        if await ctx.read_body(limit=MAX_XML_BODY):
            raise invalid_argument(
                "Should not specify both complete all header and http body.",
                "x-oss-complete-all",
                complete_all,
            )
        return uploaded
    requested = _requested_parts(await read_xml(ctx))
    by_number = {part.part_number: part for part in uploaded}
    chosen: list[Part] = []
    for number, etag in requested:
        if chosen and number <= chosen[-1].part_number:
            raise _invalid_part_order()
        part = by_number.get(number)
        if part is None or part.etag != etag:
            raise _invalid_part()
        chosen.append(part)
    return chosen


def multipart_etag(parts: list[Part]) -> str:
    """MD5 of the concatenated binary part MD5s, upper-case hex, then `-<number of parts>`."""
    digest = hashlib.md5(usedforsecurity=False)
    for part in parts:
        digest.update(bytes.fromhex(part.etag))
    return f"{digest.hexdigest().upper()}-{len(parts)}"


def combined_crc64(parts: list[Part]) -> int:
    crc = 0
    for part in parts:
        crc = crc64_combine(crc, part.crc64, part.size)
    return crc


async def complete_upload(ctx: RequestContext) -> Response:
    upload = await _upload(ctx)
    encode = KeyEncoding(ctx)
    parts = await _parts_to_complete(ctx, upload.upload_id)
    if any(part.size < MIN_PART_SIZE for part in parts[:-1]):
        raise _entity_too_small()
    if _forbids_overwrite(ctx):
        await ensure_absent(ctx)
    version = replace(
        upload.template,
        size=sum(part.size for part in parts),
        etag=multipart_etag(parts),
        crc64=combined_crc64(parts),
        last_modified=ctx.now,
        object_type=base.TYPE_MULTIPART,
        content_md5=None,
        segments=tuple(Segment(blob_id=part.blob_id, size=part.size) for part in parts),
    )
    try:
        stored = await asyncio.to_thread(ctx.store.meta.complete_upload, upload.upload_id, version)
    except base.NoSuchUpload:
        raise no_such_upload(upload.upload_id) from None
    except ValueError:
        raise _invalid_part() from None
    return _complete_response(ctx, stored, encode)


def _complete_response(ctx: RequestContext, stored: ObjectVersion, encode: KeyEncoding) -> Response:
    scheme = "https" if ctx.config.secure else "http"
    location = f"{scheme}://{ctx.host}/{stored.bucket}/{quote(stored.key, safe='/')}"
    children = [
        *encode.encoding_type(),
        element("Location", location),
        element("Bucket", stored.bucket),
        element("Key", encode(stored.key)),
        element("ETag", quote_etag(stored.etag)),
    ]
    response = xml_response(xml_document("CompleteMultipartUploadResult", children))
    response.headers += [
        ("ETag", quote_etag(stored.etag)),
        ("x-oss-hash-crc64ecma", str(stored.crc64)),
        *version_headers(ctx, stored),
    ]
    return response


# --------------------------------------------------------------------------------------------
# AbortMultipartUpload


async def abort_upload(ctx: RequestContext) -> Response:
    upload = await _upload(ctx)
    try:
        await asyncio.to_thread(ctx.store.meta.abort_upload, upload.upload_id)
    except base.NoSuchUpload:
        raise no_such_upload(upload.upload_id) from None
    return Response(204)


# --------------------------------------------------------------------------------------------
# ListParts and ListMultipartUploads


async def list_parts(ctx: RequestContext) -> Response:
    upload = await _upload(ctx)
    encode = KeyEncoding(ctx)
    max_parts = int_param(ctx, "max-parts", MAX_LIST_ENTRIES, 1, MAX_LIST_ENTRIES)
    marker = int_param(ctx, "part-number-marker", 0, 0, MAX_PART_NUMBER)
    try:
        page = await asyncio.to_thread(
            ctx.store.meta.list_parts,
            upload.upload_id,
            part_number_marker=marker,
            max_parts=max_parts,
        )
    except base.NoSuchUpload:
        raise no_such_upload(upload.upload_id) from None
    next_marker = page.next_part_number_marker
    if next_marker is None:
        next_marker = page.parts[-1].part_number if page.parts else marker
    children = [
        *encode.encoding_type(),
        element("Bucket", upload.bucket),
        element("Key", encode(upload.key)),
        element("UploadId", upload.upload_id),
        element("StorageClass", upload.template.storage_class),
        element("PartNumberMarker", marker),
        element("NextPartNumberMarker", next_marker),
        element("MaxParts", max_parts),
        element("IsTruncated", page.is_truncated),
    ]
    children += [_part_xml(part) for part in page.parts]
    return xml_response(xml_document("ListPartsResult", children))


def _part_xml(part: Part) -> str:
    fields = [
        element("PartNumber", part.part_number),
        element("LastModified", iso8601(part.last_modified)),
        element("ETag", quote_etag(part.etag)),
        element("HashCrc64ecma", part.crc64),
        element("Size", part.size),
    ]
    return f"<Part>{''.join(fields)}</Part>"


async def list_uploads(ctx: RequestContext) -> Response:
    assert ctx.bucket is not None
    encode = KeyEncoding(ctx)
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    upload_id_marker = ctx.query.get("upload-id-marker", "")
    max_uploads = int_param(ctx, "max-uploads", MAX_LIST_ENTRIES, 1, MAX_LIST_ENTRIES)
    page = await asyncio.to_thread(
        ctx.store.meta.list_uploads,
        ctx.bucket,
        prefix=prefix,
        key_marker=key_marker,
        upload_id_marker=upload_id_marker,
        delimiter=delimiter,
        max_uploads=max_uploads,
    )
    children = [
        *encode.encoding_type(),
        element("Bucket", ctx.bucket),
        element("KeyMarker", encode(key_marker)),
        element("UploadIdMarker", upload_id_marker),
        element("NextKeyMarker", encode(page.next_key_marker or "")),
        element("NextUploadIdMarker", page.next_upload_id_marker or ""),
        element("Delimiter", encode(delimiter)),
        element("Prefix", encode(prefix)),
        element("MaxUploads", max_uploads),
        element("IsTruncated", page.is_truncated),
    ]
    children += [
        "<Upload>"
        + element("Key", encode(upload.key))
        + element("UploadId", upload.upload_id)
        + element("StorageClass", upload.template.storage_class)
        + element("Initiated", iso8601(upload.initiated))
        + "</Upload>"
        for upload in page.uploads
    ]
    children += [
        f"<CommonPrefixes>{element('Prefix', encode(common))}</CommonPrefixes>"
        for common in page.common_prefixes
    ]
    return xml_response(xml_document("ListMultipartUploadsResult", children))
