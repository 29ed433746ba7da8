"""Object API: put, get, head, meta, delete (one and many), copy, append, ACL, tagging, symlinks."""

from __future__ import annotations

from ossbox.server.context import RequestContext
from ossbox.server.errors import not_implemented
from ossbox.server.response import Response


async def put_object(ctx: RequestContext) -> Response:
    raise not_implemented("put_object")


async def get_object(ctx: RequestContext) -> Response:
    raise not_implemented("get_object")


async def head_object(ctx: RequestContext) -> Response:
    raise not_implemented("head_object")


async def get_object_meta(ctx: RequestContext) -> Response:
    raise not_implemented("get_object_meta")


async def delete_object(ctx: RequestContext) -> Response:
    raise not_implemented("delete_object")


async def delete_multiple(ctx: RequestContext) -> Response:
    raise not_implemented("delete_multiple")


async def append_object(ctx: RequestContext) -> Response:
    raise not_implemented("append_object")


async def put_object_acl(ctx: RequestContext) -> Response:
    raise not_implemented("put_object_acl")


async def get_object_acl(ctx: RequestContext) -> Response:
    raise not_implemented("get_object_acl")


async def put_object_tagging(ctx: RequestContext) -> Response:
    raise not_implemented("put_object_tagging")


async def get_object_tagging(ctx: RequestContext) -> Response:
    raise not_implemented("get_object_tagging")


async def delete_object_tagging(ctx: RequestContext) -> Response:
    raise not_implemented("delete_object_tagging")


async def put_symlink(ctx: RequestContext) -> Response:
    raise not_implemented("put_symlink")


async def get_symlink(ctx: RequestContext) -> Response:
    raise not_implemented("get_symlink")
