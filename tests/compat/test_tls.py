"""`ossbox serve --tls`: HTTPS with a local CA in DIR/tls/ca.pem, for clients that hard-code
https. alibabacloud-credentials (unmodified) reaches STS with `sts_endpoint='127.0.0.1:PORT'`.

How the CA is trusted without touching the clients: Tea sends with `Session.send`, which ignores
REQUESTS_CA_BUNDLE, but builds its SSL context with `ssl.create_default_context()`, which reads
OpenSSL's SSL_CERT_FILE; so SSL_CERT_FILE names ca.pem in this process. oss2 (requests'
Session.request) follows REQUESTS_CA_BUNDLE, also set; sdk-core takes the CA file as `verify`.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import certifi
import oss2
import pytest
from alibabacloud_credentials.provider import (
    OIDCRoleArnCredentialsProvider,
    RamRoleArnCredentialsProvider,
)
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from tests.compat.sts_world import allow, policy
from tests.compat.tls_server import TlsServer, running_tls_server

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    with running_tls_server(tmp_path_factory.mktemp("tls") / "data") as live:
        yield live


def rpc(server: TlsServer, client: AcsClient, action: str, **params: str) -> dict[str, Any]:
    product, version = (
        ("Sts", "2015-04-01") if action.startswith("Assume") else ("Ram", "2015-05-01")
    )
    request = CommonRequest(product=product, version=version, action_name=action)
    request.set_domain(f"127.0.0.1:{server.port}")
    request.set_protocol_type("https")
    request.set_accept_format("JSON")
    for name, value in params.items():
        request.add_query_param(name, value)
    result: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return result


def oss2_session(server: TlsServer) -> oss2.Session:
    session = oss2.Session()
    session.session.verify = str(server.ca)
    return session


@dataclass(frozen=True)
class World:
    user_key: dict[str, str]
    role_arn: str
    bucket: str
    issuer: str
    provider_arn: str
    sub: str


@pytest.fixture(scope="module")
def world(server: TlsServer) -> World:
    root = AcsClient(server.access_key_id, server.access_key_secret, server.region)
    root.set_verify(str(server.ca))
    suffix = secrets.token_hex(4)
    user = f"tls-user-{suffix}"
    rpc(server, root, "CreateUser", UserName=user)
    key = rpc(server, root, "CreateAccessKey", UserName=user)["AccessKey"]
    rpc(
        server,
        root,
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AliyunSTSAssumeRoleAccess",
        UserName=user,
    )
    with urllib.request.urlopen(
        f"{server.endpoint}/_ossbox/oidc/.well-known/openid-configuration"
    ) as r:
        issuer = json.load(r)["issuer"]
    provider = rpc(
        server,
        root,
        "CreateOIDCProvider",
        OIDCProviderName=f"tls-{suffix}",
        IssuerUrl=issuer,
        ClientIds="sts.aliyuncs.com",
    )["OIDCProvider"]
    sub = f"system:serviceaccount:tls-{suffix}:app"
    trust = policy(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
        },
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [provider["Arn"]]},
            "Condition": {"StringEquals": {"oidc:sub": sub, "oidc:iss": issuer}},
        },
    )
    role = rpc(
        server, root, "CreateRole", RoleName=f"tls-role-{suffix}", AssumeRolePolicyDocument=trust
    )["Role"]
    bucket = f"tls-{suffix}"
    auth = oss2.AuthV4(server.access_key_id, server.access_key_secret)
    oss2.Bucket(
        auth, server.endpoint, bucket, region=server.region, session=oss2_session(server)
    ).create_bucket()
    document = policy(allow(["oss:PutObject", "oss:GetObject"], [f"acs:oss:*:*:{bucket}/*"]))
    rpc(server, root, "CreatePolicy", PolicyName=f"tls-oss-{suffix}", PolicyDocument=document)
    rpc(
        server,
        root,
        "AttachPolicyToRole",
        PolicyType="Custom",
        PolicyName=f"tls-oss-{suffix}",
        RoleName=role["RoleName"],
    )
    return World(key, role["Arn"], bucket, issuer, provider["Arn"], sub)


def put_and_get(server: TlsServer, world: World, ak: str, sk: str, token: str) -> bytes:
    auth = oss2.StsAuth(ak, sk, token)
    bucket = oss2.Bucket(
        auth, server.endpoint, world.bucket, region=server.region, session=oss2_session(server)
    )
    bucket.put_object("over-tls.txt", b"secure")
    data: bytes = bucket.get_object("over-tls.txt").read()
    return data


def test_https_needs_the_local_ca(server: TlsServer) -> None:
    public_only = ssl.create_default_context(cafile=certifi.where())
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(f"{server.endpoint}/_ossbox/health", context=public_only)
    trusting = ssl.create_default_context(cafile=str(server.ca))
    with urllib.request.urlopen(f"{server.endpoint}/_ossbox/health", context=trusting) as r:
        assert r.status == 200


def test_ram_role_arn_over_https_with_a_policy_with_spaces(server: TlsServer, world: World) -> None:
    session_policy = policy(allow(["oss:GetObject", "oss:PutObject"], ["*"]))
    assert " " in session_policy
    provider = RamRoleArnCredentialsProvider(
        access_key_id=world.user_key["AccessKeyId"],
        access_key_secret=world.user_key["AccessKeySecret"],
        role_arn=world.role_arn,
        role_session_name="tls-session",
        policy=session_policy,
        sts_endpoint=f"127.0.0.1:{server.port}",  # no scheme: the library uses https
    )
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    secret, token = creds.get_access_key_secret(), creds.get_security_token()
    assert put_and_get(server, world, creds.get_access_key_id(), secret, token) == b"secure"


def test_oidc_role_arn_over_https(server: TlsServer, world: World, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    args = [sys.executable, "-m", "ossbox.cli.main", "oidc", "token", "--data"]
    args += [str(server.data_dir), "--sub", world.sub, "--out", str(token_file)]
    subprocess.run(args, check=True, timeout=30)
    provider = OIDCRoleArnCredentialsProvider(
        role_arn=world.role_arn,
        oidc_provider_arn=world.provider_arn,
        oidc_token_file_path=str(token_file),
        role_session_name="tls-pod",
        sts_endpoint=f"127.0.0.1:{server.port}",
    )
    creds = provider.get_credentials()
    secret, token = creds.get_access_key_secret(), creds.get_security_token()
    assert put_and_get(server, world, creds.get_access_key_id(), secret, token) == b"secure"


def test_keys_are_private_and_the_ca_survives_a_restart(server: TlsServer) -> None:
    tls = server.data_dir / "tls"
    for name in ("ca-key.pem", "server-key.pem"):
        assert stat.S_IMODE(os.stat(tls / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(server.data_dir / "oidc" / "signing-key.pem").st_mode) == 0o600
    before = {name: (tls / name).read_bytes() for name in ("ca.pem", "server.pem")}
    server.kill()  # the files are what is tested, not a graceful stop
    server.start()
    assert {name: (tls / name).read_bytes() for name in before} == before
