"""Bucket API: create, delete, info, location, ACL, versioning configuration."""

from __future__ import annotations

from ossbox.server.context import RequestContext
from ossbox.server.errors import not_implemented
from ossbox.server.response import Response


async def put_bucket(ctx: RequestContext) -> Response:
    raise not_implemented("put_bucket")


async def delete_bucket(ctx: RequestContext) -> Response:
    raise not_implemented("delete_bucket")


async def get_bucket_info(ctx: RequestContext) -> Response:
    raise not_implemented("get_bucket_info")


async def get_bucket_location(ctx: RequestContext) -> Response:
    raise not_implemented("get_bucket_location")


async def put_bucket_acl(ctx: RequestContext) -> Response:
    raise not_implemented("put_bucket_acl")


async def get_bucket_acl(ctx: RequestContext) -> Response:
    raise not_implemented("get_bucket_acl")


async def put_bucket_versioning(ctx: RequestContext) -> Response:
    raise not_implemented("put_bucket_versioning")


async def get_bucket_versioning(ctx: RequestContext) -> Response:
    raise not_implemented("get_bucket_versioning")
