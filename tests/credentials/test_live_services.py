"""ossbox.credentials' ECS RAM role and credentials-URI providers against a live `ossbox serve
--imds ... --credentials-uri-token ...`: the credentials put and get through oss2 and
alibabacloud-oss-v2 via the adapters."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from ossbox.credentials.adapters import oss2_provider, ossv2_provider
from ossbox.credentials.providers import CredentialsProvider
from ossbox.credentials.providers.ecs import EcsRamRoleProvider
from ossbox.credentials.providers.uri import CredentialsUriProvider
from tests.compat.test_imds import ROLE, setup_imds_role
from tests.conftest import LiveServer, free_port

pytestmark = pytest.mark.compat

TOKEN = "svc-token-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int, str]]:
    """(server, IMDS port, a bucket the role may put/get in)."""
    port = free_port()
    data = tmp_path_factory.mktemp("services") / "data"
    data.mkdir()
    flags = ["--imds", f"127.0.0.1:{port}", "--imds-role", ROLE, "--imds-v2-only"]
    server = LiveServer(data, extra_args=[*flags, "--credentials-uri-token", TOKEN])
    server.start()
    try:
        yield server, port, setup_imds_role(server, port)
    finally:
        server.stop()


def _put_get(server: LiveServer, bucket: str, provider: CredentialsProvider) -> None:
    auth = oss2.ProviderAuthV4(oss2_provider(provider))
    target = oss2.Bucket(auth, server.endpoint, bucket, region=server.region)
    target.put_object("via-oss2", b"oss2")
    assert target.get_object("via-oss2").read() == b"oss2"
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = ossv2_provider(provider)
    cfg.region = server.region
    cfg.endpoint = server.endpoint
    cfg.use_path_style = True
    client = oss_v2.Client(cfg)
    client.put_object(oss_v2.PutObjectRequest(bucket=bucket, key="via-v2", body=b"v2"))
    got = client.get_object(oss_v2.GetObjectRequest(bucket=bucket, key="via-v2"))
    assert got.body.read() == b"v2"


@pytest.mark.parametrize("role_name", [ROLE, None], ids=["named", "discovered"])
def test_ecs_provider_strict_v2(
    services: tuple[LiveServer, int, str], role_name: str | None
) -> None:
    server, port, bucket = services
    provider = EcsRamRoleProvider(role_name, endpoint=f"127.0.0.1:{port}", strict_imdsv2=True)
    creds = provider.get_credentials()
    assert creds.access_key_id.startswith("STS.") and creds.expiration is not None
    assert provider.role_name == ROLE
    _put_get(server, bucket, provider)


def test_credentials_uri_provider_with_bearer_token(services: tuple[LiveServer, int, str]) -> None:
    server, _, bucket = services
    uri = f"{server.endpoint}/_ossbox/credentials/{ROLE}"
    provider = CredentialsUriProvider(
        uri, authorization=f"Bearer {TOKEN}", allow_insecure_http=True
    )
    creds = provider.get_credentials()
    assert creds.access_key_id.startswith("STS.") and creds.expiration is not None
    _put_get(server, bucket, provider)
