"""Listing API: ListObjects (v1 and v2) and ListObjectVersions.

The store pages (its cost follows the page, not the bucket); this module validates the
parameters, maps markers and continuation tokens onto the store's `start_after`, and writes
the XML. With `encoding-type=url`, every key-like value (keys, prefixes, markers, delimiter,
tokens) is percent-encoded with nothing kept but `A-Za-z0-9-_.~`, which both oss2 and oss-v2
decode with `unquote`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Callable

from ossbox.server.context import RequestContext
from ossbox.server.errors import invalid_argument
from ossbox.server.oss.common import (
    KeyEncoding,
    element,
    int_param,
    iso8601,
    owner_xml,
    quote_etag,
    xml_document,
)
from ossbox.server.response import Response, xml_response
from ossbox.store import base as store

Encode = Callable[[str], str]

_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+")


def _max_keys(ctx: RequestContext) -> int:
    return int_param(ctx, "max-keys", 100, 1, 1000)


def _owner_id(ctx: RequestContext, entry: store.ObjectVersion) -> str:
    assert ctx.bucket_record is not None
    return entry.owner_id or ctx.bucket_record.owner_id


def _common_prefixes(prefixes: list[str], encode: Encode) -> list[str]:
    return [f"<CommonPrefixes>{element('Prefix', encode(p))}</CommonPrefixes>" for p in prefixes]


def _object_fields(entry: store.ObjectVersion) -> list[str]:
    return [
        element("LastModified", iso8601(entry.last_modified)),
        element("ETag", quote_etag(entry.etag)),
        element("Type", entry.object_type),
        element("Size", entry.size),
        element("StorageClass", entry.storage_class),
    ]


def _contents(
    ctx: RequestContext, entry: store.ObjectVersion, encode: Encode, with_owner: bool
) -> str:
    parts = [element("Key", encode(entry.key)), *_object_fields(entry)]
    if with_owner:
        parts.append(owner_xml(_owner_id(ctx, entry)))
    return "<Contents>" + "".join(parts) + "</Contents>"


async def _page(ctx: RequestContext, start_after: str, max_keys: int) -> store.ListPage:
    assert ctx.bucket is not None
    return await asyncio.to_thread(
        ctx.store.meta.list_objects,
        ctx.bucket,
        prefix=ctx.query.get("prefix", ""),
        start_after=start_after,
        delimiter=ctx.query.get("delimiter", ""),
        max_keys=max_keys,
    )


# --------------------------------------------------------------------------------------------
# ListObjects (v1) and ListObjectsV2


async def list_objects(ctx: RequestContext) -> Response:
    list_type = ctx.query.get("list-type")
    if list_type == "2":
        return await _list_objects_v2(ctx)
    if list_type:
        raise invalid_argument("The list-type parameter is invalid.", "list-type", list_type)
    encode = KeyEncoding(ctx)
    max_keys = _max_keys(ctx)
    marker = ctx.query.get("marker", "")
    page = await _page(ctx, marker, max_keys)
    children = [
        element("Name", ctx.bucket),
        element("Prefix", encode(ctx.query.get("prefix", ""))),
        element("Marker", encode(marker)),
        element("MaxKeys", max_keys),
        element("Delimiter", encode(ctx.query.get("delimiter", ""))),
        *encode.encoding_type(),
        element("IsTruncated", page.is_truncated),
    ]
    if page.is_truncated and page.next_marker is not None:
        children.append(element("NextMarker", encode(page.next_marker)))
    children += [_contents(ctx, entry, encode, True) for entry in page.entries]
    children += _common_prefixes(page.common_prefixes, encode)
    return xml_response(xml_document("ListBucketResult", children))


def encode_token(marker: str) -> str:
    """An opaque continuation token for the position after `marker`."""
    return base64.urlsafe_b64encode(marker.encode("utf-8")).decode("ascii").rstrip("=")


def decode_token(token: str) -> str:
    """The marker a continuation token stands for; InvalidArgument if it is not ours."""
    try:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(token)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise invalid_argument(
            "The continuation token provided is incorrect.", "continuation-token", token
        ) from None


async def _list_objects_v2(ctx: RequestContext) -> Response:
    encode = KeyEncoding(ctx)
    max_keys = _max_keys(ctx)
    token = ctx.query.get("continuation-token", "")
    start_after = ctx.query.get("start-after", "")
    with_owner = ctx.query.get("fetch-owner", "").lower() == "true"
    page = await _page(ctx, decode_token(token) if token else start_after, max_keys)
    children = [element("Name", ctx.bucket), element("Prefix", encode(ctx.query.get("prefix", "")))]
    if start_after:
        children.append(element("StartAfter", encode(start_after)))
    if token:
        children.append(element("ContinuationToken", encode(token)))
    children += [
        element("MaxKeys", max_keys),
        element("Delimiter", encode(ctx.query.get("delimiter", ""))),
        *encode.encoding_type(),
        element("IsTruncated", page.is_truncated),
    ]
    if page.is_truncated and page.next_marker is not None:
        children.append(element("NextContinuationToken", encode(encode_token(page.next_marker))))
    children.append(element("KeyCount", len(page.entries) + len(page.common_prefixes)))
    children += [_contents(ctx, entry, encode, with_owner) for entry in page.entries]
    children += _common_prefixes(page.common_prefixes, encode)
    return xml_response(xml_document("ListBucketResult", children))


# --------------------------------------------------------------------------------------------
# ListObjectVersions


def _version_xml(ctx: RequestContext, entry: store.ObjectVersion, encode: Encode) -> str:
    head = [
        element("Key", encode(entry.key)),
        element("VersionId", entry.version_id),
        element("IsLatest", entry.is_latest),
    ]
    owner = owner_xml(_owner_id(ctx, entry))
    if entry.delete_marker:
        fields = [element("LastModified", iso8601(entry.last_modified))]
        return "<DeleteMarker>" + "".join([*head, *fields, owner]) + "</DeleteMarker>"
    return "<Version>" + "".join([*head, *_object_fields(entry), owner]) + "</Version>"


async def list_object_versions(ctx: RequestContext) -> Response:
    assert ctx.bucket is not None
    encode = KeyEncoding(ctx)
    max_keys = _max_keys(ctx)
    prefix = ctx.query.get("prefix", "")
    delimiter = ctx.query.get("delimiter", "")
    key_marker = ctx.query.get("key-marker", "")
    version_id_marker = ctx.query.get("version-id-marker", "")
    if version_id_marker and not key_marker:
        raise invalid_argument(
            "A version-id marker cannot be specified without a key marker.",
            "version-id-marker",
            version_id_marker,
        )
    page = await asyncio.to_thread(
        ctx.store.meta.list_object_versions,
        ctx.bucket,
        prefix=prefix,
        key_marker=key_marker,
        version_id_marker=version_id_marker,
        delimiter=delimiter,
        max_keys=max_keys,
    )
    children = [
        element("Name", ctx.bucket),
        element("Prefix", encode(prefix)),
        element("KeyMarker", encode(key_marker)),
        element("VersionIdMarker", version_id_marker),
        element("MaxKeys", max_keys),
        element("Delimiter", encode(delimiter)),
        *encode.encoding_type(),
        element("IsTruncated", page.is_truncated),
    ]
    if page.is_truncated:
        children.append(element("NextKeyMarker", encode(page.next_key_marker or "")))
        children.append(element("NextVersionIdMarker", page.next_version_id_marker or ""))
    children += [_version_xml(ctx, entry, encode) for entry in page.entries]
    children += _common_prefixes(page.common_prefixes, encode)
    return xml_response(xml_document("ListVersionsResult", children))
