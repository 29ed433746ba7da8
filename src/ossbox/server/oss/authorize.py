"""Authorization of OSS requests, in OSS's order (protocol-spec §4.2):

1. The bucket owner's root account may do anything on its own buckets (and list its buckets).
2. Anyone else is asked of the policy engine: the RAM policies of a user (and its groups) or
   of a role session's role, the session policy of STS credentials, and the bucket policy
   (which names RAM users of the account, other accounts, or "*": everyone, anonymous
   included). An explicit Deny anywhere, or a session policy that does not allow, refuses; an
   Allow in a RAM policy or the bucket policy grants. A caller from another account can only be
   granted by the bucket policy (its own RAM policies do not reach this account's buckets).
3. Otherwise management operations are refused, and data operations get what the object ACL
   (`default`: the bucket's) grants: public-read reads, public-read-write reads and writes.

Refusals are 403 AccessDenied with OSS's messages:
- "Access denied by authorizer's policy."  the STS session policy does not allow the action;
- "Access denied by bucket policy."        an explicit Deny in a RAM policy or in the bucket
  policy (OSS words both so; `<AccessDeniedDetail><PolicyType>` says which);
- "You have no right to access this object because of bucket acl."  nothing allows a data op;
- "The bucket you access does not belong to you."  nothing allows a management op;
- "Anonymous access is forbidden for this operation."  the same, for an anonymous request.

DeleteMultipleObjects is authorized per key, as a DeleteObject (or DeleteObjectVersion) of
each, by the handler through `authorize_deletes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ossbox.policy import (
    AuthzRequest,
    Decision,
    NamedPolicy,
    Policy,
    PolicyKind,
    PrincipalRef,
)
from ossbox.policy import evaluate as evaluate_policies
from ossbox.server.audit.record import AuditRecord
from ossbox.server.auth import Principal
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, access_denied
from ossbox.server.oss.authz_context import (
    BUCKET_POLICY_NAME,
    Target,
    actions,
    condition_context,
    request_version,
    sets_tags,
)
from ossbox.server.oss.operations import Access, Operation, find_operation
from ossbox.server.oss.policy_index import narrow_all, narrow_session
from ossbox.server.sts import permissions
from ossbox.store.base import Bucket

ANONYMOUS_FORBIDDEN = "Anonymous access is forbidden for this operation."
NOT_YOUR_BUCKET = "The bucket you access does not belong to you."
ACL_DENIED = "You have no right to access this object because of bucket acl."
POLICY_DENIED = "Access denied by bucket policy."
SESSION_DENIED = "Access denied by authorizer's policy."

_GRANTS = {
    "private": frozenset[Access](),
    "public-read": frozenset({Access.READ}),
    "public-read-write": frozenset({Access.READ, Access.WRITE}),
}
# (message, AccessDeniedDetail PolicyType) of an explicit Deny, by the kind of policy.
_DENIED_BY = {
    "session": (SESSION_DENIED, "SessionPolicy"),
    "identity": (POLICY_DENIED, "AccountLevelIdentityBasedPolicy"),
    "resource": (POLICY_DENIED, "BucketPolicy"),
}


class PolicyDenied(OssError):
    """AccessDenied by a policy, with OSS's `<AccessDeniedDetail>` naming the kind of policy."""

    def __init__(self, message: str, policy_type: str, deny: str, action: str) -> None:
        super().__init__(403, "AccessDenied", message)
        self.detail = {"PolicyType": policy_type, "NoPermissionType": deny, "AuthAction": action}

    def to_xml(self, request_id: str, host_id: str) -> bytes:
        inner = "".join(f"    <{k}>{escape(v)}</{k}>\n" for k, v in self.detail.items())
        block = f"  <AccessDeniedDetail>\n{inner}  </AccessDeniedDetail>\n</Error>\n"
        return super().to_xml(request_id, host_id).replace(b"</Error>\n", block.encode())


@dataclass(frozen=True)
class Caller:
    """Who asks, as policies name them, with the policies that speak for them."""

    principal: Principal
    ref: PrincipalRef
    identity: Sequence[NamedPolicy] = ()
    session: Policy | None = None


