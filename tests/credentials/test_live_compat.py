"""ossbox.credentials against a live ossbox: AssumeRole over HTTP, then objects put and got
through oss2 and alibabacloud-oss-v2 via the adapters, STS calls through the tea adapter, the
default chain from a profile file, and signed URLs that respect the session's lifetime."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from collections.abc import Iterator
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
    HttpOptions,
    OidcRoleArnProvider,
    RamRoleArnProvider,
)
from ossbox.credentials.adapters import oss2_provider, ossv2_provider, tea_credential_client
from ossbox.credentials.presign import oss2_sign_url, ossv2_presign
from ossbox.credentials.providers import CredentialsProvider
from tests.compat.sts_world import World, make_world, policy, root_client, rpc
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


def ossv2_client(world: World, provider: CredentialsProvider, version: str) -> oss_v2.Client:
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


# -- OIDC (RRSA) against the built-in issuer ------------------------------------------------------

SUB = "system:serviceaccount:team-a:uploader"


def mint_token(server: LiveServer, out: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "ossbox.cli.main",
        "oidc",
        "token",
        "--data",
        str(server.data_dir),
    ]
    subprocess.run([*args, "--sub", SUB, "--out", str(out)], check=True, timeout=60)


@pytest.fixture(scope="module")
def oidc_role(world: World) -> tuple[str, str]:
    """(role ARN, OIDC provider ARN): a role trusting the built-in issuer's service account."""
    server, root = world.server, root_client(world.server)
    issuer = (server.data_dir / "oidc" / "issuer").read_text().strip()
    suffix = world.bucket.removeprefix("sts-")
    provider = rpc(
        server,
        root,
        "CreateOIDCProvider",
        OIDCProviderName=f"rrsa-{suffix}",
        IssuerUrl=issuer,
        ClientIds="sts.aliyuncs.com",
    )["OIDCProvider"]["Arn"]
    conditions = {"oidc:iss": issuer, "oidc:aud": "sts.aliyuncs.com", "oidc:sub": SUB}
    trust = policy(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [provider]},
            "Condition": {"StringEquals": conditions},
        }
    )
    name = f"Rrsa-{suffix}"
    role_arn = rpc(server, root, "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust)
    rpc(
        server,
        root,
        "AttachPolicyToRole",
        PolicyType="Custom",
        PolicyName=f"RamTestPolicy-{suffix}",
        RoleName=name,
    )
    return role_arn["Role"]["Arn"], provider


def test_oidc_role_arn_with_a_minted_service_account_token(
    world: World, oidc_role: tuple[str, str], tmp_path: Path
) -> None:
    role_arn, provider_arn = oidc_role
    token_file = tmp_path / "token"
    mint_token(world.server, token_file)
    provider = OidcRoleArnProvider(
        role_arn, provider_arn, oidc_token_file=token_file, sts_endpoint=world.server.endpoint
    )
    got = asyncio.run(provider.get_credentials_async())
    assert got.access_key_id.startswith("STS.") and got.provider == "oidc_role_arn"
    bucket = oss2_bucket(world, oss2.ProviderAuthV4(oss2_provider(provider)))
    bucket.put_object("allowed/rrsa.txt", b"rrsa")
    assert bucket.get_object("allowed/rrsa.txt").read() == b"rrsa"
    token_file.write_text("not-a-jwt-at-all")  # a broken projected token is refused, named
    provider.invalidate()
    with pytest.raises(CredentialsFetchError) as info:
        provider.get_credentials()
    assert info.value.code and "not-a-jwt" not in str(info.value)


def test_default_chain_picks_up_rrsa_from_the_environment(
    world: World, oidc_role: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "token"
    mint_token(world.server, token_file)
    monkeypatch.delenv("ALIBABA_CLOUD_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("OSS_ACCESS_KEY_ID", raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ROLE_ARN", oidc_role[0])
    monkeypatch.setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", oidc_role[1])
    monkeypatch.setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("ALIBABA_CLOUD_STS_ENDPOINT", world.server.endpoint)
    chain = DefaultCredentialsChain()
    client = ossv2_client(world, chain, "v4")
    client.put_object(
        oss_v2.PutObjectRequest(bucket=world.bucket, key="allowed/chain-rrsa.txt", body=b"r")
    )
    assert chain.served_by == "default/oidc_role_arn"


# -- STS over https (`ossbox serve --tls`) with its CA bundle -------------------------------------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("ossbox-tls") / "data", tls=True).start()
    yield server
    server.stop()


def test_sts_over_https_with_the_servers_ca(tls_server: LiveServer) -> None:
    """Root may not assume roles: the server's refusal proves TLS and the signature worked."""
    endpoint = f"https://127.0.0.1:{tls_server.port}"
    ca = str(tls_server.data_dir / "tls" / "ca.pem")

    def provider(http: HttpOptions | None) -> RamRoleArnProvider:
        return RamRoleArnProvider(
            f"acs:ram::{tls_server.account_id}:role/any",
            access_key_id=tls_server.access_key_id,
            access_key_secret=tls_server.access_key_secret,
            sts_endpoint=endpoint,
            http=http,
        )

    with pytest.raises(CredentialsFetchError) as trusted:
        provider(HttpOptions(verify=ca)).get_credentials()
    assert trusted.value.code == "NoPermission" and trusted.value.status == 403
    with pytest.raises(CredentialsFetchError, match="no answer") as untrusted:
        provider(None).get_credentials()
    assert untrusted.value.code is None


def test_sts_over_https_trusts_ssl_cert_file_read_at_call_time(
    tls_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = RamRoleArnProvider(
        f"acs:ram::{tls_server.account_id}:role/any",
        access_key_id=tls_server.access_key_id,
        access_key_secret=tls_server.access_key_secret,
        sts_endpoint=f"https://127.0.0.1:{tls_server.port}",
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.data_dir / "tls" / "ca.pem"))
    with pytest.raises(CredentialsFetchError) as trusted:
        provider.get_credentials()
    assert trusted.value.code == "NoPermission"
