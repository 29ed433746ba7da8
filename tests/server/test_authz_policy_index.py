"""Narrowing policies to the statements of one action never changes a decision."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ossbox.policy import (
    AuthzRequest,
    NamedPolicy,
    PolicyKind,
    PrincipalRef,
    evaluate,
    parse_policy,
)
from ossbox.server.oss.policy_index import narrow_all, narrow_session


def _policy(kind: PolicyKind, *statements: dict[str, Any]) -> NamedPolicy:
    text = json.dumps({"Version": "1", "Statement": list(statements)})
    return NamedPolicy(kind.value, parse_policy(text, kind=kind))


IDENTITY = [
    _policy(
        PolicyKind.IDENTITY,
        {"Effect": "Allow", "Action": ["oss:Get*", "oss:List*"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": "oss:GetObject", "Resource": "acs:oss:*:*:b/secret/*"},
        {"Effect": "Allow", "Action": "oss:PutObject", "Resource": "acs:oss:*:*:b/up/*"},
        {
            "Effect": "Deny",
            "Action": "oss:*",
            "Resource": "*",
            "Condition": {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}},
        },
    ),
    _policy(PolicyKind.IDENTITY, {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}),
]
RESOURCE = [
    _policy(
        PolicyKind.RESOURCE,
        {"Effect": "Allow", "Action": "oss:DeleteObject", "Resource": "acs:oss:*:*:b/*",
         "Principal": ["*"]},
    )
]  # fmt: skip
SESSION = _policy(
    PolicyKind.IDENTITY, {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}
)

ACTIONS = ["oss:GetObject", "oss:getobject", "oss:PutObject", "oss:DeleteObject",
           "oss:ListObjects", "oss:PutObjectAcl", "ecs:RunInstances", "ram:CreateUser"]  # fmt: skip
RESOURCES = ["acs:oss:r:1:b/secret/k", "acs:oss:r:1:b/up/k", "acs:oss:r:1:b/k", "acs:oss:r:1:b"]


@given(
    action=st.sampled_from(ACTIONS),
    resource=st.sampled_from(RESOURCES),
    ip=st.sampled_from(["203.0.113.5", "10.0.0.1"]),
    with_session=st.booleans(),
)
def test_narrowed_policies_decide_as_the_full_ones(
    action: str, resource: str, ip: str, with_session: bool
) -> None:
    request = AuthzRequest(action, resource, PrincipalRef.user("1", "u", "9"), {"acs:SourceIp": ip})
    session = SESSION.policy if with_session else None
    full = evaluate(request, identity=IDENTITY, session=session, resource=RESOURCE)
    narrowed = evaluate(
        request,
        identity=narrow_all(IDENTITY, action),
        session=narrow_session(session, action),
        resource=narrow_all(RESOURCE, action),
    )
    assert (narrowed.effect, narrowed.missing) == (full.effect, full.missing)
    assert [h.source for h in narrowed.deciding] == [h.source for h in full.deciding]


def test_narrowing_drops_other_actions_and_is_cached() -> None:
    narrowed = narrow_all(IDENTITY, "ecs:RunInstances")
    assert [p.name for p in narrowed] == ["identity", "identity"]
    assert [len(p.policy.statements) for p in narrowed] == [1, 1]  # the NotAction Deny, ecs:*
    assert narrow_all(IDENTITY, "ecs:RunInstances")[0] is narrowed[0]


@pytest.mark.parametrize("action", ["oss:PutObject", "ram:CreateUser"])
def test_an_emptied_session_policy_still_allows_nothing(action: str) -> None:
    session = narrow_session(SESSION.policy, action)
    assert session is not None and session.statements == ()
    request = AuthzRequest(action, "*", PrincipalRef.user("1", "u"), {})
    allow_all = [_policy(PolicyKind.IDENTITY, {"Effect": "Allow", "Action": "*", "Resource": "*"})]
    assert evaluate(request, identity=allow_all, session=session).missing == ("session",)
    assert narrow_session(None, action) is None
