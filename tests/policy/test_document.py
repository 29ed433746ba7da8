"""Documents are validated when written: every malformation is a MalformedPolicyDocument
that says what is wrong and where; anything else parses into a frozen Policy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.policy import (
    MALFORMED,
    BucketContext,
    PolicyError,
    PolicyKind,
    TrustPrincipals,
    parse_policy,
)
from tests.policy.helpers import ACCT, BUCKET, doc, ident, stmt

SEED = (
    '{"Version": "1", "Statement": [{"Action": ["oss:PutObject","oss:GetObject"], '
    '"Effect": "Allow", "Resource": ["acs:oss:*:*:examplebucket/*"]}]}'
)


def rejected(text: str, kind: PolicyKind = PolicyKind.IDENTITY, **kw: Any) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, kind=kind, **kw)
    assert caught.value.code == MALFORMED
    assert caught.value.message.startswith("The policy document is malformed: ")
    return caught.value


def test_the_seed_policy_parses() -> None:
    policy = parse_policy(SEED, kind=PolicyKind.IDENTITY)
    (statement,) = policy.statements
    assert statement.effect == "Allow"
    assert statement.actions == ("oss:PutObject", "oss:GetObject")
    assert statement.resources == ("acs:oss:*:*:examplebucket/*",)
    assert policy == parse_policy(SEED, kind=PolicyKind.IDENTITY)  # value semantics


def test_system_policy_arns_name_the_system_account() -> None:
    ok = doc(stmt(action="ram:AttachPolicyToUser", resource="acs:ram:*:system:policy/Aliyun*"))
    assert parse_policy(ok, kind=PolicyKind.IDENTITY)
    other = doc(stmt(resource="acs:oss:*:system:bucket"))
    with pytest.raises(PolicyError, match="invalid account id"):
        parse_policy(other, kind=PolicyKind.IDENTITY)


def test_single_strings_and_single_statement_objects_are_accepted() -> None:
    text = json.dumps(
        {"Version": "1", "Statement": {"Effect": "Deny", "Action": "oss:*", "Resource": "*"}}
    )
    (statement,) = parse_policy(text, kind=PolicyKind.IDENTITY).statements
    assert statement.actions == ("oss:*",) and statement.resources == ("*",)


def test_not_action_and_not_resource_and_sid() -> None:
    policy = ident(
        stmt("Deny", None, None, NotAction="oss:Get*", NotResource=["acs:oss:*:*:b/*"], Sid="x")
    )
    (statement,) = policy.statements
    assert statement.not_actions == ("oss:Get*",)
    assert statement.not_resources == ("acs:oss:*:*:b/*",)
    assert statement.sid == "x"


def test_unknown_action_names_of_any_service_are_accepted() -> None:
    ident(stmt(action=["oss:NoSuchActionYet", "ecs:Describe*", "*"]))


def test_other_services_condition_keys_are_accepted() -> None:
    ident(stmt(Condition={"StringEquals": {"ecs:tag/env": "prod", "kms:KeyId": "k"}}))


def test_known_keys_of_each_namespace() -> None:
    keys = [
        "acs:CurrentTime",
        "acs:SecureTransport",
        "acs:SourceIp",
        "acs:MFAPresent",
        "acs:UserAgent",
        "acs:AccessId",
        "acs:SourceVpc",
        "acs:Referer",
        "oss:Prefix",
        "oss:Delimiter",
        "oss:BucketTag/team",
        "oss:ExistingObjectTag/a b",
        "oss:RequestObjectTag/x",
        "oss:x-oss-object-acl",
        "sts:ExternalId",
        "oidc:iss",
        "oidc:aud",
        "oidc:sub",
        "saml:recipient",
    ]
    ident(stmt(Condition={"StringLike": dict.fromkeys(keys, "*")}))


# (document text, expected location and detail fragments)
MALFORMED_CASES: list[tuple[str, str, list[str]]] = [
    ("", "invalid JSON", ["line 1 column 1"]),
    ("{", "invalid JSON", ["line 1 column 2"]),
    ('{"Version":"1",}', "invalid JSON", []),
    ("[]", "(document)", ["must be a JSON object"]),
    ('"policy"', "(document)", ["must be a JSON object"]),
    ('{"Version":"1","Statement":[],"Version":"1"}', "(document)", ['duplicate field "Version"']),
    ('{"Version":"1","Statement":[{"Effect":NaN}]}', "(document)", ["NaN"]),
    ('{"Statement":[]}', "Version", ["is required"]),
    ('{"Version":"2","Statement":[]}', "Version", ['must be the string "1"']),
    ('{"Version":1,"Statement":[]}', "Version", ["not a number"]),
    ('{"Version":"1"}', "Statement", ["is required"]),
    ('{"Version":"1","Statement":[]}', "Statement", ["non-empty array"]),
    ('{"Version":"1","Statement":"x"}', "Statement", ["non-empty array"]),
    ('{"version":"1","Statement":[]}', "(document)", ['did you mean "Version"']),
    ('{"Version":"1","Statement":[],"Id":"x"}', "(document)", ['unknown field "Id"']),
    ('{"Version":"1","Statement":[1]}', "Statement[0]", ["must be an object"]),
    (doc(stmt(), {"Action": "oss:*", "Resource": "*"}), "Statement[1].Effect", ["is required"]),
    (doc(stmt("allow")), "Statement[0].Effect", ['must be "Allow" or "Deny"', '"allow"']),
    (doc(stmt(True)), "Statement[0].Effect", ["a boolean"]),
    (doc(stmt(action=None)), "Statement[0].Action", ["is required (or NotAction)"]),
    (doc(stmt(NotAction="oss:*")), "Statement[0]", ["Action and NotAction cannot both be set"]),
    (doc(stmt(action=[])), "Statement[0].Action", ["must not be empty"]),
    (doc(stmt(action=5)), "Statement[0].Action", ["a string or an array of strings"]),
    (doc(stmt(action=["oss:GetObject", 5])), "Statement[0].Action[1]", ["must be a string"]),
    (doc(stmt(action=["oss:GetObject", ""])), "Statement[0].Action[1]", ["empty string"]),
    (doc(stmt(action="GetObject")), "Statement[0].Action[0]", ["<service>:<action>"]),
    (doc(stmt(action="oss:Get Object")), "Statement[0].Action[0]", ["<service>:<action>"]),
    (doc(stmt(resource=None)), "Statement[0].Resource", ["is required (or NotResource)"]),
    (doc(stmt(NotResource="*")), "Statement[0]", ["Resource and NotResource cannot both be set"]),
    (doc(stmt(resource="examplebucket/*")), "Statement[0].Resource[0]", ["acs:<service>:<region>"]),
    (doc(stmt(resource="arn:oss:*:*:b")), "Statement[0].Resource[0]", ["acs:<service>:<region>"]),
    (doc(stmt(resource="acs:oss:*:*")), "Statement[0].Resource[0]", ["acs:<service>:<region>"]),
    (doc(stmt(resource="acs::*:*:b")), "Statement[0].Resource[0]", ["invalid service"]),
    (doc(stmt(resource="acs:oss:cn hangzhou:*:b")), "Statement[0].Resource[0]", ["invalid region"]),
    (
        doc(stmt(resource=["*", "acs:oss:*:174649585760xxxx:b"])),
        "Statement[0].Resource[1]",
        ["invalid account id"],
    ),
    (doc(stmt(resource="acs:oss:*:*:")), "Statement[0].Resource[0]", ["empty resource part"]),
    (doc(stmt(Sid=3)), "Statement[0].Sid", ["must be a string"]),
    (doc(stmt(Actions="oss:*")), "Statement[0]", ['unknown field "Actions"']),
    (doc(stmt(condition={})), "Statement[0]", ['did you mean "Condition"']),
    (
        doc(stmt(Principal={"RAM": ["1"]})),
        "Statement[0].Principal",
        ["not allowed in a RAM policy"],
    ),
    (doc(stmt(Condition=[])), "Statement[0].Condition", ["must be an object"]),
    (
        doc(stmt(Condition={"StringEqualz": {"acs:UserAgent": "x"}})),
        "Statement[0].Condition",
        ['unknown condition operator "StringEqualz"'],
    ),
    (
        doc(stmt(Condition={"stringequals": {"acs:UserAgent": "x"}})),
        "Statement[0].Condition",
        ['did you mean "StringEquals"'],
    ),
    (
        doc(stmt(Condition={"StringEqualsIfExists": {"acs:UserAgent": "x"}})),
        "Statement[0].Condition",
        ["unknown condition operator"],
    ),
    (
        doc(stmt(Condition={"Null": {"acs:UserAgent": "true"}})),
        "Statement[0].Condition",
        ["unknown condition operator"],
    ),
    (
        doc(stmt(Condition={"ForAnyValue:StringEquals": {"acs:UserAgent": "x"}})),
        "Statement[0].Condition",
        ["unknown condition operator"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {}})),
        "Statement[0].Condition.StringEquals",
        ["non-empty object"],
    ),
    (
        doc(stmt(Condition={"StringEquals": "x"})),
        "Statement[0].Condition.StringEquals",
        ["non-empty object"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"SourceIp": "x"}})),
        "Statement[0].Condition.StringEquals",
        ["<service>:<name>"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:SoureIp": "x"}})),
        "Statement[0].Condition.StringEquals",
        ['unknown condition key "acs:SoureIp"'],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"oss:Prefixes": "x"}})),
        "Statement[0].Condition.StringEquals",
        ["unknown condition key"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"oss:BucketTag": "x"}})),
        "Statement[0].Condition.StringEquals",
        ["needs a tag key"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:SourceIp/x": "x"}})),
        "Statement[0].Condition.StringEquals",
        ["unknown condition key"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:UserAgent": []}})),
        "Statement[0].Condition.StringEquals.acs:UserAgent",
        ["must not be empty"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:UserAgent": None}})),
        "Statement[0].Condition.StringEquals.acs:UserAgent",
        ["null"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:UserAgent": ["a", {"b": 1}]}})),
        "Statement[0].Condition.StringEquals.acs:UserAgent[1]",
        ["an object"],
    ),
    (
        doc(stmt(Condition={"StringEquals": {"acs:UserAgent": [["a"]]}})),
        "Statement[0].Condition.StringEquals.acs:UserAgent[0]",
        ["an array"],
    ),
    (
        doc(stmt(Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "x"]}})),
        "Statement[0].Condition.IpAddress.acs:SourceIp[1]",
        ['"x" is not an IPv4/IPv6'],
    ),
]


@pytest.mark.parametrize(("text", "location", "details"), MALFORMED_CASES)
def test_malformed_documents_say_what_and_where(
    text: str, location: str, details: list[str]
) -> None:
    error = rejected(text)
    assert location in error.message
    for detail in details:
        assert detail in error.message
    if location.startswith(("Statement", "Version")):
        assert error.location is not None and error.location.startswith(location)


def test_non_text_input_is_a_policy_error() -> None:
    rejected(b'{"Version":"1"}')  # type: ignore[arg-type]


def test_deep_nesting_is_a_policy_error() -> None:
    rejected("[" * 100_000 + "]" * 100_000)


def test_huge_integers_are_a_policy_error_not_a_crash() -> None:
    rejected('{"Version":' + "9" * 5000 + "}")
    policy = ident(stmt(Condition={"NumericLessThan": {"oss:x-oss-max-keys": 10**50}}))
    assert policy.statements[0].conditions[0].values == (str(10**50),)


# --- bucket policies -------------------------------------------------------------------------

CTX = BucketContext(BUCKET, ACCT)


def bucket(*statements: dict[str, Any], ctx: BucketContext | None = CTX) -> Any:
    return parse_policy(doc(*statements), kind=PolicyKind.RESOURCE, bucket=ctx)


def test_bucket_policy_principals() -> None:
    policy = bucket(
        stmt(Principal=["2001", "*"], resource=f"acs:oss:*:{ACCT}:{BUCKET}/*"),
        stmt(Principal=[], resource=f"acs:oss:*:*:{BUCKET}"),
        stmt(
            Principal="*",
            resource=[f"acs:oss:*:{ACCT}:{BUCKET}", f"acs:oss:*:{ACCT}:{BUCKET}/logs/*"],
        ),
        stmt(
            Principal=[
                f"acs:ram::{ACCT}:root",
                f"acs:ram::{ACCT}:user/alice",
                f"acs:ram::{ACCT}:role/reader",
                f"arn:sts::{ACCT}:assumed-role/reader/*",
                f"acs:ram::{ACCT}:assumed-role/reader/s1",
            ],
            resource=f"acs:oss:*:{ACCT}:{BUCKET}/*",
        ),
    )
    assert policy.statements[0].principals == ("2001", "*")
    assert policy.statements[1].principals == ("*",)  # [] is the same as ["*"]


@pytest.mark.parametrize(
    ("statement", "location", "detail"),
    [
        (stmt(resource=f"acs:oss:*:*:{BUCKET}/*"), "Statement[0].Principal", "is required"),
        (
            stmt(Principal={"RAM": ["1"]}, resource=f"acs:oss:*:*:{BUCKET}/*"),
            "Statement[0].Principal",
            "array of UIDs",
        ),
        (
            stmt(Principal=["alice"], resource=f"acs:oss:*:*:{BUCKET}/*"),
            "Statement[0].Principal[0]",
            '"alice" is not',
        ),
        (
            stmt(Principal=["1", 2], resource=f"acs:oss:*:*:{BUCKET}/*"),
            "Statement[0].Principal[1]",
            "must be a string",
        ),
        (stmt(Principal="*", resource="*"), "Statement[0].Resource[0]", "must name this bucket"),
        (
            stmt(Principal="*", resource="acs:oss:*:*:otherbucket/*"),
            "Statement[0].Resource[0]",
            'names bucket "otherbucket"',
        ),
        (
            stmt(Principal="*", resource=f"acs:oss:*:*:{BUCKET}x/*"),
            "Statement[0].Resource[0]",
            "names bucket",
        ),
        (
            stmt(Principal="*", resource=f"acs:oss:*:{'1' * 16}:{BUCKET}/*"),
            "Statement[0].Resource[0]",
            "not the bucket owner",
        ),
        (
            stmt(Principal="*", resource=f"acs:ecs:*:*:{BUCKET}"),
            "Statement[0].Resource[0]",
            "must name this bucket",
        ),
        (
            stmt(Principal="*", action="ram:*", resource=f"acs:oss:*:*:{BUCKET}"),
            "Statement[0].Action[0]",
            "not an oss: action",
        ),
    ],
)
def test_bucket_policy_errors(statement: dict[str, Any], location: str, detail: str) -> None:
    error = rejected(doc(statement), PolicyKind.RESOURCE, bucket=CTX)
    assert location in error.message and detail in error.message


def test_without_a_bucket_context_any_arn_is_accepted() -> None:
    bucket(stmt(Principal="*", resource="acs:oss:*:*:other/*"), ctx=None)


# --- trust policies --------------------------------------------------------------------------


def trust(principal: Any, **extra: Any) -> Any:
    return parse_policy(
        doc(stmt(action="sts:AssumeRole", resource=None, Principal=principal, **extra)),
        kind=PolicyKind.TRUST,
    )


def test_trust_policy_principal_forms() -> None:
    policy = trust(
        {
            "RAM": [
                f"acs:ram::{ACCT}:root",
                ACCT,
                f"acs:ram::{ACCT}:user/alice",
                f"acs:ram::{ACCT}:role/ops",
            ],
            "Service": ["ecs.aliyuncs.com", f"{ACCT}@fc.aliyuncs.com"],
            "Federated": [
                f"acs:ram::{ACCT}:oidc-provider/ack-rrsa",
                f"acs:ram::{ACCT}:saml-provider/idp",
            ],
        },
        Condition={"StringEquals": {"oidc:aud": "sts.aliyuncs.com", "sts:ExternalId": "abc"}},
    )
    principals = policy.statements[0].trust_principals
    assert isinstance(principals, TrustPrincipals)
    assert principals.service == ("ecs.aliyuncs.com", f"{ACCT}@fc.aliyuncs.com")
    assert trust({"RAM": "acs:ram::1:root"}).statements[0].trust_principals.ram == (
        "acs:ram::1:root",
    )  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "location", "detail"),
    [
        (
            doc(stmt(action="sts:AssumeRole", resource=None)),
            "Statement[0].Principal",
            "is required",
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal=["1"])),
            "Statement[0].Principal",
            '{"RAM": [...]}',
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={})),
            "Statement[0].Principal",
            '{"RAM": [...]}',
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={"AWS": "1"})),
            "Statement[0].Principal",
            'unknown field "AWS"',
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={"ram": ["1"]})),
            "Statement[0].Principal",
            'did you mean "RAM"',
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={"RAM": []})),
            "Statement[0].Principal.RAM",
            "must not be empty",
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={"RAM": ["*"]})),
            "Statement[0].Principal.RAM[0]",
            "no wildcards",
        ),
        (
            doc(
                stmt(
                    action="sts:AssumeRole", resource=None, Principal={"RAM": ["acs:ram::1:user/*"]}
                )
            ),
            "Statement[0].Principal.RAM[0]",
            "no wildcards",
        ),
        (
            doc(
                stmt(
                    action="sts:AssumeRole",
                    resource=None,
                    Principal={"RAM": ["acs:ram::1:group/g"]},
                )
            ),
            "Statement[0].Principal.RAM[0]",
            "is not an account id",
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource=None, Principal={"Service": ["ecs"]})),
            "Statement[0].Principal.Service[0]",
            "service principal",
        ),
        (
            doc(
                stmt(
                    action="sts:AssumeRole",
                    resource=None,
                    Principal={"Federated": ["acs:ram::1:user/x"]},
                )
            ),
            "Statement[0].Principal.Federated[0]",
            "oidc-provider",
        ),
        (
            doc(stmt(action="oss:GetObject", resource=None, Principal={"RAM": ["1"]})),
            "Statement[0].Action[0]",
            "must be sts:AssumeRole",
        ),
        (
            doc(stmt(action=None, resource=None, NotAction="oss:*", Principal={"RAM": ["1"]})),
            "Statement[0].NotAction",
            "not allowed in a trust policy",
        ),
        (
            doc(stmt(action="sts:AssumeRole", resource="*", Principal={"RAM": ["1"]})),
            "Statement[0]",
            "names no Resource",
        ),
    ],
)
def test_trust_policy_errors(text: str, location: str, detail: str) -> None:
    error = rejected(text, PolicyKind.TRUST)
    assert location in error.message and detail in error.message


def test_trust_policy_action_wildcards_covering_assume_role_are_accepted() -> None:
    for action in ("sts:*", "*", "STS:assumerole"):
        parse_policy(
            doc(stmt(action=action, resource=None, Principal={"RAM": ["1"]})), kind=PolicyKind.TRUST
        )


# --- fuzzing: nothing but PolicyError, ever --------------------------------------------------

_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = [
    "Version",
    "Statement",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
    "Sid",
    "RAM",
    "Service",
    "Federated",
    "StringEquals",
    "IpAddress",
    "NumericLessThan",
    "DateLessThan",
    "Bool",
    "acs:SourceIp",
    "oss:Prefix",
]
_WORDS = [
    "1",
    "Allow",
    "Deny",
    "*",
    "oss:GetObject",
    "sts:AssumeRole",
    "acs:oss:*:*:b/*",
    "acs:ram::1:root",
    "10.0.0.0/8",
    "2030-01-01T00:00:00Z",
    "true",
    "ecs.aliyuncs.com",
    "examplebucket",
    "",
]
_shaped_scalars = st.sampled_from(_WORDS) | _scalars
_shaped = st.recursive(
    _shaped_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(_FIELDS) | st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=30,
)
_documents = st.fixed_dictionaries(
    {
        "Version": st.sampled_from(["1", 1, "2"]),
        "Statement": st.lists(_shaped, max_size=3) | _shaped,
    }
)


def _parse_any(text: str) -> None:
    for kind in PolicyKind:
        for ctx in (None, CTX):
            try:
                parse_policy(text, kind=kind, bucket=ctx)
            except PolicyError as error:
                assert error.code == MALFORMED and error.message


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(_json | _documents)
def test_fuzz_json_values_only_raise_policy_error(value: Any) -> None:
    _parse_any(json.dumps(value))


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_fuzz_raw_text_only_raises_policy_error(text: str) -> None:
    _parse_any(text)
