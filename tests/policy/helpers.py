"""Small builders shared by the policy tests."""

from __future__ import annotations

import json
from typing import Any

from ossbox.policy import (
    AuthzRequest,
    BucketContext,
    Decision,
    NamedPolicy,
    Policy,
    PolicyKind,
    PrincipalRef,
    evaluate,
    oss_resource_arn,
    parse_policy,
)

ACCT = "1757083224701234"
OTHER = "1999999999999999"
REGION = "cn-hangzhou"
BUCKET = "examplebucket"

ALICE = PrincipalRef.user(ACCT, "alice", "2001")
BOB = PrincipalRef.user(ACCT, "bob", "2002")
ROOT = PrincipalRef.root(ACCT)
SESSION = PrincipalRef.assumed_role(ACCT, "RamOssTest", "sessiontest", "3001")
STRANGER = PrincipalRef.user(OTHER, "mallory", "9001")
ANON = PrincipalRef.anonymous()


def stmt(
    effect: str = "Allow", action: Any = "oss:*", resource: Any = "*", **extra: Any
) -> dict[str, Any]:
    """A statement dict; pass Condition=..., Principal=..., NotAction=... as keywords."""
    result: dict[str, Any] = {"Effect": effect}
    if action is not None:
        result["Action"] = action
    if resource is not None:
        result["Resource"] = resource
    result.update(extra)
    return result


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def ident(*statements: dict[str, Any]) -> Policy:
    return parse_policy(doc(*statements), kind=PolicyKind.IDENTITY)


def named(name: str, *statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(name, ident(*statements))


def bucket_policy(*statements: dict[str, Any], name: str = BUCKET) -> NamedPolicy:
    text = doc(*statements)
    return NamedPolicy(
        name, parse_policy(text, kind=PolicyKind.RESOURCE, bucket=BucketContext(BUCKET, ACCT))
    )


def obj(key: str, bucket: str = BUCKET) -> str:
    return oss_resource_arn(REGION, ACCT, bucket, key)


def req(
    action: str = "oss:GetObject",
    resource: str | None = None,
    who: PrincipalRef = ALICE,
    **context: str | list[str],
) -> AuthzRequest:
    """`context` keys use `__` for `:` (acs__SourceIp)."""
    ctx = {k.replace("__", ":"): v for k, v in context.items()}
    return AuthzRequest(action, resource if resource is not None else obj("a.txt"), who, ctx)


def allowed(request: AuthzRequest, *policies: NamedPolicy, **kwargs: Any) -> bool:
    return evaluate(request, identity=policies, **kwargs).allowed


def decide(request: AuthzRequest, *policies: NamedPolicy, **kwargs: Any) -> Decision:
    return evaluate(request, identity=policies, **kwargs)
