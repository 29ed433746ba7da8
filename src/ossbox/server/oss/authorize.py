"""Authorization of OSS requests before RAM: the bucket owner may do anything on its bucket;
anyone else gets what the object ACL (or, when it is `default`, the bucket ACL) grants.
"""

from __future__ import annotations

import asyncio

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, access_denied
from ossbox.server.oss.operations import Access, Operation

_GRANTS = {
    "private": frozenset[Access](),
    "public-read": frozenset({Access.READ}),
    "public-read-write": frozenset({Access.READ, Access.WRITE}),
}


def _anonymous_forbidden() -> OssError:
    return access_denied("Anonymous access is forbidden for this operation.")


async def _object_acl(ctx: RequestContext, bucket: str, key: str) -> str:
    version = await asyncio.to_thread(ctx.store.meta.get_object, bucket, key, None)
    return "default" if version is None else version.acl


async def authorize(
    ctx: RequestContext, op: Operation, bucket: str | None = None, key: str | None = None
) -> None:
    """Raise AccessDenied unless the principal may call `op` on bucket/key (default: ctx's)."""
    principal = ctx.principal
    assert principal is not None
    if op.access is Access.SERVICE or op.name == "PutBucket":
        # PutBucket of a name another account owns is the handler's 409 BucketAlreadyExists.
        if principal.kind == "anonymous":
            raise _anonymous_forbidden()
        return
    bucket = bucket or ctx.bucket
    record = ctx.bucket_record
    if bucket is not None and (bucket != ctx.bucket or record is None):
        record = await asyncio.to_thread(ctx.store.meta.get_bucket, bucket)
    if record is None:
        return  # the handler answers NoSuchBucket (or creates it)
    if principal.account_id is not None and principal.account_id == record.owner_id:
        return
    if op.access is Access.MANAGE:
        if principal.kind == "anonymous":
            raise _anonymous_forbidden()
        raise access_denied("The bucket you access does not belong to you.")
    acl = record.acl
    key = key if key is not None else ctx.key
    if key is not None:
        object_acl = await _object_acl(ctx, record.name, key)
        if object_acl != "default":
            acl = object_acl
    if op.access not in _GRANTS.get(acl, frozenset()):
        raise access_denied("You have no right to access this object because of bucket acl.")
