"""Object metadata in and out: what a write request sets, what GET/HEAD report.

In: Content-Type, the standard headers (Cache-Control, Content-Disposition, Content-Encoding,
Content-Language, Expires), `x-oss-meta-*` (8 KB in total at most), `x-oss-object-acl`,
`x-oss-storage-class`, `x-oss-tagging`, `x-oss-forbid-overwrite`, Content-MD5.
Out: the headers GetObject/HeadObject return for a version, and the `response-*` overrides.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, invalid_argument
from ossbox.server.oss.buckets import STORAGE_CLASSES
from ossbox.server.oss.common import http_date, quote_etag
from ossbox.server.oss.object_tags import parse_tagging_header
from ossbox.store.base import TYPE_APPENDABLE, ObjectVersion

DEFAULT_CONTENT_TYPE = "application/octet-stream"
STANDARD_HEADERS = (
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
)
OBJECT_ACLS = ("default", "private", "public-read", "public-read-write")
META_PREFIX = "x-oss-meta-"
MAX_USER_META = 8 * 1024

# GetObject query parameter -> the response header it overrides.
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


@dataclass(frozen=True)
class ContentMeta:
    """What describes an object's content: its type, standard headers and user metadata."""

    content_type: str = DEFAULT_CONTENT_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)
    user_meta: Mapping[str, str] = field(default_factory=dict)


def invalid_digest() -> OssError:
    return OssError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")


def content_meta(ctx: RequestContext) -> ContentMeta:
    """Content-Type, the standard headers and `x-oss-meta-*` of a write request."""
    headers = ctx.http.lower_headers()
    user_meta = {
        name[len(META_PREFIX) :]: value
        for name, value in headers.items()
        if name.startswith(META_PREFIX) and len(name) > len(META_PREFIX)
    }
    size = sum(len(META_PREFIX) + len(name) + len(value) for name, value in user_meta.items())
    if size > MAX_USER_META:
        raise invalid_argument(
            "Your metadata headers exceed the maximum allowed metadata size.", META_PREFIX + "*"
        )
    standard = {name: headers[name] for name in STANDARD_HEADERS if name in headers}
    return ContentMeta(headers.get("content-type") or DEFAULT_CONTENT_TYPE, standard, user_meta)


def object_acl(ctx: RequestContext, default: str = "default") -> str:
    value = ctx.header("x-oss-object-acl")
    if value is None:
        return default
    if value not in OBJECT_ACLS:
        raise invalid_argument(
            "The object access control list you provided is not valid.", "x-oss-object-acl", value
        )
    return value


def storage_class(ctx: RequestContext, default: str) -> str:
    value = ctx.header("x-oss-storage-class")
    if value is None:
        return default
    for known in STORAGE_CLASSES:
        if value.lower() == known.lower():
            return known
    raise invalid_argument("Invalid storage class.", "x-oss-storage-class", value)


def request_tags(ctx: RequestContext) -> dict[str, str] | None:
    """Tags from `x-oss-tagging`, or None when the header is absent."""
    value = ctx.header("x-oss-tagging")
    return None if value is None else parse_tagging_header(value)


def forbid_overwrite(ctx: RequestContext) -> bool:
    return (ctx.header("x-oss-forbid-overwrite") or "").strip().lower() == "true"


def expected_md5(ctx: RequestContext) -> str | None:
    """The Content-MD5 header, checked to be base64 of 16 bytes (InvalidDigest otherwise)."""
    value = ctx.header("content-md5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_digest() from None
    if len(digest) != 16:
        raise invalid_digest()
    return value.strip()


def version_headers(ctx: RequestContext, version: ObjectVersion) -> list[tuple[str, str]]:
    """`x-oss-version-id` when the bucket is (or was) versioned."""
    record = ctx.bucket_record
    if record is None or not record.versioning:
        return []
    return [("x-oss-version-id", version.version_id)]


def object_headers(ctx: RequestContext, version: ObjectVersion) -> list[tuple[str, str]]:
    """The metadata headers of GetObject/HeadObject (not Content-Length, not the body's)."""
    headers = [
        ("Content-Type", version.content_type),
        ("ETag", quote_etag(version.etag)),
        ("Last-Modified", http_date(version.last_modified)),
        ("Accept-Ranges", "bytes"),
        ("x-oss-object-type", version.object_type),
        ("x-oss-storage-class", version.storage_class),
        ("x-oss-hash-crc64ecma", str(version.crc64)),
    ]
    if version.content_md5:
        headers.append(("Content-MD5", version.content_md5))
    if version.object_type == TYPE_APPENDABLE:
        headers.append(("x-oss-next-append-position", str(version.size)))
    if version.tags:
        headers.append(("x-oss-tagging-count", str(len(version.tags))))
    headers += [(name.title(), value) for name, value in version.headers.items()]
    headers += [(META_PREFIX + name, value) for name, value in version.user_meta.items()]
    return headers + version_headers(ctx, version)


def wire_value(text: str) -> str:
    """A header value as it goes on the wire: UTF-8 bytes, carried in a latin-1 string."""
    return text.encode("utf-8").decode("latin-1")


def apply_overrides(ctx: RequestContext, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """GetObject's `response-*` parameters replace the matching headers.

    OSS honours them on signed requests; an anonymous request may only set the Content-Type.
    """
    anonymous = ctx.principal is None or ctx.principal.kind == "anonymous"
    overrides = {
        header: wire_value(ctx.query[param])
        for param, header in RESPONSE_OVERRIDES.items()
        if param in ctx.query and (not anonymous or header == "Content-Type")
    }
    if not overrides:
        return headers
    lowered = {name.lower() for name in overrides}
    kept = [(name, value) for name, value in headers if name.lower() not in lowered]
    return kept + list(overrides.items())