_MAX_USER_IDS = 8192
_user_ids: dict[str, str] = {}  # AccessKeyId -> its RAM user's UID (a key never changes owner)


def _user_id(ctx: RequestContext, principal: Principal) -> str | None:
    key_id, account = principal.access_key_id, principal.account_id
    cached = _user_ids.get(key_id or "")
    if cached is not None or key_id is None or account is None:
        return cached
    user = ctx.store.ram.get_user(account, principal.name)
    if user is None:
        return None
    if len(_user_ids) >= _MAX_USER_IDS:
        _user_ids.clear()
    _user_ids[key_id] = user.user_id
    return user.user_id


def load_caller(ctx: RequestContext, principal: Principal, *, with_user_id: bool) -> Caller:
    """The caller's RAM and session policies (inline reads). A RAM user's UID, which bucket
    policies may name it by, is looked up only when asked."""
    identity, session = permissions.caller_policies(ctx.store.ram, principal)
    ref = permissions.principal_ref(principal)
    if with_user_id and principal.kind == "user" and principal.account_id is not None:
        ref = PrincipalRef.user(principal.account_id, principal.name, _user_id(ctx, principal))
    return Caller(principal, ref, identity, session)


def bucket_policies(bucket: Bucket) -> tuple[NamedPolicy, ...]:
    """The bucket policy, parsed once per distinct document."""
    if not bucket.policy:
        return ()
    return (
        NamedPolicy(BUCKET_POLICY_NAME, permissions.parsed(bucket.policy, PolicyKind.RESOURCE)),
    )


def decide(
    caller: Caller,
    request: AuthzRequest,
    resource: Sequence[NamedPolicy],
    owner_id: str,
    audit: AuditRecord,
) -> bool:
    """True if policies allow `request`, False if nothing does (the ACL may still grant it);
    raises PolicyDenied on an explicit Deny or a session policy that does not allow. The
    decision is noted in `audit`."""
    action = request.action
    decision = evaluate_policies(
        request,
        identity=narrow_all(caller.identity, action),
        session=narrow_session(caller.session, action),
        resource=narrow_all(resource, action),
    )
    audit.decided(decision)
    if decision.effect == "ExplicitDeny":
        raise _explicit_denial(decision)
    if "session" in decision.missing:
        raise PolicyDenied(SESSION_DENIED, "SessionPolicy", "ImplicitDeny", request.action)
    if not decision.allowed:
        return False
    if caller.ref.account_id == owner_id or any(
        hit.source == "resource" and hit.effect == "Allow" for hit in decision.deciding
    ):
        return True
    audit.denied("Denied: only the bucket policy can grant another account's caller.")
    return False


def _explicit_denial(decision: Decision) -> PolicyDenied:
    source = next(hit.source for hit in decision.deciding if hit.effect == "Deny")
    message, policy_type = _DENIED_BY.get(source, _DENIED_BY["resource"])
    return PolicyDenied(message, policy_type, "ExplicitDeny", decision.action)


def _implicit_denial(op: Operation, principal: Principal) -> OssError:
    if op.access in (Access.READ, Access.WRITE):
        return access_denied(ACL_DENIED)
    if principal.kind == "anonymous":
        return access_denied(ANONYMOUS_FORBIDDEN)
    return access_denied(NOT_YOUR_BUCKET)


def _is_owner(principal: Principal, bucket: Bucket) -> bool:
    return principal.kind == "root" and principal.account_id == bucket.owner_id


async def _acl_grants(ctx: RequestContext, bucket: Bucket, target: Target, access: Access) -> bool:
    acl, whose = bucket.acl, "bucket"
    if target.key is not None:
        meta = ctx.store.meta
        found = await asyncio.to_thread(meta.get_object, bucket.name, target.key, target.version_id)
        if found is not None and found.acl != "default":
            acl, whose = found.acl, "object"
    if access not in _GRANTS.get(acl, frozenset()):
        return False
    ctx.audit.granted(f"Allowed: the {whose} ACL {acl} grants {access.name.lower()}.", target.arn)
    return True


