"""RamRoleArnProvider against a fake STS that checks the POP signature."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.http import HttpOptions
from ossbox.credentials.providers.sts import RamRoleArnProvider, sts_base_url
from tests.credentials.fakes import FakeServer, FakeSts, local_ca, serving

ROLE = "acs:ram::1234567890123456:role/oss-writer"
AK, SK = "LTAIsourceKey0001", "source-secret-value"


@pytest.fixture
def sts() -> Iterator[tuple[FakeServer, FakeSts]]:
    fake = FakeSts(secrets={AK: SK})
    with serving(fake) as server:
        yield server, fake


def provider(server: FakeServer, **kw: object) -> RamRoleArnProvider:
    kw.setdefault("access_key_id", AK)
    kw.setdefault("access_key_secret", SK)
    return RamRoleArnProvider(ROLE, sts_endpoint=server.url, **kw)  # type: ignore[arg-type]


def test_assume_role_sends_the_official_wire_call(sts: tuple[FakeServer, FakeSts]) -> None:
    server, _ = sts
    policy = (
        '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}'
    )
    p = provider(
        server, policy=policy, external_id="ext-1", duration_seconds=1200, role_session_name="alice"
    )
    got = p.get_credentials()
    assert got.access_key_id == "STS.NUCe0001" and got.security_token == "CAIS+token/1=="
    assert got.expiration is not None and got.provider == "ram_role_arn"
    assert got.account_id == "1234567890123456"
    (call,) = server.seen
    assert call.method == "GET" and call.path == "/"
    q = call.query
    assert (q["Action"], q["Format"], q["Version"]) == ("AssumeRole", "JSON", "2015-04-01")
    assert (q["RoleArn"], q["RoleSessionName"], q["DurationSeconds"]) == (ROLE, "alice", "1200")
    assert (q["Policy"], q["ExternalId"], q["AccessKeyId"]) == (policy, "ext-1", AK)
    assert q["SignatureMethod"] == "HMAC-SHA1" and "SecurityToken" not in q
    assert p.get_credentials() is got and len(server.seen) == 1  # cached


def test_default_session_name_and_async_path(sts: tuple[FakeServer, FakeSts]) -> None:
    server, _ = sts
    got = asyncio.run(provider(server).get_credentials_async())
    assert got.access_key_id == "STS.NUCe0001"
    assert server.seen[0].query["RoleSessionName"].startswith("ossbox-")


def test_chained_from_another_provider_passes_its_token(sts: tuple[FakeServer, FakeSts]) -> None:
    server, fake = sts
    first = provider(server)
    inner = first.get_credentials()
    fake.secrets[inner.access_key_id] = inner.access_key_secret
    second = RamRoleArnProvider(ROLE + "2", source=first, sts_endpoint=server.url)
    got = second.get_credentials()
    assert got.access_key_id == "STS.NUCe0002"
    assert server.seen[-1].query["SecurityToken"] == inner.security_token
    assert server.seen[-1].query["AccessKeyId"] == inner.access_key_id


def test_errors_carry_code_and_request_id_never_secrets(sts: tuple[FakeServer, FakeSts]) -> None:
    server, _ = sts
    p = provider(server, access_key_secret="wrong-secret")
    with pytest.raises(CredentialsFetchError) as info:
        p.get_credentials()
    err = info.value
    assert err.code == "SignatureDoesNotMatch" and err.status == 400 and err.request_id == "REQ-ERR"
    assert "string to sign omitted" in str(err) and "wrong-secret" not in str(err)
    assert AK not in str(err)


def test_server_errors_are_retried_once(sts: tuple[FakeServer, FakeSts]) -> None:
    server, fake = sts
    fake.error = (503, "ServiceUnavailable")
    with pytest.raises(CredentialsFetchError, match="ServiceUnavailable"):
        provider(server).get_credentials()
    assert len(server.seen) == 2


def test_unreachable_sts_is_a_fetch_error_without_the_url() -> None:
    p = RamRoleArnProvider(
        ROLE, access_key_id=AK, access_key_secret=SK, sts_endpoint="http://127.0.0.1:9"
    )
    with pytest.raises(CredentialsFetchError, match="no answer") as info:
        p.get_credentials()
    assert "Signature" not in str(info.value) and info.value.status is None


@pytest.mark.parametrize(
    ("endpoint", "region", "vpc", "url"),
    [
        (None, None, False, "https://sts.aliyuncs.com/"),
        (None, "cn-hangzhou", False, "https://sts.cn-hangzhou.aliyuncs.com/"),
        (None, "cn-hangzhou", True, "https://sts-vpc.cn-hangzhou.aliyuncs.com/"),
        ("sts.example.com", "cn-hangzhou", False, "https://sts.example.com/"),
        ("http://127.0.0.1:8080", None, False, "http://127.0.0.1:8080/"),
        ("https://sts.local:8443/", None, False, "https://sts.local:8443/"),
    ],
)
def test_endpoint_rules(endpoint: str | None, region: str | None, vpc: bool, url: str) -> None:
    assert sts_base_url(endpoint, region, vpc) == url


def test_parameters_are_validated_at_construction() -> None:
    with pytest.raises(ValueError, match="900"):
        RamRoleArnProvider(ROLE, access_key_id=AK, access_key_secret=SK, duration_seconds=899)
    with pytest.raises(ValueError, match="source"):
        RamRoleArnProvider(ROLE)
    with pytest.raises(ValueError, match="http"):
        RamRoleArnProvider(ROLE, access_key_id=AK, access_key_secret=SK, sts_endpoint="ftp://x")


def test_https_sts_with_a_ca_bundle(tmp_path: Path) -> None:
    ca_path, tls = local_ca(tmp_path)
    with serving(FakeSts(secrets={AK: SK}), tls=tls) as server:
        assert server.url.startswith("https://")
        trusted = RamRoleArnProvider(
            ROLE,
            access_key_id=AK,
            access_key_secret=SK,
            sts_endpoint=server.url,
            http=HttpOptions(verify=str(ca_path)),
        )
        assert trusted.get_credentials().access_key_id == "STS.NUCe0001"
        assert asyncio.run(trusted.get_credentials_async()).access_key_id == "STS.NUCe0001"
        untrusted = RamRoleArnProvider(
            ROLE, access_key_id=AK, access_key_secret=SK, sts_endpoint=server.url
        )
        with pytest.raises(CredentialsFetchError, match="no answer") as info:
            untrusted.get_credentials()
        assert "CERTIFICATE_VERIFY_FAILED" in str(info.value) or "SSL" in str(info.value)
