"""Listing API: ListObjects (v1 and v2) and ListObjectVersions."""

from __future__ import annotations

from ossbox.server.context import RequestContext
from ossbox.server.errors import not_implemented
from ossbox.server.response import Response


async def list_objects(ctx: RequestContext) -> Response:
    raise not_implemented("list_objects")


async def list_object_versions(ctx: RequestContext) -> Response:
    raise not_implemented("list_object_versions")
