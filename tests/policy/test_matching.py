"""Wildcards: `*` is any run (across `/`, also empty), `?` exactly one character."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ossbox.policy.matching import wildcard_match


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "", True),
        ("*", "anything/at/all", True),
        ("acs:oss:*:*:examplebucket/*", "acs:oss:cn-hangzhou:1:examplebucket/a/b/c.txt", True),
        ("acs:oss:*:*:examplebucket/*", "acs:oss:cn-hangzhou:1:examplebucket/", True),
        ("acs:oss:*:*:examplebucket/*", "acs:oss:cn-hangzhou:1:examplebucket", False),
        ("acs:oss:*:*:examplebucket/*", "acs:oss:cn-hangzhou:1:examplebucket2/a", False),
        ("acs:oss:*:*:examplebucket*", "acs:oss:cn-hangzhou:1:examplebucket2/a", True),
        ("a*b", "ab", True),
        ("a*b", "a/x/b", True),
        ("a*b", "a/x/bc", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("a?c", "a/c", True),
        ("??", "ab", True),
        ("??", "a", False),
        ("*?", "", False),
        ("*?", "x", True),
        ("a*a*a", "aa", False),
        ("a*a*a", "aaa", True),
        ("a*?b*c", "a-b-c", True),
        ("a*?b*c", "ab-c", False),
        ("x.y", "xzy", False),  # regex metacharacters are literal
        ("[ab]", "[ab]", True),
        ("exact", "exact", True),
        ("exact", "Exact", False),
        ("pre*", "pre", True),
        ("*suf", "suf", True),
        ("ab*ba", "aba", False),  # prefix and suffix must not overlap
    ],
)
def test_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


def test_resource_matching_is_case_sensitive_and_actions_are_not() -> None:
    assert not wildcard_match("acs:oss:*:*:Bucket/*", "acs:oss:*:*:bucket/k")
    assert wildcard_match("oss:get*", "oss:GetObject", ignore_case=True)
    assert wildcard_match("OSS:GETOBJECT", "oss:GetObject", ignore_case=True)
    assert wildcard_match("oss:Get?bject", "OSS:GETOBJECT", ignore_case=True)


def test_keys_with_newlines_match() -> None:
    assert wildcard_match("b/*", "b/line1\nline2")
    assert wildcard_match("b/?", "b/\n")


def test_adversarial_pattern_stays_fast() -> None:
    pattern = "*a" * 200 + "*b"
    value = "a" * 5000
    started = time.perf_counter()
    assert not wildcard_match(pattern, value)
    assert time.perf_counter() - started < 0.5


def _reference(pattern: str, value: str) -> bool:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(body, value, re.DOTALL) is not None


@given(st.text("ab*?/", max_size=8), st.text("ab/", max_size=10))
def test_agrees_with_a_regex_reference(pattern: str, value: str) -> None:
    assert wildcard_match(pattern, value) is _reference(pattern, value)
