"""System policies as data, size limits as separate checks, OSS ARN helpers."""

from __future__ import annotations

import json

import pytest

from ossbox.policy import (
    CUSTOM_POLICY_MAX_CHARS,
    SESSION_POLICY_MAX_CHARS,
    SYSTEM_POLICIES,
    TOO_LARGE,
    NamedPolicy,
    PolicyError,
    check_custom_policy_size,
    check_session_policy_size,
    evaluate,
    oss_resource_arn,
    oss_service_arn,
    system_policy,
)
from tests.policy.helpers import ACCT, REGION, SESSION, obj, req

ALL = [
    "AliyunSTSAssumeRoleAccess",
    "AliyunOSSFullAccess",
    "AliyunOSSReadOnlyAccess",
    "AdministratorAccess",
    "AliyunRAMFullAccess",
    "AliyunRAMReadOnlyAccess",
]


def test_every_system_policy_is_valid() -> None:
    assert set(SYSTEM_POLICIES) == set(ALL)
    for name in ALL:
        assert system_policy(name).statements


def test_documented_texts() -> None:
    assert json.loads(SYSTEM_POLICIES["AliyunSTSAssumeRoleAccess"]) == {
        "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Resource": "*"}],
        "Version": "1",
    }
    assert json.loads(SYSTEM_POLICIES["AliyunOSSReadOnlyAccess"]) == {
        "Statement": [{"Action": ["oss:Get*", "oss:List*"], "Effect": "Allow", "Resource": "*"}],
        "Version": "1",
    }


@pytest.mark.parametrize(
    ("name", "action", "expected"),
    [
        ("AliyunOSSReadOnlyAccess", "oss:GetObject", True),
        ("AliyunOSSReadOnlyAccess", "oss:ListObjects", True),
        ("AliyunOSSReadOnlyAccess", "oss:PutObject", False),
        ("AliyunOSSFullAccess", "oss:DeleteBucket", True),
        ("AliyunOSSFullAccess", "ram:CreateUser", False),
        ("AdministratorAccess", "ram:CreateUser", True),
        ("AdministratorAccess", "oss:PutObject", True),
        ("AliyunRAMFullAccess", "ram:AttachPolicyToUser", True),
        ("AliyunRAMFullAccess", "oss:GetObject", False),
        ("AliyunRAMReadOnlyAccess", "ram:ListUsers", True),
        ("AliyunRAMReadOnlyAccess", "ram:GetUser", True),
        ("AliyunRAMReadOnlyAccess", "ram:CreateUser", False),
        ("AliyunSTSAssumeRoleAccess", "sts:AssumeRole", True),
        ("AliyunSTSAssumeRoleAccess", "sts:GetCallerIdentity", False),
    ],
)
def test_system_policy_grants(name: str, action: str, expected: bool) -> None:
    decision = evaluate(
        req(action, obj("k"), SESSION), identity=[NamedPolicy(name, system_policy(name))]
    )
    assert decision.allowed is expected


def test_unknown_system_policy() -> None:
    with pytest.raises(KeyError):
        system_policy("AliyunNoSuchAccess")


def test_custom_policy_size_limit() -> None:
    check_custom_policy_size("x" * CUSTOM_POLICY_MAX_CHARS)
    with pytest.raises(PolicyError) as caught:
        check_custom_policy_size("x" * (CUSTOM_POLICY_MAX_CHARS + 1))
    assert caught.value.code == TOO_LARGE
    assert "6144" in caught.value.message and "6145" in caught.value.message


def test_session_policy_size_limit_counts_characters() -> None:
    check_session_policy_size("é" * SESSION_POLICY_MAX_CHARS)  # 4096 bytes, 2048 characters
    with pytest.raises(PolicyError) as caught:
        check_session_policy_size("x" * 2049)
    assert caught.value.code == TOO_LARGE and "session policy" in caught.value.message


def test_oss_arns() -> None:
    assert oss_resource_arn(REGION, ACCT, "b") == f"acs:oss:{REGION}:{ACCT}:b"
    assert (
        oss_resource_arn(REGION, ACCT, "b", "dir/k*?.txt")
        == f"acs:oss:{REGION}:{ACCT}:b/dir/k*?.txt"
    )
    assert oss_resource_arn(REGION, ACCT, "b", "") == f"acs:oss:{REGION}:{ACCT}:b/"
    assert oss_service_arn(REGION, ACCT) == f"acs:oss:{REGION}:{ACCT}:*"
