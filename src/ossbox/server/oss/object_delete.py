"""DeleteMultipleObjects: `POST /?delete` with `<Delete><Quiet/><Object><Key/>[<VersionId/>]...`.

Content-MD5 is required and checked; the body is at most 2 MB and names 1..1000 objects.
`encoding-type=url` URL-encodes the keys of the answer. Quiet mode lists no successes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import quote
from xml.etree.ElementTree import Element  # types only; parsing uses defusedxml

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, invalid_argument, malformed_xml
from ossbox.server.oss.addressing import validate_key
from ossbox.server.oss.common import MAX_XML_BODY, element, parse_xml, xml_document
from ossbox.server.oss.object_headers import expected_md5, invalid_digest
from ossbox.server.response import Response, xml_response
from ossbox.store import base as store

MAX_DELETE_OBJECTS = 1000


@dataclass(frozen=True)
class DeleteRequest:
    key: str
    version_id: str | None


def _missing_md5() -> OssError:
    return OssError(
        400,
        "MissingArgument",
        "Missing Some Required Arguments.",
        extra={"ArgumentName": "Content-MD5", "ArgumentValue": ""},
    )


async def _read_checked_body(ctx: RequestContext) -> bytes:
    md5 = expected_md5(ctx)
    if md5 is None:
        raise _missing_md5()
    try:
        body = await ctx.read_body(limit=MAX_XML_BODY)
    except OssError as err:
        if err.code == "EntityTooLarge":
            raise malformed_xml() from None
        raise
    if hashlib.md5(body, usedforsecurity=False).digest() != base64.b64decode(md5):
        raise invalid_digest()
    return body


def parse_delete(root: Element) -> tuple[bool, list[DeleteRequest]]:
    """(quiet, objects) from a `<Delete>` document; MalformedXML when it is not one."""
    quiet = (root.findtext("Quiet") or "false").strip().lower()
    objects = root.findall("Object")
    if root.tag != "Delete" or quiet not in ("true", "false"):
        raise malformed_xml()
    if not 1 <= len(objects) <= MAX_DELETE_OBJECTS:
        raise malformed_xml()
    requests = []
    for node in objects:
        key = node.findtext("Key")
        if not key:
            raise malformed_xml()
        version_id = node.findtext("VersionId") or None
        requests.append(DeleteRequest(validate_key(key), version_id))
    return quiet == "true", requests


def _encoding(ctx: RequestContext) -> str | None:
    value = ctx.query.get("encoding-type")
    if value is None or value == "":
        return None
    if value != "url":
        raise invalid_argument("The encoding-type parameter is invalid.", "encoding-type", value)
    return value


def deleted_xml(request: DeleteRequest, result: store.DeleteResult, url_encode: bool) -> str:
    """One `<Deleted>` entry, shaped as oss2 and oss-v2 read it."""
    key = quote(request.key, safe="/") if url_encode else request.key
    parts = [element("Key", key)]
    if request.version_id is not None:
        parts.append(element("VersionId", request.version_id))
    if result.delete_marker:
        marker_id = request.version_id or result.version_id
        parts += [element("DeleteMarker", True), element("DeleteMarkerVersionId", marker_id)]
    return f"<Deleted>{''.join(parts)}</Deleted>"


async def _authorize_each(ctx: RequestContext, requests: list[DeleteRequest]) -> None:
    """Each entry is a DeleteObject (or DeleteObjectVersion with a VersionId) of its key."""
    # Imported here: operations imports the handler modules, which import this one.
    from ossbox.server.oss.authorize import authorize_deletes

    await authorize_deletes(ctx, [(r.key, r.version_id) for r in requests])


def _delete_all(
    meta: store.MetadataStore, bucket: str, requests: list[DeleteRequest]
) -> list[store.DeleteResult]:
    return [meta.delete_object(bucket, r.key, r.version_id) for r in requests]


async def delete_multiple(ctx: RequestContext) -> Response:
    assert ctx.bucket_record is not None
    encoding = _encoding(ctx)
    quiet, requests = parse_delete(parse_xml(await _read_checked_body(ctx)))
    await _authorize_each(ctx, requests)
    results = await asyncio.to_thread(_delete_all, ctx.store.meta, ctx.bucket_record.name, requests)
    children = [element("EncodingType", encoding)] if encoding else []
    if not quiet:
        children += [
            deleted_xml(request, result, encoding == "url")
            for request, result in zip(requests, results, strict=True)
        ]
    return xml_response(xml_document("DeleteResult", children))
