"""Adapters for oss2, alibabacloud-oss-v2 and tea, and the presign lifetime helper (offline)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import oss2
import pytest

from ossbox.credentials import (
    BearerTokenProvider,
    CredentialsError,
    CredentialsExpiringError,
    StaticAKProvider,
    StaticSTSProvider,
)
from ossbox.credentials.adapters import oss2_provider, ossv2_provider, tea_credential_client
from ossbox.credentials.presign import url_lifetime

SOON = datetime.now(UTC) + timedelta(minutes=20)


def sts() -> StaticSTSProvider:
    return StaticSTSProvider("STS.adapter", "adapter-secret", "adapter-token", expiration=SOON)


def test_oss2_signs_with_the_snapshot() -> None:
    bucket = oss2.Bucket(
        oss2.ProviderAuthV4(oss2_provider(sts())), "http://127.0.0.1:1", "bkt", region="cn-hangzhou"
    )
    url = bucket.sign_url("GET", "k", 60)
    assert "x-oss-security-token=adapter-token" in url and "STS.adapter" in url
    assert "adapter-secret" not in url


def test_oss_v2_gets_the_expiration_too() -> None:
    adapter = ossv2_provider(sts())
    got = adapter.get_credentials()
    assert type(got).__module__ == "alibabacloud_oss_v2.types"
    assert (got.access_key_id, got.security_token, got.expiration) == (
        "STS.adapter",
        "adapter-token",
        SOON,
    )
    assert adapter.get_credentials() is got  # converted once per snapshot


def test_oss_adapters_refuse_bearer_tokens() -> None:
    for adapter in (
        oss2_provider(BearerTokenProvider("b")),
        ossv2_provider(BearerTokenProvider("b")),
    ):
        with pytest.raises(CredentialsError, match="bearer token"):
            adapter.get_credentials()


def test_tea_client_interface() -> None:
    model = tea_credential_client(sts()).get_credential()
    assert (model.type, model.access_key_id, model.security_token, model.provider_name) == (
        "sts",
        "STS.adapter",
        "adapter-token",
        "static_sts",
    )
    assert "adapter-secret" not in repr(model) and "adapter-token" not in repr(model)
    ak = tea_credential_client(StaticAKProvider("LTAIak", "s"))
    assert ak.get_type() == "access_key" and ak.get_security_token() is None
    assert asyncio.run(ak.get_access_key_id_async()) == "LTAIak"
    bearer = asyncio.run(tea_credential_client(BearerTokenProvider("tok")).get_credential_async())
    assert (bearer.type, bearer.bearer_token) == ("bearer", "tok")


def test_url_lifetime_refresh_and_cap() -> None:
    provider = sts()  # 20 minutes left, cannot refresh
    assert url_lifetime(provider, 600) == 600
    assert url_lifetime(provider, timedelta(minutes=5)) == 300
    with pytest.raises(CredentialsExpiringError):
        url_lifetime(provider, 3600)
    capped = url_lifetime(provider, 3600, mode="cap")
    assert 1100 < capped < 1200
    assert url_lifetime(StaticAKProvider("LTAIak", "s"), 7 * 86400) == 7 * 86400
