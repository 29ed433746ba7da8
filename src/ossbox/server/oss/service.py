"""Service-level API: ListBuckets."""

from __future__ import annotations

from ossbox.server.context import RequestContext
from ossbox.server.errors import not_implemented
from ossbox.server.response import Response


async def list_buckets(ctx: RequestContext) -> Response:
    raise not_implemented("ListBuckets")
