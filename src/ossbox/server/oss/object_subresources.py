"""Object sub-resources: `?acl` (Put/GetObjectAcl) and `?tagging` (Put/Get/DeleteObjectTagging).

Each acts on the latest version, or the one `versionId` names; a delete marker answers as
GetObject does (404 NoSuchKey, or 405 when named by versionId).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from ossbox.server.context import RequestContext
from ossbox.server.errors import invalid_argument, no_such_key, no_such_version
from ossbox.server.oss.common import element, owner_xml, read_xml, xml_document
from ossbox.server.oss.object_headers import OBJECT_ACLS, version_headers
from ossbox.server.oss.object_io import load_version, version_id_param
from ossbox.server.oss.object_tags import tagging_xml, tags_from_xml
from ossbox.server.response import Response, xml_response
from ossbox.store import base as store

MAX_TAGGING_BODY = 64 * 1024


def _target(ctx: RequestContext) -> tuple[str, str, str | None]:
    assert ctx.bucket is not None and ctx.key is not None
    return ctx.bucket, ctx.key, version_id_param(ctx)


async def _update(
    ctx: RequestContext, *, acl: str | None = None, tags: Mapping[str, str] | None = None
) -> store.ObjectVersion:
    """Change the ACL or tags of the addressed version (NoSuchKey & co. when there is none)."""
    bucket, key, version_id = _target(ctx)
    await load_version(ctx, bucket, key, version_id)
    updated = await asyncio.to_thread(
        ctx.store.meta.update_object_meta, bucket, key, version_id, acl=acl, tags=tags
    )
    if updated is None:  # removed between the two calls
        raise no_such_version(key, version_id) if version_id else no_such_key(key)
    return updated


async def put_object_acl(ctx: RequestContext) -> Response:
    acl = ctx.header("x-oss-object-acl")
    if acl not in OBJECT_ACLS:
        raise invalid_argument(
            "The object access control list you provided is not valid.",
            "x-oss-object-acl",
            acl or "",
        )
    updated = await _update(ctx, acl=acl)
    return Response(200, version_headers(ctx, updated))


async def get_object_acl(ctx: RequestContext) -> Response:
    version = await load_version(ctx, *_target(ctx))
    owner = version.owner_id or (ctx.bucket_record.owner_id if ctx.bucket_record else "")
    body = xml_document(
        "AccessControlPolicy",
        [
            owner_xml(owner),
            f"<AccessControlList>{element('Grant', version.acl)}</AccessControlList>",
        ],
    )
    response = xml_response(body)
    response.headers += version_headers(ctx, version)
    return response


async def put_object_tagging(ctx: RequestContext) -> Response:
    tags = tags_from_xml(await read_xml(ctx, limit=MAX_TAGGING_BODY))
    updated = await _update(ctx, tags=tags)
    return Response(200, version_headers(ctx, updated))


async def get_object_tagging(ctx: RequestContext) -> Response:
    version = await load_version(ctx, *_target(ctx))
    response = xml_response(tagging_xml(version.tags))
    response.headers += version_headers(ctx, version)
    return response


async def delete_object_tagging(ctx: RequestContext) -> Response:
    updated = await _update(ctx, tags={})
    return Response(204, version_headers(ctx, updated))
