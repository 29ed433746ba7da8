"""alibabacloud-credentials' own `ram_role_arn` provider against ossbox's STS over plain http
(a full `sts_endpoint` URL), from an AccessKey and from STS credentials (a chained session),
with a session policy containing spaces (the library signs those the quote_plus way)."""

from __future__ import annotations

from collections.abc import Iterator

import oss2
import pytest
from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

from tests.compat.sts_world import World, make_world, policy, root_client, rpc
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> Iterator[World]:
    world = make_world(live_server)
    # Role sessions may assume the role again (a chained session).
    attach = {"PolicyType": "System", "PolicyName": "AliyunSTSAssumeRoleAccess"}
    root = root_client(live_server)
    rpc(live_server, root, "AttachPolicyToRole", RoleName=world.role, **attach)
    yield world
    rpc(live_server, root, "DetachPolicyFromRole", RoleName=world.role, **attach)


def _bucket(world: World, provider: RamRoleArnCredentialsProvider, name: str) -> oss2.Bucket:
    creds = provider.get_credentials()
    auth = oss2.StsAuth(
        creds.get_access_key_id(),
        creds.get_access_key_secret(),
        creds.get_security_token(),
        auth_version="v4",
    )
    return oss2.Bucket(auth, world.server.endpoint, name, region=world.server.region)


def test_ram_role_arn_from_an_access_key_with_a_spaced_session_policy(world: World) -> None:
    session_policy = policy(
        {"Effect": "Allow", "Action": ["oss:PutObject", "oss:GetObject"], "Resource": ["*"]}
    )
    assert " " in session_policy
    provider = RamRoleArnCredentialsProvider(
        access_key_id=world.access_key_id,
        access_key_secret=world.access_key_secret,
        role_arn=world.role_arn,
        role_session_name="creds-lib",
        policy=session_policy,
        sts_endpoint=f"http://127.0.0.1:{world.server.port}",
    )
    bucket = _bucket(world, provider, world.bucket)
    bucket.put_object("from-creds-lib.txt", b"hi")
    assert bucket.get_object("from-creds-lib.txt").read() == b"hi"
    with pytest.raises(oss2.exceptions.AccessDenied):  # the session policy has no DeleteObject
        bucket.delete_object("from-creds-lib.txt")
    with pytest.raises(oss2.exceptions.AccessDenied):  # the role has no rights there
        _bucket(world, provider, world.other_bucket).put_object("x", b"x")


def test_ram_role_arn_from_sts_credentials_is_a_chained_session(world: World) -> None:
    first = world.assume(RoleSessionName="first-hop")
    provider = RamRoleArnCredentialsProvider(
        access_key_id=first["AccessKeyId"],
        access_key_secret=first["AccessKeySecret"],
        security_token=first["SecurityToken"],
        role_arn=world.role_arn,
        role_session_name="second-hop",
        sts_endpoint=f"http://127.0.0.1:{world.server.port}",
    )
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    assert creds.get_access_key_id() != first["AccessKeyId"]
    bucket = _bucket(world, provider, world.bucket)
    bucket.put_object("chained.txt", b"two hops")
    assert bucket.get_object("chained.txt").read() == b"two hops"


def test_ram_role_arn_refreshes_from_the_server(world: World) -> None:
    # 900 s sessions are inside the library's 15-minute refresh window: every call refreshes.
    provider = RamRoleArnCredentialsProvider(
        access_key_id=world.access_key_id,
        access_key_secret=world.access_key_secret,
        role_arn=world.role_arn,
        role_session_name="refresh",
        duration_seconds=900,
        sts_endpoint=f"http://127.0.0.1:{world.server.port}",
    )
    first, second = provider.get_credentials(), provider.get_credentials()
    assert first.get_access_key_id() != second.get_access_key_id()
    _bucket(world, provider, world.bucket).put_object("refreshed.txt", b"ok")