async def _check(
    ctx: RequestContext,
    op: Operation,
    bucket: Bucket,
    target: Target,
    caller: Caller,
    context: Mapping[str, str],
    *,
    tagging: bool = False,
) -> None:
    """Raise AccessDenied unless every action `op` needs on `target` is allowed."""
    for action in actions(op.action, version_id=target.version_id, tagging=tagging):
        request = AuthzRequest(action, target.arn, caller.ref, context)
        if decide(caller, request, bucket_policies(bucket), bucket.owner_id, ctx.audit):
            continue
        if op.access in (Access.READ, Access.WRITE) and await _acl_grants(
            ctx, bucket, target, op.access
        ):
            continue
        raise _implicit_denial(op, caller.principal)


def _authorize_account_op(ctx: RequestContext, op: Operation, principal: Principal) -> None:
    """ListBuckets and PutBucket: in the caller's own account, decided by RAM alone (a bucket
    that already belongs to another account is the handler's 409)."""
    if principal.kind == "anonymous" or principal.account_id is None:
        raise access_denied(ANONYMOUS_FORBIDDEN)
    account = principal.account_id
    bucket = ctx.bucket if op.name == "PutBucket" else None
    target = Target(ctx.config.region, account, bucket)
    if principal.kind == "root":
        ctx.audit.granted("Allowed: the account's root.", target.arn)
        return
    caller = load_caller(ctx, principal, with_user_id=False)
    request = AuthzRequest(op.action, target.arn, caller.ref, condition_context(ctx, op.name))
    if not decide(caller, request, (), account, ctx.audit):
        raise access_denied(NOT_YOUR_BUCKET)


async def _bucket_record(ctx: RequestContext, name: str | None) -> Bucket | None:
    if name is None:
        return None
    if name == ctx.bucket and ctx.bucket_record is not None:
        return ctx.bucket_record
    return await asyncio.to_thread(ctx.store.meta.get_bucket, name)


def _principal(ctx: RequestContext) -> Principal:
    assert ctx.principal is not None, "authenticate before authorizing"
    return ctx.principal


async def authorize(
    ctx: RequestContext,
    op: Operation,
    bucket: str | None = None,
    key: str | None = None,
    *,
    version_id: str | None = None,
) -> None:
    """Raise AccessDenied unless the principal may call `op` on bucket/key (default: the
    request's own, with its versionId and x-oss-tagging). Another object (a copy source, a
    symlink target) is named by `bucket`, `key` and `version_id`."""
    principal = _principal(ctx)
    if op.access is Access.SERVICE or op.name == "PutBucket":
        _authorize_account_op(ctx, op, principal)
        return
    own = bucket in (None, ctx.bucket) and key in (None, ctx.key)
    record = await _bucket_record(ctx, bucket or ctx.bucket)
    if record is None:
        return  # the handler's NoSuchBucket
    if _is_owner(principal, record):
        ctx.audit.granted("Allowed: the bucket owner's root account.")
        return
    if op.name == "DeleteMultipleObjects" and key is None:
        return  # each key is authorized by the handler (authorize_deletes)
    key = key if key is not None else ctx.key
    if own and version_id is None:
        version_id = request_version(ctx)
    target = Target(record.region, record.owner_id, record.name, key, version_id)
    caller = load_caller(ctx, principal, with_user_id=record.policy is not None)
    context = condition_context(ctx, op.name)
    await _check(ctx, op, record, target, caller, context, tagging=own and sets_tags(ctx))


async def authorize_deletes(ctx: RequestContext, keys: Sequence[tuple[str, str | None]]) -> None:
    """DeleteMultipleObjects: every (key, versionId) must be deletable by the caller, as a
    DeleteObject or DeleteObjectVersion of that object; the caller's policies are read once."""
    principal, record = _principal(ctx), ctx.bucket_record
    if record is None or _is_owner(principal, record) or not keys:
        return
    op = find_operation("DELETE", record.name, keys[0][0], {})
    caller = load_caller(ctx, principal, with_user_id=record.policy is not None)
    context = condition_context(ctx, "DeleteObject")
    for key, version_id in keys:
        target = Target(record.region, record.owner_id, record.name, key, version_id)
        await _check(ctx, op, record, target, caller, context)
