"""`ossbox serve --imds`: alibabacloud-credentials' own `ecs_ram_role` provider, pointed at the
metadata listener through its proxy hook (the 100.100.100.200 host is hard-coded), gets real
STS credentials that put and get through oss2; the IMDSv2 token rules; `--imds-v2-only`."""

from __future__ import annotations

import http.client
import json
import secrets
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import oss2
import pytest
from alibabacloud_credentials.http import HttpOptions
from alibabacloud_credentials.provider import EcsRamRoleCredentialsProvider
from alibabacloud_credentials.utils import auth_util as au

from tests.compat.sts_world import allow, policy, root_client, rpc
from tests.conftest import LiveServer, free_port

pytestmark = pytest.mark.compat

ROLE = "EcsInstanceRole"
CREDS_PATH = "/latest/meta-data/ram/security-credentials/"
ECS_TRUST = policy(
    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}
)


def _server(tmp: Path, *flags: str) -> tuple[LiveServer, int]:
    imds_port = free_port()
    server = LiveServer(tmp / "data", extra_args=["--imds", f"127.0.0.1:{imds_port}", *flags])
    server.extra_args += ["--imds-role", ROLE]
    server.data_dir.mkdir()
    server.start()
    return server, imds_port


@pytest.fixture(scope="module")
def imds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, int, str]]:
    """A server whose IMDS role may put/get in one bucket; (server, imds port, bucket)."""
    server, port = _server(tmp_path_factory.mktemp("imds"))
    try:
        yield server, port, setup_imds_role(server, port)
    finally:
        server.stop()


def setup_imds_role(server: LiveServer, port: int) -> str:
    root = root_client(server)
    bucket = f"imds-{secrets.token_hex(4)}"
    auth = oss2.AuthV4(server.access_key_id, server.access_key_secret)
    oss2.Bucket(auth, server.endpoint, bucket, region=server.region).create_bucket()
    ram_trust = policy(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
        }
    )
    rpc(server, root, "CreateRole", RoleName=ROLE, AssumeRolePolicyDocument=ram_trust)
    # A role ECS may not assume is not attached to the instance.
    token = _token(port)[1]
    assert _get(port, CREDS_PATH, token)[0] == 404
    assert _get(port, CREDS_PATH + ROLE, token)[0] == 404
    rpc(server, root, "UpdateRole", RoleName=ROLE, NewAssumeRolePolicyDocument=ECS_TRUST)
    document = policy(allow(["oss:PutObject", "oss:GetObject"], [f"acs:oss:*:*:{bucket}/*"]))
    rpc(server, root, "CreatePolicy", PolicyName="ImdsPolicy", PolicyDocument=document)
    attach = {"PolicyType": "Custom", "PolicyName": "ImdsPolicy", "RoleName": ROLE}
    rpc(server, root, "AttachPolicyToRole", **attach)
    return bucket


def _request(
    port: int, method: str, target: str, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, target, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def _get(port: int, path: str, token: str | None = None) -> tuple[int, str]:
    headers = {} if token is None else {"X-aliyun-ecs-metadata-token": token}
    return _request(port, "GET", path, headers)


def _token(port: int, ttl: str = "21600", **headers: str) -> tuple[int, str]:
    return _request(
        port,
        "PUT",
        "/latest/api/token",
        {"X-aliyun-ecs-metadata-token-ttl-seconds": ttl, **headers},
    )


def _enable_ecs_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite disables the provider (conftest); the library read that at import."""
    monkeypatch.setattr(au, "environment_ecs_metadata_disabled", "false")


def _provider(port: int, role_name: str | None = None) -> EcsRamRoleCredentialsProvider:
    options = HttpOptions(proxy=f"http://127.0.0.1:{port}")
    return EcsRamRoleCredentialsProvider(
        role_name=role_name, http_options=options, async_update_enabled=False
    )


def _put_get(server: LiveServer, bucket: str, provider: EcsRamRoleCredentialsProvider) -> None:
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    auth = oss2.StsAuth(
        creds.get_access_key_id(),
        creds.get_access_key_secret(),
        creds.get_security_token(),
        auth_version="v4",
    )
    target = oss2.Bucket(auth, server.endpoint, bucket, region=server.region)
    key = f"ecs-{secrets.token_hex(3)}"
    target.put_object(key, b"from the instance")
    assert target.get_object(key).read() == b"from the instance"


@pytest.mark.parametrize("role_name", [ROLE, None], ids=["named", "discovered"])
def test_official_ecs_provider_puts_and_gets(
    imds: tuple[LiveServer, int, str], role_name: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _enable_ecs_provider(monkeypatch)
    server, port, bucket = imds
    _put_get(server, bucket, _provider(port, role_name))


def test_v2_token_flow_and_json(imds: tuple[LiveServer, int, str]) -> None:
    _, port, _ = imds
    status, token = _token(port)
    assert status == 200 and token
    assert _get(port, CREDS_PATH, token) == (200, ROLE)
    # Absolute-form target (as through a proxy), capitalized /Ram/.
    url = f"http://100.100.100.200/latest/meta-data/Ram/security-credentials/{ROLE}"
    status, body = _get(port, url, token)
    assert status == 200
    creds = json.loads(body)
    assert creds["Code"] == "Success"
    assert set(creds) >= {"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert creds["Expiration"].endswith("Z") and creds["LastUpdated"].endswith("Z")
    assert _get(port, CREDS_PATH + "OtherRole", token)[0] == 404


def test_token_rules(imds: tuple[LiveServer, int, str]) -> None:
    _, port, _ = imds
    assert _token(port, "0")[0] == 400
    assert _token(port, "21601")[0] == 400
    assert _request(port, "PUT", "/latest/api/token")[0] == 400
    assert _token(port, **{"X-Forwarded-For": "10.0.0.1"})[0] == 403
    assert _get(port, CREDS_PATH, "not-a-token")[0] == 401
    assert _get(port, CREDS_PATH, "99999999999.forged")[0] == 401
    assert _get(port, CREDS_PATH) == (200, ROLE)  # IMDSv1 allowed by default


def test_v2_only_refuses_tokenless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server, port = _server(tmp_path, "--imds-v2-only")
    try:
        bucket = setup_imds_role(server, port)
        assert _get(port, CREDS_PATH)[0] == 401
        _, token = _token(port, "60")
        assert _get(port, CREDS_PATH, token) == (200, ROLE)
        _enable_ecs_provider(monkeypatch)
        _put_get(server, bucket, _provider(port, ROLE))
    finally:
        server.stop()


def test_metadata_requests_are_audited_and_counted(imds: tuple[LiveServer, int, str]) -> None:
    from ossbox.server.audit.query import Filter, search

    server, port, _ = imds
    token = _token(port)[1]
    assert _get(port, CREDS_PATH + ROLE, token)[0] == 200
    assert _get(port, CREDS_PATH + ROLE, "forged.token")[0] == 401
    time.sleep(0.3)  # past the group-commit interval
    events = search(server.data_dir / "audit", Filter(action="imds:*"))
    fetched = [e for e in events if e["action"] == "imds:GetRoleCredentials"]
    assert fetched[-1]["status"] == 401 and fetched[-1]["errorCode"] == "Unauthorized"
    assert any(e["status"] == 200 and e["resource"].endswith(f":role/{ROLE}") for e in fetched)
    assert any(e["action"] == "imds:GetToken" and e["sourceIp"] == "127.0.0.1" for e in events)
    with urllib.request.urlopen(f"{server.endpoint}/_ossbox/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'ossbox_sts_credentials_issued_total{via="Imds"}' in metrics
