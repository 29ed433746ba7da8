"""ossbox.credentials against a live ossbox: AssumeRole over HTTP, then objects put and got
through oss2 and alibabacloud-oss-v2 via the adapters, STS calls through the tea adapter, the
default chain from a profile file, and signed URLs that respect the session's lifetime."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from pathlib import Path

import alibabacloud_oss_v2 as oss_v2
import httpx
import oss2
import pytest
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.models import Config as TeaConfig

from ossbox.credentials import (
    CredentialsExpiringError,
    CredentialsFetchError,
    DefaultCredentialsChain,
    RamRoleArnProvider,
)
from ossbox.credentials.adapters import oss2_provider, ossv2_provider, tea_credential_client
from ossbox.credentials.presign import oss2_sign_url, ossv2_presign
from tests.compat.sts_world import World, make_world, root_client, rpc
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    return make_world(live_server)


def role(world: World, **kw: object) -> RamRoleArnProvider:
    return RamRoleArnProvider(
        world.role_arn,
        access_key_id=world.access_key_id,
        access_key_secret=world.access_key_secret,
        sts_endpoint=world.server.endpoint,
        **kw,  # type: ignore[arg-type]
    )


def oss2_bucket(world: World, auth: oss2.Auth, name: str | None = None) -> oss2.Bucket:
    server = world.server
    return oss2.Bucket(auth, server.endpoint, name or world.bucket, region=server.region)


def ossv2_client(world: World, provider: RamRoleArnProvider, version: str) -> oss_v2.Client:
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = ossv2_provider(provider)
    cfg.region = world.server.region
    cfg.endpoint = world.server.endpoint
    cfg.signature_version = version
    cfg.use_path_style = True
    cfg.retry_max_attempts = 1
    return oss_v2.Client(cfg)


def test_role_credentials_from_the_live_sts(world: World) -> None:
    provider = role(world, role_session_name="creds-lib", duration_seconds=900)
    got = provider.get_credentials()
    assert got.access_key_id.startswith("STS.") and got.security_token
    assert got.account_id == world.server.account_id and got.provider == "ram_role_arn"
    assert got.expiration is not None
    assert asyncio.run(provider.get_credentials_async()) is got


@pytest.mark.parametrize("auth_class", [oss2.ProviderAuth, oss2.ProviderAuthV4])
def test_oss2_puts_and_gets_with_role_credentials(world: World, auth_class: type) -> None:
    auth = auth_class(oss2_provider(role(world)))
    key = f"allowed/oss2-{secrets.token_hex(4)}.txt"
    bucket = oss2_bucket(world, auth)
    bucket.put_object(key, b"through ossbox.credentials")
    assert bucket.get_object(key).read() == b"through ossbox.credentials"
    with pytest.raises(oss2.exceptions.AccessDenied):  # the role's policy stops here
        oss2_bucket(world, auth, world.other_bucket).put_object(key, b"x")


@pytest.mark.parametrize("version", ["v4", "v1"])
def test_oss_v2_puts_and_gets_with_role_credentials(world: World, version: str) -> None:
    client = ossv2_client(world, role(world), version)
    key = f"allowed/v2-{secrets.token_hex(4)}.txt"
    client.put_object(oss_v2.PutObjectRequest(bucket=world.bucket, key=key, body=b"v2 body"))
    got = client.get_object(oss_v2.GetObjectRequest(bucket=world.bucket, key=key))
    assert got.body.read() == b"v2 body"
    with pytest.raises(oss_v2.exceptions.OperationError):
        client.put_object(oss_v2.PutObjectRequest(bucket=world.other_bucket, key=key, body=b"x"))


def test_chained_role_from_another_provider(world: World) -> None:
    server = world.server
    rpc(
        server,
        root_client(server),
        "AttachPolicyToRole",
        PolicyType="System",
        PolicyName="AliyunSTSAssumeRoleAccess",
        RoleName=world.role,
    )
    chained = RamRoleArnProvider(
        world.role_arn, source=role(world), sts_endpoint=world.server.endpoint
    )
    got = chained.get_credentials()
    assert got.access_key_id.startswith("STS.") and got.expiration is not None
    bucket = oss2_bucket(world, oss2.ProviderAuthV4(oss2_provider(chained)))
    bucket.put_object("allowed/chained.txt", b"chained")


def test_live_errors_carry_the_server_code(world: World) -> None:
    provider = RamRoleArnProvider(
        world.role_arn.replace(world.role, "NoSuchRole"),
        access_key_id=world.access_key_id,
        access_key_secret=world.access_key_secret,
        sts_endpoint=world.server.endpoint,
    )
    with pytest.raises(CredentialsFetchError) as info:
        provider.get_credentials()
    assert info.value.code and info.value.status and world.access_key_secret not in str(info.value)


def test_tea_adapter_drives_an_official_sts_client(world: World) -> None:
    config = TeaConfig(
        credential=tea_credential_client(role(world)),
        endpoint=f"127.0.0.1:{world.server.port}",
        protocol="http",
        region_id=world.server.region,
    )
    identity = StsClient(config).get_caller_identity()
    assert identity.body.arn.startswith(f"acs:ram::{world.server.account_id}:assumed-role/")


def test_default_chain_from_a_profile_file(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = tmp_path / "credentials.ini"
    ini.write_text(
        "[ci]\ntype = ram_role_arn\n"
        f"access_key_id = {world.access_key_id}\naccess_key_secret = {world.access_key_secret}\n"
        f"role_arn = {world.role_arn}\nrole_session_name = ci\n"
        f"sts_endpoint = {world.server.endpoint}\n"
    )
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "OSS_ACCESS_KEY_ID", "ALIBABA_CLOUD_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(ini))
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "ci")
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    chain = DefaultCredentialsChain()
    bucket = oss2_bucket(world, oss2.ProviderAuthV4(oss2_provider(chain)))
    bucket.put_object("allowed/chain.txt", b"chain")
    assert chain.served_by == "default/profile/ram_role_arn"
    assert chain.get_credentials().provider == "default/profile/ram_role_arn"


def test_signed_urls_never_outlive_the_session(world: World) -> None:
    provider = role(world, duration_seconds=900)
    bucket = oss2_bucket(world, oss2.ProviderAuthV4(oss2_provider(provider)))
    bucket.put_object("allowed/signed.txt", b"signed")
    url = oss2_sign_url(bucket, "GET", "allowed/signed.txt", 300)
    assert httpx.get(url).content == b"signed"
    with pytest.raises(CredentialsExpiringError):  # a 900 s session cannot back a 1 h URL
        oss2_sign_url(bucket, "GET", "allowed/signed.txt", 3600)
    capped = oss2_sign_url(bucket, "GET", "allowed/signed.txt", 3600, mode="cap")
    assert httpx.get(capped).content == b"signed"
    assert "x-oss-expires=3600" not in capped

    client = ossv2_client(world, provider, "v4")
    request = oss_v2.GetObjectRequest(bucket=world.bucket, key="allowed/signed.txt")
    presigned = ossv2_presign(client, request, timedelta(minutes=5), provider=provider)
    assert httpx.get(presigned.url).content == b"signed"
    with pytest.raises(CredentialsExpiringError):
        ossv2_presign(client, request, timedelta(hours=1), provider=provider)
