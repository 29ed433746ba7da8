"""Authentication with STS credentials, at the unit level with an explicit clock: the OSS front
door (header and URL signatures, V1 and V4) and the RPC front door, every refusal's exact code,
revocation, and a signed URL that dies with its session."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ossbox.server import auth as oss_auth
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.rpc.dispatch import handle_rpc
from ossbox.server.sts import revocation
from ossbox.server.sts.credentials import (
    StsFailure,
    StsKeyError,
    oss_error,
    resolve_sts_key,
    rpc_error,
)
from ossbox.server.sts.tokens import RoleSession, StsCredentials, issue
from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.http import HttpRequest
from ossbox.signing.rpc import sign_rpc
from ossbox.store import Store, open_store
from ossbox.store.crypto import MasterKey

ACCOUNT = "1234567890123456"
REGION = "cn-hangzhou"
T0 = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
LIFETIME = timedelta(seconds=1200)  # the seed's example: 1,200 s credentials, 3,600 s URL


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("sts-auth"))
    yield store
    store.close()


@pytest.fixture(autouse=True)
def fresh_revocations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(revocation, "REFRESH_SECONDS", 0.0)


def make_session(role: str = "RamOssTest", issued: datetime = T0) -> RoleSession:
    return RoleSession(
        account_id=ACCOUNT,
        role_name=role,
        role_id="300000000000000001",
        session_name="alice",
        caller_arn=f"acs:ram::{ACCOUNT}:user/alice",
        policy=None,
        issued_at=issued,
        expires_at=issued + LIFETIME,
    )


@pytest.fixture
def creds(store: Store) -> StsCredentials:
    return issue(store.master_key, make_session())


def context(store: Store, http: HttpRequest, now: datetime, body: bytes = b"") -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    return RequestContext(
        request_id="0" * 24,
        http=http,
        receive=receive,
        config=ServerConfig(data_dir=Path("unused"), region=REGION),
        store=store,
        now=now,
        host="127.0.0.1:9000",
        bucket="bkt",
        key="obj",
    )


def v1_header_request(
    creds: StsCredentials, signed_at: datetime, token: str | None = None, secret: str = ""
) -> HttpRequest:
    headers = oss_v1.sign_v1_header(
        method="GET",
        bucket="bkt",
        key="obj",
        access_key_id=creds.access_key_id,
        access_key_secret=secret or creds.secret,
        security_token=creds.token if token is None else token,
        now=signed_at,
    )
    return HttpRequest("GET", "/bkt/obj", list(headers.items()))


def v4_header_request(creds: StsCredentials, signed_at: datetime) -> HttpRequest:
    headers = oss_v4.sign_v4_header(
        method="GET",
        bucket="bkt",
        key="obj",
        headers={"x-oss-content-sha256": "UNSIGNED-PAYLOAD"},
        access_key_id=creds.access_key_id,
        access_key_secret=creds.secret,
        security_token=creds.token,
        region=REGION,
        now=signed_at,
    )
    return HttpRequest("GET", "/bkt/obj", list(headers.items()))


def v1_url(creds: StsCredentials, expires_at: datetime) -> HttpRequest:
    pairs = oss_v1.presign_v1(
        method="GET",
        bucket="bkt",
        key="obj",
        access_key_id=creds.access_key_id,
        access_key_secret=creds.secret,
        security_token=creds.token,
        expires_at=int(expires_at.timestamp()),
    )
    return HttpRequest("GET", "/bkt/obj?" + urlencode(pairs))


def v4_url(creds: StsCredentials, signed_at: datetime, expires: int) -> HttpRequest:
    pairs = oss_v4.presign_v4(
        method="GET",
        bucket="bkt",
        key="obj",
        access_key_id=creds.access_key_id,
        access_key_secret=creds.secret,
        security_token=creds.token,
        region=REGION,
        expires=expires,
        now=signed_at,
    )
    return HttpRequest("GET", "/bkt/obj?" + urlencode(pairs))


def authenticate(store: Store, http: HttpRequest, now: datetime) -> oss_auth.Principal:
    return asyncio.run(oss_auth.authenticate(context(store, http, now)))


def refused(store: Store, http: HttpRequest, now: datetime) -> OssError:
    with pytest.raises(OssError) as caught:
        authenticate(store, http, now)
    assert caught.value.status == 403
    return caught.value


# --- OSS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", [v1_header_request, v4_header_request])
def test_header_signed_request_is_the_role_session(
    store: Store, creds: StsCredentials, build: Any
) -> None:
    now = T0 + timedelta(seconds=60)
    principal = authenticate(store, build(creds, now), now)
    assert principal.kind == "assumed-role"
    assert principal.session == creds.session
    assert principal.name == "RamOssTest"
    assert principal.account_id == ACCOUNT
    assert principal.access_key_id == creds.access_key_id
    assert principal.arn == f"acs:ram::{ACCOUNT}:assumed-role/RamOssTest/alice"


def test_oss_v2_v1_unsigned_security_token_header_is_accepted(
    store: Store, creds: StsCredentials
) -> None:
    # alibabacloud-oss-v2 with V1 sends the token as an unsigned `security-token` header.
    now = T0 + timedelta(seconds=60)
    headers = oss_v1.sign_v1_header(
        method="GET",
        bucket="bkt",
        key="obj",
        access_key_id=creds.access_key_id,
        access_key_secret=creds.secret,
        now=now,
    )
    http = HttpRequest("GET", "/bkt/obj", [*headers.items(), ("security-token", creds.token)])
    assert authenticate(store, http, now).session == creds.session


def test_expired_session_is_security_token_expired(store: Store, creds: StsCredentials) -> None:
    now = T0 + LIFETIME
    err = refused(store, v1_header_request(creds, now), now)
    assert (err.code, err.message) == (
        "SecurityTokenExpired",
        "The security token you provided has expired.",
    )


def test_sts_key_without_token_is_an_unknown_access_key(
    store: Store, creds: StsCredentials
) -> None:
    now = T0 + timedelta(seconds=60)
    err = refused(store, v1_header_request(creds, now, token=""), now)
    assert (err.code, err.message) == (
        "InvalidAccessKeyId",
        "The OSS Access Key Id you provided does not exist in our records.",
    )
    assert err.extra["OSSAccessKeyId"] == creds.access_key_id


def test_token_of_another_session_does_not_match(store: Store, creds: StsCredentials) -> None:
    now = T0 + timedelta(seconds=60)
    other = issue(store.master_key, make_session())
    err = refused(store, v1_header_request(creds, now, token=other.token), now)
    assert (err.code, err.message) == (
        "AccessKeyIdAndSecurityTokenNotMatch",
        "The OSS access key id and security token you provided does not match.",
    )


@pytest.mark.parametrize(
    "spoil", [lambda t: t[:-1], lambda t: t[:10], lambda t: "B" + t[1:], lambda t: t + "A"]
)
def test_tampered_or_truncated_token_is_invalid(
    store: Store, creds: StsCredentials, spoil: Any
) -> None:
    now = T0 + timedelta(seconds=60)
    token = spoil(creds.token)
    assert token != creds.token
    err = refused(store, v1_header_request(creds, now, token=token), now)
    assert (err.code, err.message) == (
        "InvalidSecurityToken",
        "The security token you provided is invalid.",
    )


def test_token_of_another_master_key_is_invalid(store: Store) -> None:
    foreign = issue(MasterKey.generate(), make_session())
    now = T0 + timedelta(seconds=60)
    assert refused(store, v1_header_request(foreign, now), now).code == "InvalidSecurityToken"


def test_wrong_secret_is_signature_does_not_match(store: Store, creds: StsCredentials) -> None:
    now = T0 + timedelta(seconds=60)
    err = refused(store, v1_header_request(creds, now, secret="not-the-secret"), now)
    assert err.code == "SignatureDoesNotMatch"
    assert creds.secret not in err.to_xml("r", "h").decode()
    assert creds.token not in err.to_xml("r", "h").decode()


def test_token_errors_say_nothing_secret(store: Store, creds: StsCredentials) -> None:
    now = T0 + LIFETIME
    body = refused(store, v1_header_request(creds, now), now).to_xml("r", "h").decode()
    assert creds.token not in body and creds.secret not in body


def test_signed_url_dies_with_the_session_v1(store: Store, creds: StsCredentials) -> None:
    url = v1_url(creds, T0 + timedelta(seconds=3600))  # the URL itself is valid for 3,600 s
    assert authenticate(store, url, T0 + timedelta(seconds=1199)).session == creds.session
    err = refused(store, url, T0 + timedelta(seconds=1200))
    assert err.code == "SecurityTokenExpired"


def test_signed_url_dies_with_the_session_v4(store: Store, creds: StsCredentials) -> None:
    url = v4_url(creds, T0, expires=3600)
    assert authenticate(store, url, T0 + timedelta(seconds=600)).kind == "assumed-role"
    assert refused(store, url, T0 + timedelta(seconds=1500)).code == "SecurityTokenExpired"


def test_signed_url_shorter_than_the_session_expires_as_a_url(
    store: Store, creds: StsCredentials
) -> None:
    url = v1_url(creds, T0 + timedelta(seconds=300))
    err = refused(store, url, T0 + timedelta(seconds=301))
    assert (err.code, err.message) == ("AccessDenied", "Request has expired.")


# --- revocation ------------------------------------------------------------------------------


def test_revoked_sessions_are_invalid_and_later_ones_are_not(store: Store) -> None:
    role = "Revocable"
    old = issue(store.master_key, make_session(role, issued=T0))
    new = issue(store.master_key, make_session(role, issued=T0 + timedelta(seconds=30)))
    now = T0 + timedelta(seconds=60)
    assert authenticate(store, v1_header_request(old, now), now).kind == "assumed-role"
    store.meta.revoke_role_sessions(ACCOUNT, role, T0 + timedelta(seconds=10))
    assert refused(store, v1_header_request(old, now), now).code == "InvalidSecurityToken"
    assert authenticate(store, v1_header_request(new, now), now).session == new.session


def test_revocation_names_the_role_in_any_case(store: Store) -> None:
    creds = issue(store.master_key, make_session("MixedCase", issued=T0))
    store.meta.revoke_role_sessions(ACCOUNT, "mixedCASE", T0 + timedelta(seconds=1))
    now = T0 + timedelta(seconds=5)
    assert refused(store, v1_header_request(creds, now), now).code == "InvalidSecurityToken"


def test_revocation_cutoff_never_moves_back(store: Store) -> None:
    later = T0 + timedelta(hours=1)
    assert store.meta.revoke_role_sessions(ACCOUNT, "Monotonic", later) == later
    assert store.meta.revoke_role_sessions(ACCOUNT, "Monotonic", T0) == later
    assert store.meta.role_session_revocations()[(ACCOUNT, "Monotonic")] == later


def test_revocation_is_per_role_and_account(store: Store) -> None:
    store.meta.revoke_role_sessions("999", "Shared", T0 + timedelta(days=1))
    store.meta.revoke_role_sessions(ACCOUNT, "Other", T0 + timedelta(days=1))
    creds = issue(store.master_key, make_session("Shared"))
    now = T0 + timedelta(seconds=5)
    assert authenticate(store, v1_header_request(creds, now), now).kind == "assumed-role"


def test_revocation_reaches_a_process_within_the_refresh_interval(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revocation, "REFRESH_SECONDS", 3600.0)
    session = make_session("Cached")
    assert not revocation.is_revoked(store.meta, session)  # cached: no cutoff
    store.meta.revoke_role_sessions(ACCOUNT, "Cached", T0 + timedelta(seconds=1))
    assert not revocation.is_revoked(store.meta, session)  # not yet re-read
    monkeypatch.setattr(revocation, "REFRESH_SECONDS", 0.0)
    assert revocation.is_revoked(store.meta, session)


# --- resolution and error maps -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "oss", "rpc"),
    [
        (StsFailure.MISSING_TOKEN, "InvalidAccessKeyId", "MissingSecurityToken"),
        (StsFailure.INVALID, "InvalidSecurityToken", "InvalidSecurityToken.Malformed"),
        (
            StsFailure.MISMATCH,
            "AccessKeyIdAndSecurityTokenNotMatch",
            "InvalidSecurityToken.MismatchWithAccessKey",
        ),
        (StsFailure.EXPIRED, "SecurityTokenExpired", "InvalidSecurityToken.Expired"),
        (StsFailure.REVOKED, "InvalidSecurityToken", "InvalidSecurityToken.Malformed"),
    ],
)
def test_each_failure_has_its_oss_and_pop_code(failure: StsFailure, oss: str, rpc: str) -> None:
    assert oss_error(StsKeyError(failure), "STS.x").code == oss
    assert (rpc_error(StsKeyError(failure)).status, rpc_error(StsKeyError(failure)).code) == (
        400,
        rpc,
    )


def test_resolution_checks_in_order(store: Store, creds: StsCredentials) -> None:
    def failure(access_key_id: str, token: str | None, now: datetime) -> StsFailure:
        with pytest.raises(StsKeyError) as caught:
            resolve_sts_key(store, access_key_id, token, now)
        return caught.value.failure

    late = T0 + timedelta(days=1)
    assert failure(creds.access_key_id, None, T0) is StsFailure.MISSING_TOKEN
    assert failure(creds.access_key_id, "junk", T0) is StsFailure.INVALID
    assert failure("STS.other", creds.token, late) is StsFailure.MISMATCH
    assert failure(creds.access_key_id, creds.token, late) is StsFailure.EXPIRED
    resolved = resolve_sts_key(store, creds.access_key_id, creds.token, T0)
    assert resolved == creds


# --- RPC ---------------------------------------------------------------------------------------


def rpc_call(
    store: Store, creds: StsCredentials, now: datetime, *, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    params = sign_rpc(
        "GET",
        {"Action": "GetCallerIdentity", "Version": "2015-04-01", "Format": "JSON"},
        access_key_id=creds.access_key_id,
        access_key_secret=creds.secret,
        security_token=creds.token if token is None else token,
        now=now,
        nonce=uuid.uuid4().hex,
    )
    http = HttpRequest("GET", "/?" + urlencode(params), [("host", "127.0.0.1:9000")])
    response = asyncio.run(handle_rpc(context(store, http, now)))
    return response.status, json.loads(response.body)


def test_get_caller_identity_of_a_role_session(store: Store, creds: StsCredentials) -> None:
    status, body = rpc_call(store, creds, T0 + timedelta(seconds=5))
    assert status == 200
    assert body["IdentityType"] == "AssumedRoleUser"
    assert body["Arn"] == f"acs:ram::{ACCOUNT}:assumed-role/RamOssTest/alice"
    assert body["PrincipalId"] == "300000000000000001:alice"
    assert body["RoleId"] == "300000000000000001"
    assert body["AccountId"] == ACCOUNT


@pytest.mark.parametrize(
    ("token", "offset", "code"),
    [
        ("", 5, "MissingSecurityToken"),
        ("garbage", 5, "InvalidSecurityToken.Malformed"),
        (None, 1200, "InvalidSecurityToken.Expired"),
    ],
)
def test_rpc_refusals(
    store: Store, creds: StsCredentials, token: str | None, offset: int, code: str
) -> None:
    status, body = rpc_call(store, creds, T0 + timedelta(seconds=offset), token=token)
    assert (status, body["Code"]) == (400, code)


def test_rpc_token_of_another_session(store: Store, creds: StsCredentials) -> None:
    other = issue(store.master_key, make_session())
    status, body = rpc_call(store, creds, T0 + timedelta(seconds=5), token=other.token)
    assert (status, body["Code"]) == (400, "InvalidSecurityToken.MismatchWithAccessKey")
