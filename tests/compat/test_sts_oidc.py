"""RRSA end to end on a live server: RAM set up through sdk-core's CommonRequest, a token from
`ossbox oidc token`, alibabacloud-credentials' OIDCRoleArnCredentialsProvider (unmodified, over
http with a full sts_endpoint URL) gets credentials, oss2 StsAuth uses them within the role's
policy; refused tokens get their exact codes over the wire."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import oss2
import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_credentials.provider import OIDCRoleArnCredentialsProvider

from ossbox.server.oidc.issuer import mint
from ossbox.server.oidc.jwt import parse, verify
from ossbox.server.oidc.keys import load_or_create
from tests.compat.sts_world import allow, policy, root_client, rpc
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

AUD = "sts.aliyuncs.com"


@dataclass(frozen=True)
class Rrsa:
    server: LiveServer
    issuer: str
    provider_arn: str
    role_arn: str
    sub: str
    bucket: str
    other_bucket: str


def issuer_of(server: LiveServer) -> str:
    url = f"{server.endpoint}/_ossbox/oidc/.well-known/openid-configuration"
    issuer: str = httpx.get(url).json()["issuer"]
    return issuer


@pytest.fixture(scope="module")
def rrsa(live_server: LiveServer) -> Rrsa:
    server, root, suffix = live_server, root_client(live_server), secrets.token_hex(4)
    issuer = issuer_of(server)
    provider = rpc(
        server,
        root,
        "CreateOIDCProvider",
        OIDCProviderName=f"ack-rrsa-{suffix}",
        IssuerUrl=issuer,
        ClientIds=AUD,
        IssuanceLimitTime="1",
    )["OIDCProvider"]
    sub = f"system:serviceaccount:team-{suffix}:oss-reader"
    trust = policy(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [provider["Arn"]]},
            "Condition": {"StringEquals": {"oidc:iss": issuer, "oidc:aud": AUD, "oidc:sub": sub}},
        }
    )
    role = rpc(
        server, root, "CreateRole", RoleName=f"rrsa-{suffix}", AssumeRolePolicyDocument=trust
    )["Role"]
    bucket, other = f"rrsa-{suffix}", f"rrsa-other-{suffix}"
    auth = oss2.AuthV4(server.access_key_id, server.access_key_secret)
    for name in (bucket, other):
        oss2.Bucket(auth, server.endpoint, name, region=server.region).create_bucket()
    actions = ["oss:PutObject", "oss:GetObject"]
    document = policy(allow(actions, [f"acs:oss:*:*:{bucket}/*"]))
    rpc(server, root, "CreatePolicy", PolicyName=f"rrsa-oss-{suffix}", PolicyDocument=document)
    rpc(
        server,
        root,
        "AttachPolicyToRole",
        PolicyType="Custom",
        PolicyName=f"rrsa-oss-{suffix}",
        RoleName=role["RoleName"],
    )
    return Rrsa(server, issuer, provider["Arn"], role["Arn"], sub, bucket, other)


def cli_token(server: LiveServer, out: Path, sub: str, *extra: str) -> str:
    args = [sys.executable, "-m", "ossbox.cli.main", "oidc", "token", "--data"]
    args += [str(server.data_dir), "--sub", sub, "--aud", AUD, "--out", str(out), *extra]
    subprocess.run(args, check=True, timeout=30)
    return out.read_text()


def provider(rrsa: Rrsa, token_file: Path, **kwargs: Any) -> OIDCRoleArnCredentialsProvider:
    return OIDCRoleArnCredentialsProvider(
        role_arn=rrsa.role_arn,
        oidc_provider_arn=rrsa.provider_arn,
        oidc_token_file_path=str(token_file),
        role_session_name="rrsa-pod",
        sts_endpoint=f"http://127.0.0.1:{rrsa.server.port}",
        **kwargs,
    )


def assume_raw(rrsa: Rrsa, token: str, **params: str) -> httpx.Response:
    """AssumeRoleWithOIDC as the credentials library sends it: GET, unsigned."""
    query = {
        "Action": "AssumeRoleWithOIDC",
        "Format": "JSON",
        "Version": "2015-04-01",
        "RoleArn": rrsa.role_arn,
        "OIDCProviderArn": rrsa.provider_arn,
        "OIDCToken": token,
        "RoleSessionName": "raw",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **params,
    }
    return httpx.get(f"{rrsa.server.endpoint}/", params=query)


def code(response: httpx.Response) -> str:
    value: str = response.json()["Code"]
    return value


def local_token(rrsa: Rrsa, **kwargs: Any) -> str:
    args: dict[str, Any] = {"subject": rrsa.sub, "audience": AUD, "now": datetime.now(UTC)}
    args.update(kwargs)
    return mint(load_or_create(rrsa.server.data_dir), rrsa.issuer, **args)


def test_cli_token_verifies_with_the_served_jwks(rrsa: Rrsa, tmp_path: Path) -> None:
    token = cli_token(rrsa.server, tmp_path / "token", rrsa.sub)
    assert (tmp_path / "token").stat().st_mode & 0o077 == 0
    jwks = httpx.get(f"{rrsa.server.endpoint}/_ossbox/oidc/jwks").json()
    assert all("d" not in key and "p" not in key for key in jwks["keys"])  # public only
    jwt = parse(token)
    verify(jwt, jwks["keys"])
    assert (jwt.claims["iss"], jwt.claims["sub"], jwt.claims["aud"]) == (rrsa.issuer, rrsa.sub, AUD)


def test_credentials_provider_gets_credentials_that_oss2_uses(rrsa: Rrsa, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    cli_token(rrsa.server, token_file, rrsa.sub)
    creds = provider(rrsa, token_file).get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    auth = oss2.StsAuth(
        creds.get_access_key_id(), creds.get_access_key_secret(), creds.get_security_token()
    )
    server = rrsa.server
    bucket = oss2.Bucket(auth, server.endpoint, rrsa.bucket, region=server.region)
    bucket.put_object("pod/hello.txt", b"from a pod")
    assert bucket.get_object("pod/hello.txt").read() == b"from a pod"
    other = oss2.Bucket(auth, server.endpoint, rrsa.other_bucket, region=server.region)
    with pytest.raises(oss2.exceptions.AccessDenied):
        other.put_object("x", b"no")


def test_provider_refreshes_and_rereads_the_token_file(rrsa: Rrsa, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    cli_token(rrsa.server, token_file, rrsa.sub)
    # 900 s sessions are inside the library's 15-minute stale window: every call refreshes.
    p = provider(rrsa, token_file, duration_seconds=900)
    first = p.get_credentials().get_access_key_id()
    token_file.write_text("not-a-token")
    with pytest.raises(CredentialException, match=r"AuthenticationFail\.OIDCToken\.Invalid"):
        p.get_credentials()
    cli_token(rrsa.server, token_file, rrsa.sub)
    assert p.get_credentials().get_access_key_id() != first


def test_response_carries_the_token_info(rrsa: Rrsa) -> None:
    response = assume_raw(rrsa, local_token(rrsa), DurationSeconds="1800")
    assert response.status_code == 200, response.text
    body = response.json()
    info = body["OIDCTokenInfo"]
    assert (info["Subject"], info["Issuer"], info["ClientIds"]) == (rrsa.sub, rrsa.issuer, AUD)
    assert body["AssumedRoleUser"]["Arn"] == f"{rrsa.role_arn}/raw"
    expires = datetime.strptime(body["Credentials"]["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
    # the session is not clamped to the token's exp (one hour)
    assert expires.replace(tzinfo=UTC) - datetime.now(UTC) > timedelta(seconds=1700)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"now": datetime.now(UTC) - timedelta(hours=2)}, "AuthenticationFail.OIDCToken.Expired"),
        (
            {"issued_at": datetime.now(UTC) - timedelta(hours=1, minutes=1)},
            "AuthenticationFail.OIDCToken.Expired",
        ),
        ({"audience": "not-sts"}, "AuthenticationFail.OIDCToken.AudienceNotMatch"),
        ({"subject": "system:serviceaccount:other:sa"}, "AuthenticationFail.NoPermission"),
    ],
    ids=["expired", "issued-too-long-ago", "wrong-audience", "untrusted-subject"],
)
def test_refused_tokens_get_exact_codes(rrsa: Rrsa, kwargs: dict[str, Any], expected: str) -> None:
    response = assume_raw(rrsa, local_token(rrsa, **kwargs))
    assert code(response) == expected, response.text
    assert response.status_code >= 400


def test_bad_signature_is_invalid(rrsa: Rrsa, tmp_path: Path) -> None:
    foreign_key = load_or_create(tmp_path)
    forged = mint(foreign_key, rrsa.issuer, subject=rrsa.sub, audience=AUD, now=datetime.now(UTC))
    assert code(assume_raw(rrsa, forged)) == "AuthenticationFail.OIDCToken.Invalid"
    head, body, sig = local_token(rrsa).split(".")
    flipped = sig[:-4] + ("AAAA" if sig[-4:] != "AAAA" else "BBBB")
    assert code(assume_raw(rrsa, f"{head}.{body}.{flipped}")) == (
        "AuthenticationFail.OIDCToken.Invalid"
    )


def test_unknown_provider_and_role(rrsa: Rrsa) -> None:
    token = local_token(rrsa)
    missing = rrsa.provider_arn.rsplit("/", 1)[0] + "/nope"
    response = assume_raw(rrsa, token, OIDCProviderArn=missing)
    assert code(response) == "AuthenticationFail.NoPermission"
    response = assume_raw(rrsa, token, RoleArn=rrsa.role_arn + "-gone")
    assert code(response) == "EntityNotExist.Role"


def test_parameter_errors(rrsa: Rrsa) -> None:
    assert code(assume_raw(rrsa, "abc")) == "InvalidParameter.OIDCToken"
    assert code(assume_raw(rrsa, local_token(rrsa), DurationSeconds="899")) == (
        "InvalidParameter.DurationSeconds"
    )
    response = assume_raw(rrsa, local_token(rrsa), OIDCProviderArn="")
    assert code(response) == "MissingParameter"
    body = json.loads(assume_raw(rrsa, local_token(rrsa), RoleSessionName="x").text)
    assert body["Code"] == "InvalidParameter.RoleSessionName"
