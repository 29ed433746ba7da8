"""What an OSS request asks the policy engine: actions (with version and tagging variants),
resource ARNs, and condition keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ossbox.server.auth import ANONYMOUS, Principal
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.oss.authz_context import (
    Target,
    actions,
    condition_context,
    request_version,
    sets_tags,
)
from ossbox.signing.http import HttpRequest

NOW = datetime(2026, 3, 1, 8, 0, 5, 123000, tzinfo=UTC)


def context(
    target: str = "/bkt/obj",
    headers: list[tuple[str, str]] | None = None,
    *,
    principal: Principal = ANONYMOUS,
    source_ip: str = "192.0.2.10",
    secure: bool = False,
) -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    http = HttpRequest("GET", target, headers or [])
    ctx = RequestContext(
        request_id="0" * 24,
        http=http,
        receive=receive,
        config=ServerConfig(data_dir=Path("unused"), secure=secure),
        store=None,  # type: ignore[arg-type]
        now=NOW,
        host="127.0.0.1:9000",
        principal=principal,
        source_ip=source_ip,
    )
    ctx.query = http.first_query_values()
    return ctx


# --- resources ---------------------------------------------------------------------------------


def test_bucket_object_and_service_arns() -> None:
    assert Target("cn-hangzhou", "123", "bkt").arn == "acs:oss:cn-hangzhou:123:bkt"
    assert Target("cn-hangzhou", "123", "bkt", "a/b c.txt").arn == (
        "acs:oss:cn-hangzhou:123:bkt/a/b c.txt"
    )
    assert Target("cn-hangzhou", "123").arn == "acs:oss:cn-hangzhou:123:*"


def test_object_arn_keeps_the_key_unencoded_even_with_a_version() -> None:
    target = Target("cn-beijing", "9", "bkt", "dir/%41", version_id="v1")
    assert target.arn == "acs:oss:cn-beijing:9:bkt/dir/%41"


# --- actions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "versioned"),
    [
        ("oss:GetObject", "oss:GetObjectVersion"),
        ("oss:DeleteObject", "oss:DeleteObjectVersion"),
        ("oss:GetObjectAcl", "oss:GetObjectVersionAcl"),
        ("oss:PutObjectAcl", "oss:PutObjectVersionAcl"),
        ("oss:GetObjectTagging", "oss:GetObjectVersionTagging"),
        ("oss:PutObjectTagging", "oss:PutObjectVersionTagging"),
        ("oss:DeleteObjectTagging", "oss:DeleteObjectVersionTagging"),
    ],
)
def test_a_version_id_selects_the_version_action(action: str, versioned: str) -> None:
    assert actions(action) == (action,)
    assert actions(action, version_id="CAEQ") == (versioned,)


def test_actions_without_a_version_variant_stay() -> None:
    assert actions("oss:PutObject", version_id="x") == ("oss:PutObject",)
    assert actions("oss:ListObjects", version_id="x") == ("oss:ListObjects",)


def test_writing_tags_with_the_data_needs_put_object_tagging_too() -> None:
    assert actions("oss:PutObject", tagging=True) == ("oss:PutObject", "oss:PutObjectTagging")
    assert actions("oss:GetObject", tagging=True) == ("oss:GetObject",)


def test_request_version_and_tagging_come_from_the_request() -> None:
    assert request_version(context("/bkt/obj?versionId=CAEQ")) == "CAEQ"
    assert request_version(context("/bkt/obj")) is None
    assert request_version(context("/bkt/obj?versionId=")) is None
    assert sets_tags(context(headers=[("x-oss-tagging", "a=1")]))
    assert not sets_tags(context())


# --- condition keys ----------------------------------------------------------------------------


def test_common_keys() -> None:
    keys = condition_context(context(), "GetObject")
    assert keys == {
        "acs:CurrentTime": "2026-03-01T08:00:05Z",
        "acs:SourceIp": "192.0.2.10",
        "acs:SecureTransport": "false",
    }


def test_secure_transport_follows_the_listener() -> None:
    keys = condition_context(context(secure=True), "GetObject")
    assert keys["acs:SecureTransport"] == "true"
    # A client claiming https does not change it.
    plain = context(headers=[("X-Forwarded-Proto", "https")])
    assert condition_context(plain, "GetObject")["acs:SecureTransport"] == "false"


def test_ipv6_source() -> None:
    keys = condition_context(context(source_ip="2001:db8::1"), "GetObject")
    assert keys["acs:SourceIp"] == "2001:db8::1"


def test_user_agent_referer_and_access_id_when_present() -> None:
    user = Principal("user", "123", "LTAIuserkey", "alice", "v1")
    ctx = context(
        headers=[("User-Agent", "aliyun-sdk-python/2.19"), ("Referer", "https://a.example/")],
        principal=user,
    )
    keys = condition_context(ctx, "GetObject")
    assert keys["acs:UserAgent"] == "aliyun-sdk-python/2.19"
    assert keys["acs:Referer"] == "https://a.example/"
    assert keys["acs:AccessId"] == "LTAIuserkey"


def test_anonymous_requests_have_no_access_id() -> None:
    assert "acs:AccessId" not in condition_context(context(), "GetObject")


@pytest.mark.parametrize("operation", ["ListObjects", "ListObjectVersions", "ListMultipartUploads"])
def test_listings_carry_prefix_and_delimiter_empty_by_default(operation: str) -> None:
    keys = condition_context(context("/bkt/"), operation)
    assert keys["oss:Prefix"] == ""
    assert keys["oss:Delimiter"] == ""
    given = condition_context(context("/bkt/?prefix=logs%2F2026&delimiter=%2F"), operation)
    assert given["oss:Prefix"] == "logs/2026"
    assert given["oss:Delimiter"] == "/"


def test_other_operations_have_no_prefix_key() -> None:
    keys = condition_context(context("/bkt/obj?prefix=x"), "GetObject")
    assert "oss:Prefix" not in keys
