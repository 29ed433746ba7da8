"""Every condition operator, with the edge cases of its value type."""

from __future__ import annotations

from typing import Any

import pytest

from ossbox.policy import OPERATORS, PolicyError
from ossbox.policy.conditions import holds, normalize_context
from tests.policy.helpers import ident, stmt


def check(operator: str, key: str, values: Any, context: dict[str, Any]) -> bool:
    """Parse a one-condition policy (so values are validated) and test it against `context`."""
    policy = ident(stmt(Condition={operator: {key: values}}))
    (condition,) = policy.statements[0].conditions
    return holds(condition, normalize_context(context))


def test_the_operator_set_is_rams() -> None:
    assert set(OPERATORS) == {
        *(
            f"String{s}"
            for s in (
                "Equals",
                "NotEquals",
                "EqualsIgnoreCase",
                "NotEqualsIgnoreCase",
                "Like",
                "NotLike",
            )
        ),
        *(
            f"{f}{s}"
            for f in ("Numeric", "Date")
            for s in (
                "Equals",
                "NotEquals",
                "LessThan",
                "LessThanEquals",
                "GreaterThan",
                "GreaterThanEquals",
            )
        ),
        "Bool",
        "IpAddress",
        "NotIpAddress",
    }


UA = "acs:UserAgent"


@pytest.mark.parametrize(
    ("operator", "values", "actual", "expected"),
    [
        ("StringEquals", "curl/8", "curl/8", True),
        ("StringEquals", "curl/8", "Curl/8", False),
        ("StringEquals", ["a", "curl/8"], "curl/8", True),  # values are ORed
        ("StringEquals", "", "", True),
        ("StringEquals", "curl/*", "curl/8", False),  # no wildcards in Equals
        ("StringNotEquals", "curl/8", "curl/8", False),
        ("StringNotEquals", "curl/8", "wget", True),
        ("StringNotEquals", ["a", "b"], "a", False),  # NOT (equals any)
        ("StringEqualsIgnoreCase", "CURL/8", "curl/8", True),
        ("StringEqualsIgnoreCase", "curl", "curl/8", False),
        ("StringNotEqualsIgnoreCase", "CURL/8", "curl/8", False),
        ("StringNotEqualsIgnoreCase", "CURL/8", "wget", True),
        ("StringLike", "curl/*", "curl/8.1", True),
        ("StringLike", "curl/?", "curl/8", True),
        ("StringLike", "curl/?", "curl/81", False),
        ("StringLike", "CURL/*", "curl/8", False),  # case-sensitive
        ("StringNotLike", "curl/*", "curl/8", False),
        ("StringNotLike", "curl/*", "wget/1", True),
    ],
)
def test_string_operators(operator: str, values: Any, actual: str, expected: bool) -> None:
    assert check(operator, UA, values, {UA: actual}) is expected


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("NumericEquals", "10", "10", True),
        ("NumericEquals", "10", "10.0", True),
        ("NumericEquals", "1e1", "10", True),
        ("NumericEquals", "10", "11", False),
        ("NumericNotEquals", "10", "11", True),
        ("NumericNotEquals", "10", "10.00", False),
        ("NumericLessThan", "10", "9.99", True),
        ("NumericLessThan", "10", "10", False),
        ("NumericLessThanEquals", "10", "10", True),
        ("NumericLessThanEquals", "-1", "-2", True),
        ("NumericGreaterThan", "10", "10", False),
        ("NumericGreaterThan", "10", "100", True),  # numeric, not lexicographic
        ("NumericGreaterThanEquals", "0.5", ".5", True),
        ("NumericGreaterThanEquals", "2", "1", False),
        ("NumericEquals", "10", "ten", False),  # an unreadable context value matches nothing
        ("NumericNotEquals", "10", "ten", True),
    ],
)
def test_numeric_operators(operator: str, value: str, actual: str, expected: bool) -> None:
    assert check(operator, "oss:x-oss-max-keys", value, {"oss:x-oss-max-keys": actual}) is expected


