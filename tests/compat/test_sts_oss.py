"""OSS with STS credentials through the official clients: oss2 StsAuth (V1, V4) and
ProviderAuthV4, alibabacloud-oss-v2 with a token (V4, V1). Each may do exactly what the role's
policies and the session policy both allow; signed URLs die with the session; tampered,
foreign, expired and token-less credentials get the exact OSS codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import alibabacloud_oss_v2 as oss_v2
import httpx
import oss2
import pytest
from oss2.credentials import StaticCredentialsProvider

from tests.compat.sts_world import World, allow, make_world, policy
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    world = make_world(live_server)
    root = oss2.AuthV4(live_server.access_key_id, live_server.access_key_secret)
    for name in (world.bucket, world.other_bucket):
        bucket = oss2.Bucket(root, live_server.endpoint, name, region=live_server.region)
        for key in ("allowed/seed.txt", "outside/seed.txt", "secret/seed.txt"):
            bucket.put_object(key, b"seed")
    return world


@dataclass
class Ops:
    """put/get/delete through one client; each returns None or the OSS error code."""

    put: Callable[[str, str, bytes], str | None]
    get: Callable[[str, str], bytes | str]
    delete: Callable[[str, str], str | None]


def _oss2_code(call: Callable[[], object]) -> object:
    try:
        return call()
    except oss2.exceptions.ServerError as err:
        return str(err.code)


def oss2_ops(world: World, auth: oss2.Auth) -> Ops:
    server = world.server

    def bucket(name: str) -> oss2.Bucket:
        return oss2.Bucket(auth, server.endpoint, name, region=server.region)

    def put(name: str, key: str, data: bytes) -> str | None:
        result = _oss2_code(lambda: bucket(name).put_object(key, data))
        return result if isinstance(result, str) else None

    def get(name: str, key: str) -> bytes | str:
        result = _oss2_code(lambda: bucket(name).get_object(key).read())
        assert isinstance(result, bytes | str)
        return result

    def delete(name: str, key: str) -> str | None:
        result = _oss2_code(lambda: bucket(name).delete_object(key))
        return result if isinstance(result, str) else None

    return Ops(put, get, delete)


def _v2_code(call: Callable[[], object]) -> object:
    try:
        return call()
    except oss_v2.exceptions.OperationError as err:
        inner = err.unwrap()
        assert isinstance(inner, oss_v2.exceptions.ServiceError), inner
        return str(inner.code)


def ossv2_ops(world: World, creds: dict[str, str], version: str) -> Ops:
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"]
    )
    cfg.region = world.server.region
    cfg.endpoint = world.server.endpoint
    cfg.signature_version = version
    cfg.use_path_style = True
    cfg.retry_max_attempts = 1
    client = oss_v2.Client(cfg)

    def put(name: str, key: str, data: bytes) -> str | None:
        result = _v2_code(
            lambda: client.put_object(oss_v2.PutObjectRequest(bucket=name, key=key, body=data))
        )
        return result if isinstance(result, str) else None

    def get(name: str, key: str) -> bytes | str:
        result = _v2_code(
            lambda: client.get_object(oss_v2.GetObjectRequest(bucket=name, key=key)).body.read()
        )
        assert isinstance(result, bytes | str)
        return result

    def delete(name: str, key: str) -> str | None:
        result = _v2_code(
            lambda: client.delete_object(oss_v2.DeleteObjectRequest(bucket=name, key=key))
        )
        return result if isinstance(result, str) else None

    return Ops(put, get, delete)


CLIENTS: dict[str, Callable[[World, dict[str, str]], Ops]] = {
    "oss2-StsAuth-v1": lambda w, c: oss2_ops(
        w, oss2.StsAuth(c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"])
    ),
    "oss2-StsAuth-v4": lambda w, c: oss2_ops(
        w,
        oss2.StsAuth(c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"], auth_version="v4"),
    ),
    "oss2-ProviderAuthV4": lambda w, c: oss2_ops(
        w,
        oss2.ProviderAuthV4(
            StaticCredentialsProvider(c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"])
        ),
    ),
    "oss-v2-v4": lambda w, c: ossv2_ops(w, c, "v4"),
    "oss-v2-v1": lambda w, c: ossv2_ops(w, c, "v1"),
}


@pytest.fixture(params=list(CLIENTS))
def client(request: pytest.FixtureRequest) -> Callable[[World, dict[str, str]], Ops]:
    return CLIENTS[request.param]


# --- role ∩ session policy -----------------------------------------------------------------------


def test_role_and_session_policy_intersect(
    world: World, client: Callable[[World, dict[str, str]], Ops]
) -> None:
    # The session allows everything under allowed/ in both buckets; the role allows its bucket.
    session = policy(
        allow(["oss:*"], [f"acs:oss:*:*:{world.bucket}/allowed/*"]),
        allow(["oss:*"], [f"acs:oss:*:*:{world.other_bucket}/allowed/*"]),
    )
    ops = client(world, world.assume(Policy=session, DurationSeconds="900"))
    assert ops.put(world.bucket, "allowed/new.txt", b"hello world") is None
    assert ops.get(world.bucket, "allowed/new.txt") == b"hello world"
    assert ops.delete(world.bucket, "allowed/new.txt") is None
    # the role allows these, the session does not
    assert ops.put(world.bucket, "outside/new.txt", b"x") == "AccessDenied"
    assert ops.get(world.bucket, "outside/seed.txt") == "AccessDenied"
    # the session allows these, the role does not
    assert ops.put(world.other_bucket, "allowed/new.txt", b"x") == "AccessDenied"
    assert ops.get(world.other_bucket, "allowed/seed.txt") == "AccessDenied"


def test_without_session_policy_the_role_decides(world: World) -> None:
    ops = CLIENTS["oss2-StsAuth-v4"](world, world.assume())
    assert ops.put(world.bucket, "outside/by-role.txt", b"r") is None
    assert ops.get(world.bucket, "outside/by-role.txt") == b"r"
    assert ops.get(world.other_bucket, "allowed/seed.txt") == "AccessDenied"


def test_explicit_deny_in_the_session_policy_wins(world: World) -> None:
    session = policy(
        allow(["oss:*"], [f"acs:oss:*:*:{world.bucket}/*"]),
        {
            "Effect": "Deny",
            "Action": "oss:GetObject",
            "Resource": f"acs:oss:*:*:{world.bucket}/secret/*",
        },
    )
    ops = CLIENTS["oss-v2-v4"](world, world.assume(Policy=session))
    assert ops.get(world.bucket, "allowed/seed.txt") == b"seed"
    assert ops.get(world.bucket, "secret/seed.txt") == "AccessDenied"


def test_session_denial_message(world: World) -> None:
    session = policy(allow(["oss:GetObject"], [f"acs:oss:*:*:{world.bucket}/allowed/*"]))
    creds = world.assume(Policy=session)
    auth = oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket)
    with pytest.raises(oss2.exceptions.AccessDenied) as caught:
        bucket.get_object("outside/seed.txt")
    assert caught.value.status == 403
    assert caught.value.message == "Access denied by authorizer's policy."


# --- signed URLs -------------------------------------------------------------------------------


def test_signed_url_from_sts_credentials_works_within_the_session(world: World) -> None:
    creds = world.assume(DurationSeconds="1200")
    auth = oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket)
    url = bucket.sign_url("GET", "allowed/seed.txt", 3600, slash_safe=True)
    response = httpx.get(url)
    assert (response.status_code, response.content) == (200, b"seed")


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_signed_url_dies_with_the_session(world: World, version: str) -> None:
    # Credentials of 1,200 s issued 1,300 s ago; the URL itself is valid for 3,600 s more.
    creds = world.mint(
        issued=datetime.now(UTC) - timedelta(seconds=1300), lifetime=timedelta(seconds=1200)
    )
    auth = oss2.StsAuth(
        creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"], auth_version=version
    )
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket, region=world.server.region)
    response = httpx.get(bucket.sign_url("GET", "allowed/seed.txt", 3600, slash_safe=True))
    assert response.status_code == 403
    assert b"<Code>SecurityTokenExpired</Code>" in response.content
    assert b"The security token you provided has expired." in response.content


def test_oss_v2_presigned_url_dies_with_the_session(world: World) -> None:
    creds = world.mint(
        issued=datetime.now(UTC) - timedelta(seconds=1300), lifetime=timedelta(seconds=1200)
    )
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"]
    )
    cfg.region, cfg.endpoint, cfg.use_path_style = world.server.region, world.server.endpoint, True
    presigned = oss_v2.Client(cfg).presign(
        oss_v2.GetObjectRequest(bucket=world.bucket, key="allowed/seed.txt"),
        expires=timedelta(seconds=3600),
    )
    response = httpx.get(presigned.url)
    assert response.status_code == 403
    assert b"<Code>SecurityTokenExpired</Code>" in response.content


# --- refused credentials ------------------------------------------------------------------


def oss2_error(world: World, auth: oss2.Auth) -> oss2.exceptions.ServerError:
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket, region=world.server.region)
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.get_object("allowed/seed.txt")
    return caught.value


def test_expired_session(world: World) -> None:
    creds = world.mint(issued=datetime.now(UTC) - timedelta(hours=2), lifetime=timedelta(hours=1))
    err = oss2_error(
        world, oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    )
    assert (err.status, err.code) == (403, "SecurityTokenExpired")
    assert err.message == "The security token you provided has expired."


def test_tampered_token(world: World) -> None:
    creds = world.assume()
    token = creds["SecurityToken"]
    tampered = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    err = oss2_error(world, oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], tampered))
    assert (err.status, err.code) == (403, "InvalidSecurityToken")
    assert err.message == "The security token you provided is invalid."


def test_token_of_another_session(world: World) -> None:
    first, second = world.assume(), world.assume()
    auth = oss2.StsAuth(first["AccessKeyId"], first["AccessKeySecret"], second["SecurityToken"])
    err = oss2_error(world, auth)
    assert (err.status, err.code) == (403, "AccessKeyIdAndSecurityTokenNotMatch")
    assert err.message == "The OSS access key id and security token you provided does not match."


def test_sts_access_key_without_token(world: World) -> None:
    creds = world.assume()
    err = oss2_error(world, oss2.AuthV4(creds["AccessKeyId"], creds["AccessKeySecret"]))
    assert (err.status, err.code) == (403, "InvalidAccessKeyId")
    assert err.message == "The OSS Access Key Id you provided does not exist in our records."


def test_error_bodies_do_not_echo_the_token(world: World) -> None:
    creds = world.assume()
    auth = oss2.StsAuth(creds["AccessKeyId"], "wrong-secret", creds["SecurityToken"])
    err = oss2_error(world, auth)
    assert err.code == "SignatureDoesNotMatch"
    assert creds["SecurityToken"] not in json.dumps(err.details)
