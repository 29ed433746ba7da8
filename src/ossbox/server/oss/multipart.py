"""Multipart upload API: initiate, upload part (and part copy), complete, abort, list."""

from __future__ import annotations

from ossbox.server.context import RequestContext
from ossbox.server.errors import not_implemented
from ossbox.server.response import Response


async def initiate_upload(ctx: RequestContext) -> Response:
    raise not_implemented("initiate_upload")


async def upload_part(ctx: RequestContext) -> Response:
    raise not_implemented("upload_part")


async def complete_upload(ctx: RequestContext) -> Response:
    raise not_implemented("complete_upload")


async def abort_upload(ctx: RequestContext) -> Response:
    raise not_implemented("abort_upload")


async def list_parts(ctx: RequestContext) -> Response:
    raise not_implemented("list_parts")


async def list_uploads(ctx: RequestContext) -> Response:
    raise not_implemented("list_uploads")