def test_json_numbers_are_accepted_as_numeric_values() -> None:
    assert check("NumericLessThan", "oss:x-oss-max-keys", 100, {"oss:x-oss-max-keys": "99"})
    assert check("NumericEquals", "oss:x-oss-max-keys", [1.5, 2], {"oss:x-oss-max-keys": "2.0"})


T = "acs:CurrentTime"


@pytest.mark.parametrize(
    ("operator", "value", "actual", "expected"),
    [
        ("DateEquals", "2012-11-11T23:59:59Z", "2012-11-11T23:59:59Z", True),
        ("DateEquals", "2012-11-11T23:59:59Z", "2012-11-12T07:59:59+08:00", True),  # same instant
        ("DateEquals", "2012-11-11T23:59:59Z", "2012-11-11T23:59:59.000Z", True),
        ("DateEquals", "2012-11-11T23:59:59Z", "2012-11-11T23:59:59", True),  # no zone = UTC
        ("DateEquals", "2012-11-11t23:59:59z", "2012-11-11T23:59:59Z", True),
        ("DateNotEquals", "2012-11-11T23:59:59Z", "2012-11-11T23:59:58Z", True),
        ("DateLessThan", "2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z", True),
        ("DateLessThan", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", False),
        ("DateLessThanEquals", "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", True),
        ("DateGreaterThan", "2030-01-01", "2030-01-01T00:00:01Z", True),  # bare date = midnight UTC
        ("DateGreaterThan", "2030-01-01T08:00:00+08:00", "2030-01-01T00:00:00Z", False),
        ("DateGreaterThanEquals", "2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00.500Z", True),
        ("DateLessThan", "2030-01-01T00:00:00Z", "yesterday", False),
    ],
)
def test_date_operators(operator: str, value: str, actual: str, expected: bool) -> None:
    assert check(operator, T, value, {T: actual}) is expected


S = "acs:SecureTransport"


@pytest.mark.parametrize(
    ("value", "actual", "expected"),
    [
        ("true", "true", True),
        ("true", "false", False),
        ("false", "false", True),
        ("True", "true", True),
        ("true", "TRUE", True),
        (True, "true", True),  # a JSON boolean is read as "true"
        (False, "true", False),
        ("true", "yes", False),
    ],
)
def test_bool(value: Any, actual: str, expected: bool) -> None:
    assert check("Bool", S, value, {S: actual}) is expected


IP = "acs:SourceIp"


@pytest.mark.parametrize(
    ("values", "actual", "expected"),
    [
        ("192.168.0.0/16", "192.168.3.4", True),
        ("192.168.0.0/16", "192.169.0.1", False),
        ("10.0.0.1", "10.0.0.1", True),  # a bare address is a /32
        ("10.0.0.1", "10.0.0.2", False),
        ("10.0.0.7/24", "10.0.0.200", True),  # host bits are ignored
        (["1.1.1.1", "10.0.0.0/8"], "10.9.9.9", True),
        ("0.0.0.0/0", "203.0.113.9", True),
        ("2001:db8::/32", "2001:db8:85a3::8a2e:370:7334", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("2001:DB8::1", "2001:db8:0:0:0:0:0:1", True),
        ("::/0", "10.0.0.1", False),  # families never mix
        ("10.0.0.0/8", "::1", False),
        ("10.0.0.0/8", "::ffff:10.1.2.3", True),  # an IPv4-mapped peer is its IPv4 address
        ("10.0.0.0/8", "not-an-ip", False),
    ],
)
def test_ip_address(values: Any, actual: str, expected: bool) -> None:
    assert check("IpAddress", IP, values, {IP: actual}) is expected
    assert check("NotIpAddress", IP, values, {IP: actual}) is (not expected)


@pytest.mark.parametrize(
    ("operator", "values"),
    [
        ("StringEquals", "x"),
        ("StringEqualsIgnoreCase", "x"),
        ("StringLike", "*"),
        ("NumericEquals", "1"),
        ("NumericLessThan", "1"),
        ("DateLessThan", "2030-01-01T00:00:00Z"),
        ("DateGreaterThan", "2000-01-01T00:00:00Z"),
        ("Bool", "true"),
        ("Bool", "false"),
        ("IpAddress", "0.0.0.0/0"),
    ],
)
def test_positive_operators_are_false_when_the_key_is_absent(operator: str, values: str) -> None:
    assert check(operator, "acs:UserAgent", values, {}) is False


@pytest.mark.parametrize(
    ("operator", "values"),
    [
        ("StringNotEquals", "x"),
        ("StringNotEqualsIgnoreCase", "x"),
        ("StringNotLike", "*"),
        ("NumericNotEquals", "1"),
        ("DateNotEquals", "2030-01-01T00:00:00Z"),
        ("NotIpAddress", "10.0.0.0/8"),
    ],
)
def test_negated_operators_are_true_when_the_key_is_absent(operator: str, values: str) -> None:
    assert check(operator, "acs:UserAgent", values, {}) is True


def test_multi_valued_context_matches_any_value() -> None:
    ctx = {"oss:Prefix": ["logs/", "tmp/"]}
    assert check("StringEquals", "oss:Prefix", "tmp/", ctx)
    assert not check("StringNotEquals", "oss:Prefix", "tmp/", ctx)
    assert not check("StringEquals", "oss:Prefix", "etc/", ctx)


def test_condition_key_names_are_case_insensitive() -> None:
    assert check("IpAddress", "acs:sourceip", "10.0.0.0/8", {"ACS:SOURCEIP": "10.1.1.1"})
    assert check("IpAddress", "ACS:SourceIP", "10.0.0.0/8", {"acs:SourceIp": "10.1.1.1"})


def test_tag_keys_keep_their_case() -> None:
    key = "oss:ExistingObjectTag/Env"
    assert check("StringEquals", key, "prod", {"OSS:existingobjecttag/Env": "prod"})
    assert not check("StringEquals", key, "prod", {"oss:ExistingObjectTag/env": "prod"})


def test_several_keys_and_operators_are_all_required() -> None:
    policy = ident(
        stmt(
            Condition={
                "IpAddress": {"acs:SourceIp": "10.0.0.0/8"},
                "Bool": {"acs:SecureTransport": "true"},
                "StringLike": {"acs:UserAgent": "sdk*", "oss:Prefix": "home/*"},
            }
        )
    )
    conditions = policy.statements[0].conditions
    ok = {
        "acs:SourceIp": "10.0.0.1",
        "acs:SecureTransport": "true",
        "acs:UserAgent": "sdk1",
        "oss:Prefix": "home/a",
    }
    assert all(holds(c, normalize_context(ok)) for c in conditions)
    for key in ok:
        broken = {**ok, key: "zzz"}
        assert not all(holds(c, normalize_context(broken)) for c in conditions), key


@pytest.mark.parametrize(
    ("operator", "value", "hint"),
    [
        ("NumericEquals", "ten", "is not a number"),
        ("NumericEquals", "NaN", "is not a number"),
        ("NumericEquals", "0x10", "is not a number"),
        ("DateLessThan", "tomorrow", "is not an ISO 8601 time"),
        ("DateLessThan", "2030-13-01T00:00:00Z", "is not an ISO 8601 time"),
        ("Bool", "yes", 'is not "true" or "false"'),
        ("IpAddress", "10.0.0.0/33", "is not an IPv4/IPv6 address"),
        ("IpAddress", "10.*.*.1", "is not an IPv4/IPv6 address"),
        ("NotIpAddress", "2001:db8::/129", "is not an IPv4/IPv6 address"),
    ],
)
def test_bad_values_are_rejected_when_written(operator: str, value: str, hint: str) -> None:
    with pytest.raises(PolicyError) as caught:
        ident(
            stmt(
                Condition={
                    operator: {
                        "acs:SourceIp": ["10.0.0.1", value] if operator == "IpAddress" else value
                    }
                }
            )
        )
    assert hint in caught.value.message
    assert f"Statement[0].Condition.{operator}.acs:SourceIp" in caught.value.message
