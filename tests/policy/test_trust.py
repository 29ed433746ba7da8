"""Trust policies: who may assume a role (each Principal form, ExternalId, OIDC claims)."""

from __future__ import annotations

from typing import Any

import pytest

from ossbox.policy import PolicyKind, PrincipalRef, evaluate_trust, explain, parse_policy
from ossbox.policy.model import Policy
from tests.policy.helpers import ACCT, ALICE, ANON, BOB, OTHER, ROOT, SESSION, STRANGER, doc, stmt

ROLE = f"acs:ram::{ACCT}:role/RamOssTest"
PROVIDER = f"acs:ram::{ACCT}:oidc-provider/ack-rrsa-cabce"
OIDC = PrincipalRef.federated(PROVIDER)
ECS = PrincipalRef.service("ecs.aliyuncs.com")


def trust(principal: dict[str, Any], effect: str = "Allow", **extra: Any) -> Policy:
    statement = stmt(effect, action="sts:AssumeRole", resource=None, Principal=principal, **extra)
    return parse_policy(doc(statement), kind=PolicyKind.TRUST)


def may(policy: Policy, caller: PrincipalRef, **context: Any) -> bool:
    ctx = {k.replace("__", ":"): v for k, v in context.items()}
    return evaluate_trust(policy, caller, ctx, role_arn=ROLE).allowed


@pytest.mark.parametrize(
    ("entry", "caller", "expected"),
    [
        # The account's root ARN (or bare id) admits every RAM identity of that account.
        (f"acs:ram::{ACCT}:root", ALICE, True),
        (f"acs:ram::{ACCT}:root", ROOT, True),
        (f"acs:ram::{ACCT}:root", SESSION, True),
        (f"acs:ram::{ACCT}:root", STRANGER, False),
        (f"acs:ram::{ACCT}:root", ANON, False),
        (f"acs:ram::{ACCT}:root", ECS, False),
        (f"acs:ram::{ACCT}:root", OIDC, False),
        (ACCT, BOB, True),
        (OTHER, STRANGER, True),  # cross-account trust
        (OTHER, ALICE, False),
        # A user ARN admits that user only.
        (f"acs:ram::{ACCT}:user/alice", ALICE, True),
        (f"acs:ram::{ACCT}:user/alice", BOB, False),
        (f"acs:ram::{ACCT}:user/alice", PrincipalRef.user(OTHER, "alice"), False),
        (f"acs:ram::{ACCT}:user/alice", ROOT, False),
        # A role ARN admits that role's sessions (role chaining).
        (f"acs:ram::{ACCT}:role/RamOssTest", SESSION, True),
        (f"acs:ram::{ACCT}:role/Other", SESSION, False),
        (f"acs:ram::{ACCT}:role/RamOssTest", ALICE, False),
        (f"acs:ram::{ACCT}:role/RamOssTest", PrincipalRef.user(ACCT, "RamOssTest"), False),
    ],
)
def test_ram_principals(entry: str, caller: PrincipalRef, expected: bool) -> None:
    assert may(trust({"RAM": [entry]}), caller) is expected


def test_service_principals() -> None:
    policy = trust({"Service": ["ecs.aliyuncs.com"]})
    assert may(policy, ECS)
    assert may(policy, PrincipalRef.service("ECS.aliyuncs.com"))
    assert not may(policy, PrincipalRef.service("fc.aliyuncs.com"))
    assert not may(policy, ALICE)
    assert not may(trust({"RAM": [ACCT]}), ECS)


def test_external_id() -> None:
    policy = trust({"RAM": [OTHER]}, Condition={"StringEquals": {"sts:ExternalId": "abcd1234"}})
    assert may(policy, STRANGER, sts__ExternalId="abcd1234")
    assert not may(policy, STRANGER, sts__ExternalId="wrong")
    assert not may(policy, STRANGER)  # no ExternalId given


OIDC_CONDITIONS = {
    "StringEquals": {
        "oidc:aud": "sts.aliyuncs.com",
        "oidc:iss": "https://oidc-ack.example.com",
        "oidc:sub": "system:serviceaccount:depart-1:oss-reader-sa",
    }
}
GOOD_CLAIMS = {
    "oidc:aud": "sts.aliyuncs.com",
    "oidc:iss": "https://oidc-ack.example.com",
    "oidc:sub": "system:serviceaccount:depart-1:oss-reader-sa",
}


def test_oidc_federated_principal_with_claim_conditions() -> None:
    policy = trust({"Federated": [PROVIDER]}, Condition=OIDC_CONDITIONS)
    assert evaluate_trust(policy, OIDC, GOOD_CLAIMS).allowed
    for claim in GOOD_CLAIMS:
        wrong = {**GOOD_CLAIMS, claim: "someone-else"}
        assert not evaluate_trust(policy, OIDC, wrong).allowed, claim
        missing = {k: v for k, v in GOOD_CLAIMS.items() if k != claim}
        assert not evaluate_trust(policy, OIDC, missing).allowed, claim
    other_provider = PrincipalRef.federated(f"acs:ram::{ACCT}:oidc-provider/another")
    assert not evaluate_trust(policy, other_provider, GOOD_CLAIMS).allowed
    assert OIDC.account_id == ACCT


def test_oidc_audience_list_and_subject_pattern() -> None:
    policy = trust(
        {"Federated": [PROVIDER]},
        Condition={
            "StringEquals": {"oidc:aud": ["sts.aliyuncs.com", "other-client"]},
            "StringLike": {"oidc:sub": "system:serviceaccount:depart-1:*"},
        },
    )
    assert evaluate_trust(
        policy, OIDC, {"oidc:aud": "other-client", "oidc:sub": "system:serviceaccount:depart-1:x"}
    ).allowed
    assert not evaluate_trust(
        policy,
        OIDC,
        {"oidc:aud": "sts.aliyuncs.com", "oidc:sub": "system:serviceaccount:depart-2:x"},
    ).allowed


def test_deny_in_a_trust_policy_wins() -> None:
    text = doc(
        stmt(action="sts:AssumeRole", resource=None, Principal={"RAM": [ACCT]}),
        stmt(
            "Deny",
            action="sts:AssumeRole",
            resource=None,
            Principal={"RAM": [ACCT]},
            Condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
        ),
    )
    policy = parse_policy(text, kind=PolicyKind.TRUST)
    assert may(policy, ALICE, acs__SourceIp="10.0.0.1")
    decision = evaluate_trust(policy, ALICE, {"acs:SourceIp": "192.0.2.1"}, role_arn=ROLE)
    assert decision.effect == "ExplicitDeny"
    assert explain(decision).startswith(
        f"Denied: sts:AssumeRole on {ROLE} is explicitly denied by trust policy Statement[1]"
    )


def test_implicit_deny_is_explained() -> None:
    decision = evaluate_trust(trust({"RAM": [ACCT]}), STRANGER, role_arn=ROLE)
    assert decision.effect == "ImplicitDeny" and decision.missing == ("trust",)
    assert explain(decision) == (
        f"Denied: sts:AssumeRole on {ROLE} is implicitly denied because the role's trust policy "
        "does not allow this caller to assume the role."
    )
