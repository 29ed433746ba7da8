"""OIDC role ARN and credentials URI providers against fake servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.http import RetryPolicy
from ossbox.credentials.providers.oidc import OidcRoleArnProvider
from ossbox.credentials.providers.uri import CredentialsUriProvider, check_uri
from tests.credentials.fakes import FakeSts, Seen, serving, sts_credentials

ROLE = "acs:ram::1234567890123456:role/rrsa"
OIDC_ARN = "acs:ram::1234567890123456:oidc-provider/ack-rrsa"


def test_oidc_is_unsigned_and_rereads_the_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("jwt-one\n")
    sts = FakeSts(oidc_tokens={"jwt-one", "jwt-two"})
    with serving(sts) as server:
        p = OidcRoleArnProvider(ROLE, OIDC_ARN, oidc_token_file=token_file, sts_endpoint=server.url)
        got = p.get_credentials()
        assert got.access_key_id == "STS.NUCe0001" and got.provider == "oidc_role_arn"
        q = server.seen[0].query
        assert (q["Action"], q["OIDCProviderArn"], q["OIDCToken"]) == (
            "AssumeRoleWithOIDC",
            OIDC_ARN,
            "jwt-one",
        )
        assert q["RoleArn"] == ROLE and "Timestamp" in q
        assert not {"AccessKeyId", "Signature", "SignatureNonce"} & set(q)
        token_file.write_text("jwt-two")  # Kubernetes rotated the projected token
        p.invalidate()
        asyncio.run(p.get_credentials_async())
        assert server.seen[1].query["OIDCToken"] == "jwt-two"


def test_oidc_token_from_a_string_and_errors_hide_it() -> None:
    with serving(FakeSts(oidc_tokens={"good"})) as server:
        p = OidcRoleArnProvider(ROLE, OIDC_ARN, oidc_token="forged-jwt", sts_endpoint=server.url)
        with pytest.raises(CredentialsFetchError) as info:
            p.get_credentials()
        assert info.value.code == "InvalidParameter.OIDCToken" and "forged-jwt" not in str(
            info.value
        )


def test_oidc_missing_token_file(tmp_path: Path) -> None:
    p = OidcRoleArnProvider(ROLE, OIDC_ARN, oidc_token_file=tmp_path / "absent")
    with pytest.raises(CredentialsFetchError, match="cannot read the OIDC token file"):
        p.get_credentials()
    with pytest.raises(ValueError, match="exactly one"):
        OidcRoleArnProvider(ROLE, OIDC_ARN)


def uri_handler(seen: Seen) -> tuple[int, object]:
    if seen.headers.get("authorization") != "Bearer let-me-in":
        return 401, {"Code": "Unauthorized"}
    return 200, {"Code": "Success", **sts_credentials(1)}


def test_credentials_uri_with_authorization() -> None:
    with serving(uri_handler) as server:
        p = CredentialsUriProvider(f"{server.url}/creds?role=a b", authorization="Bearer let-me-in")
        got = p.get_credentials()
        assert got.access_key_id == "STS.NUCe0001" and got.provider == "credentials_uri"
        assert server.seen[0].query == {"role": "a b"}
        denied = CredentialsUriProvider(f"{server.url}/creds", retries=RetryPolicy(attempts=1))
        with pytest.raises(CredentialsFetchError) as info:
            asyncio.run(denied.get_credentials_async())
        assert info.value.status == 401


def test_credentials_uri_requires_success_and_all_fields() -> None:
    body = {"Code": "Success", **sts_credentials(1)}
    del body["SecurityToken"]
    with (
        serving(lambda seen: (200, body)) as server,
        pytest.raises(CredentialsFetchError, match="lacks SecurityToken"),
    ):
        CredentialsUriProvider(server.url).get_credentials()
    with (
        serving(lambda seen: (200, {"Code": "Failed"})) as server,
        pytest.raises(CredentialsFetchError, match="did not answer Success"),
    ):
        CredentialsUriProvider(server.url).get_credentials()


def test_plain_http_only_to_local_hosts() -> None:
    for ok in (
        "http://127.0.0.1:1/x",
        "http://localhost/x",
        "http://169.254.170.2/x",
        "https://creds.example.com/",
    ):
        assert check_uri(ok) == ok
    with pytest.raises(ValueError, match="loopback"):
        check_uri("http://creds.example.com/")
    assert check_uri("http://creds.example.com/", allow_insecure_http=True)
    with pytest.raises(ValueError):
        check_uri("file:///etc/passwd")
