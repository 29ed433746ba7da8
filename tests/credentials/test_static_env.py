"""Static AK/STS, bearer, environment and Function Compute providers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ossbox.credentials.clock import FakeClock
from ossbox.credentials.errors import CredentialsExpiringError, CredentialsUnavailable, ProfileError
from ossbox.credentials.providers.env import EnvironmentProvider, describe_env
from ossbox.credentials.providers.fc import FunctionComputeProvider
from ossbox.credentials.providers.static import (
    BearerTokenProvider,
    StaticAKProvider,
    StaticSTSProvider,
)


def test_static_ak_and_sts() -> None:
    ak = StaticAKProvider("LTAIkey1234", "s3cr3t-value")
    got = ak.get_credentials()
    assert (got.access_key_id, got.security_token, got.provider) == (
        "LTAIkey1234",
        None,
        "static_ak",
    )
    assert asyncio.run(ak.get_credentials_async()) is got
    assert "s3cr3t-value" not in repr(ak)
    sts = StaticSTSProvider("STS.a", "s", "tok").get_credentials()
    assert sts.security_token == "tok" and sts.provider == "static_sts"
    with pytest.raises(ValueError):
        StaticAKProvider("", "secret")


def test_static_sts_refuses_a_min_ttl_it_cannot_meet() -> None:
    clock = FakeClock(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    expiring = datetime(2030, 1, 1, 0, 10, tzinfo=UTC)
    p = StaticSTSProvider("STS.a", "s", "tok", expiration=expiring, clock=clock)
    assert p.get_credentials(min_ttl=300).expiration == expiring
    with pytest.raises(CredentialsExpiringError, match="cannot refresh"):
        p.get_credentials(min_ttl=3600)


def test_bearer_token() -> None:
    got = BearerTokenProvider("bearer-xyz").get_credentials()
    assert (
        got.bearer_token == "bearer-xyz"
        and got.access_key_id == ""
        and "bearer-xyz" not in repr(got)
    )


def test_environment_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "OSS_ACCESS_KEY_ID"):
        monkeypatch.delenv(var, raising=False)
    p = EnvironmentProvider()  # constructed before the variables exist
    with pytest.raises(CredentialsUnavailable):
        p.get_credentials()
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", "LTAIoss")
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "oss-secret")
    monkeypatch.setenv("OSS_SESSION_TOKEN", "oss-token")
    got = p.get_credentials()
    assert (got.access_key_id, got.security_token) == ("LTAIoss", "oss-token")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIali")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ali-secret")
    got = asyncio.run(p.get_credentials_async())
    assert (got.access_key_id, got.security_token, got.provider) == ("LTAIali", None, "env")


def test_a_key_id_without_secret_is_a_configuration_error() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIx"}
    with pytest.raises(ProfileError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"):
        EnvironmentProvider(env).get_credentials()
    assert "MISSING" in describe_env(env)


def test_describe_env_never_shows_secrets() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIabcdef1234",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "topsecret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "tok",
    }
    text = describe_env(env)
    assert "…1234" in text and "topsecret" not in text and "tok" not in text.replace("token", "")


def test_function_compute_context_and_env_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    context = SimpleNamespace(
        credentials=SimpleNamespace(
            access_key_id="STS.fc", access_key_secret="fc-secret", security_token="fc-token"
        )
    )
    got = FunctionComputeProvider(context).get_credentials()
    assert (got.access_key_id, got.security_token, got.provider) == (
        "STS.fc",
        "fc-token",
        "fc_context",
    )
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.fc3")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "fc3-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "fc3-token")
    got = asyncio.run(FunctionComputeProvider.from_env().get_credentials_async())
    assert (got.access_key_id, got.provider) == ("STS.fc3", "fc_context")
    with pytest.raises(CredentialsUnavailable):
        FunctionComputeProvider(SimpleNamespace(credentials=None)).get_credentials()
