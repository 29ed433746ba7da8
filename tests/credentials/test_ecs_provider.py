"""EcsRamRoleProvider against a fake metadata service: IMDSv2, strict mode, v1 fallback,
role discovery, token caching, retries within a budget, the chain's probe."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from ossbox.credentials.clock import FakeClock
from ossbox.credentials.errors import CredentialsFetchError, CredentialsUnavailable
from ossbox.credentials.http import RetryPolicy
from ossbox.credentials.providers.base import RefreshPolicy
from ossbox.credentials.providers.ecs import EcsRamRoleProvider, probe_policy
from tests.credentials.fakes import FakeImds, serving

FAST = RetryPolicy(attempts=3, backoff=0.01, budget=5.0)
TOKEN = "/latest/api/token"
BASE = "/latest/meta-data/ram/security-credentials/"


def test_imdsv2_flow_discovers_the_role_once_and_caches_the_token() -> None:
    imds = FakeImds(require_token=True)
    clock = FakeClock(time.time())
    with serving(imds) as server:
        p = EcsRamRoleProvider(endpoint=server.url, retries=FAST, clock=clock)
        first = p.get_credentials()
        assert first.access_key_id == "STS.NUCe0001" and first.provider == "ecs_ram_role"
        assert p.role_name == "EcsRole"
        assert [(s.method, s.path) for s in server.seen] == [
            ("PUT", TOKEN),
            ("GET", BASE),
            ("GET", BASE + "EcsRole"),
        ]
        assert server.seen[0].headers["x-aliyun-ecs-metadata-token-ttl-seconds"] == "21600"
        assert server.seen[2].headers["x-aliyun-ecs-metadata-token"] == "imds-token-0"
        p.invalidate()
        p.get_credentials()
        assert [s.path for s in server.seen[3:]] == [BASE + "EcsRole"]  # token and role cached
        clock.advance(21600 - 30)  # within 60 s of the token's TTL: a new token
        p.invalidate()
        p.get_credentials()
        assert [s.path for s in server.seen[4:]] == [TOKEN, BASE + "EcsRole"]


def test_strict_mode_forbids_the_v1_fallback() -> None:
    with serving(FakeImds(v2=False)) as server:
        p = EcsRamRoleProvider("EcsRole", endpoint=server.url, strict_imdsv2=True, retries=FAST)
        with pytest.raises(CredentialsFetchError, match="strict mode forbids IMDSv1"):
            p.get_credentials()
        assert all(s.method == "PUT" for s in server.seen)


def test_v1_fallback_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with serving(FakeImds(v2=False)) as server:
        p = EcsRamRoleProvider("EcsRole", endpoint=server.url, retries=FAST)
        with caplog.at_level(logging.WARNING):
            p.get_credentials()
            p.invalidate()
            p.get_credentials()
        assert caplog.text.count("falling back to IMDSv1") == 1
        gets = [s for s in server.seen if s.method == "GET"]
        assert len(gets) == 2 and all("x-aliyun-ecs-metadata-token" not in s.headers for s in gets)


def test_server_errors_are_retried_with_backoff() -> None:
    with serving(FakeImds(fail_next=2)) as server:
        p = EcsRamRoleProvider("EcsRole", endpoint=server.url, retries=FAST)
        assert p.get_credentials().access_key_id == "STS.NUCe0001"
        assert len(server.calls(TOKEN)) == 3  # two 500s, then the token


def test_retries_stop_within_the_budget() -> None:
    slow = RetryPolicy(attempts=50, backoff=0.05, budget=0.5)
    with serving(FakeImds(fail_next=10_000)) as server:
        p = EcsRamRoleProvider("EcsRole", endpoint=server.url, retries=slow, strict_imdsv2=True)
        started = time.monotonic()
        with pytest.raises(CredentialsFetchError):
            p.get_credentials()
        assert time.monotonic() - started < 1.5
        assert 2 <= len(server.seen) < 50


def test_unknown_role_and_refused_credentials() -> None:
    with serving(FakeImds()) as server:
        p = EcsRamRoleProvider("Other", endpoint=server.url, retries=FAST)
        with pytest.raises(CredentialsFetchError, match="role not found") as info:
            p.get_credentials()
        assert info.value.status == 404


def test_an_expired_token_is_replaced() -> None:
    imds = FakeImds()
    with serving(imds) as server:
        p = EcsRamRoleProvider("EcsRole", endpoint=server.url, retries=FAST)
        p.get_credentials()
        imds.issued_tokens.clear()  # the service forgot it: 401
        p.invalidate()
        with pytest.raises(CredentialsFetchError):
            p.get_credentials()
        p.invalidate()
        assert p.get_credentials().access_key_id == "STS.NUCe0002"


def test_async_path() -> None:
    with serving(FakeImds()) as server:
        p = EcsRamRoleProvider(endpoint=server.url, retries=FAST)
        assert asyncio.run(p.get_credentials_async()).access_key_id == "STS.NUCe0001"


def test_a_missing_metadata_service_is_unavailable_for_the_chain_probe() -> None:
    p = EcsRamRoleProvider(
        endpoint="127.0.0.1:9", retries=probe_policy(0.5), unreachable_is_unavailable=True
    )
    with pytest.raises(CredentialsUnavailable, match="no metadata service"):
        p.get_credentials()
    explicit = EcsRamRoleProvider("r", endpoint="127.0.0.1:9", retries=probe_policy(0.5))
    with pytest.raises(CredentialsFetchError, match="no answer"):
        explicit.get_credentials()


def test_refresh_happens_before_expiry() -> None:
    clock = FakeClock(time.time())
    with serving(FakeImds(lifetime=3600)) as server:
        p = EcsRamRoleProvider(
            "EcsRole", endpoint=server.url, retries=FAST, clock=clock, refresh=RefreshPolicy()
        )
        p.get_credentials()
        clock.advance(3600 - 60)
        assert p.get_credentials().access_key_id == "STS.NUCe0002"
