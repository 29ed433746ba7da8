"""AssumeRole through the official clients against a live server: the seed's Step 5 sample
(sdk-core CommonRequest), alibabacloud-sts20150401 (ACS3 and v2 signatures), GetCallerIdentity
and chained sessions with the credentials, and every refusal with its exact code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import oss2
import pytest
from alibabacloud_sts20150401 import models as sts_models
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi import models as open_api_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from Tea.exceptions import TeaException

from tests.compat.sts_world import World, expiration, make_world, root_client, rpc, sts_client
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    return make_world(live_server)


def seed_policy(bucket: str) -> str:
    # The seed's policy_text, spaces included, for our bucket.
    return (
        '{"Version": "1", "Statement": [{"Action": ["oss:PutObject","oss:GetObject"], '
        f'"Effect": "Allow", "Resource": ["acs:oss:*:*:{bucket}/*"]}}]}}'
    )


def server_error(call: object) -> ServerException:
    with pytest.raises(ServerException) as caught:
        call()  # type: ignore[operator]
    return caught.value


# --- getting credentials -------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_seed_step5_common_request(world: World, method: str) -> None:
    """The seed's sample, with only the endpoint (and http) changed."""
    clt = AcsClient(world.access_key_id, world.access_key_secret, "cn-hangzhou")
    request = CommonRequest(product="Sts", version="2015-04-01", action_name="AssumeRole")
    request.set_method(method)
    request.set_protocol_type("http")
    request.set_domain(f"127.0.0.1:{world.server.port}")
    request.add_query_param("RoleArn", world.role_arn)
    request.add_query_param("RoleSessionName", "sessiontest")
    request.add_query_param("DurationSeconds", "3000")
    request.add_query_param("Policy", seed_policy(world.bucket))
    request.set_accept_format("JSON")
    before = datetime.now(UTC).replace(microsecond=0)
    token = json.loads(oss2.to_unicode(clt.do_action_with_exception(request)))
    creds = token["Credentials"]
    assert creds["AccessKeyId"].startswith("STS.")
    assert creds["AccessKeySecret"] and creds["SecurityToken"]
    assert before + timedelta(seconds=3000) <= expiration(creds)
    assert expiration(creds) <= datetime.now(UTC) + timedelta(seconds=3000)
    assert token["AssumedRoleUser"] == {
        "Arn": f"{world.role_arn}/sessiontest",
        "AssumedRoleId": f"{world.role_id}:sessiontest",
    }
    assert token["RequestId"] and token["SourceIdentity"] == ""


def sts20150401(world: World, algorithm: str | None, token: str | None = None) -> StsClient:
    config = open_api_models.Config(
        access_key_id=world.access_key_id,
        access_key_secret=world.access_key_secret,
        endpoint=f"127.0.0.1:{world.server.port}",
        protocol="http",
    )
    if algorithm is not None:
        config.signature_algorithm = algorithm
    return StsClient(config)


@pytest.mark.parametrize("algorithm", [None, "v2"])  # None: ACS3-HMAC-SHA256, the default
def test_sts20150401_client(world: World, algorithm: str | None) -> None:
    request = sts_models.AssumeRoleRequest(
        role_arn=world.role_arn,
        role_session_name="tea-client",
        duration_seconds=900,
        policy=seed_policy(world.bucket),
    )
    body = sts20150401(world, algorithm).assume_role(request).body
    assert body.credentials.access_key_id.startswith("STS.")
    assert body.assumed_role_user.assumed_role_id == f"{world.role_id}:tea-client"
    lifetime = expiration({"Expiration": body.credentials.expiration}) - datetime.now(UTC)
    assert timedelta(seconds=880) < lifetime <= timedelta(seconds=900)


def test_get_caller_identity_with_sts_credentials(world: World) -> None:
    creds = world.assume(RoleSessionName="who-am-i")
    body = rpc(world.server, sts_client(world.server, creds), "GetCallerIdentity", product="Sts")
    account = world.server.account_id
    assert body["IdentityType"] == "AssumedRoleUser"
    assert body["Arn"] == f"acs:ram::{account}:assumed-role/{world.role}/who-am-i"
    assert body["PrincipalId"] == f"{world.role_id}:who-am-i"
    assert body["RoleId"] == world.role_id
    assert body["AccountId"] == account


def test_chained_session_through_sts20150401_with_a_security_token(world: World) -> None:
    root = root_client(world.server)
    rpc(
        world.server,
        root,
        "AttachPolicyToRole",
        PolicyType="System",
        PolicyName="AliyunSTSAssumeRoleAccess",
        RoleName=world.role,
    )
    try:
        creds = world.assume(RoleSessionName="first-hop")
        config = open_api_models.Config(
            access_key_id=creds["AccessKeyId"],
            access_key_secret=creds["AccessKeySecret"],
            security_token=creds["SecurityToken"],
            endpoint=f"127.0.0.1:{world.server.port}",
            protocol="http",
        )
        request = sts_models.AssumeRoleRequest(
            role_arn=world.role_arn, role_session_name="second-hop", duration_seconds=3600
        )
        body = StsClient(config).assume_role(request).body
        assert body.assumed_role_user.arn == f"{world.role_arn}/second-hop"
        with pytest.raises(TeaException) as caught:
            StsClient(config).assume_role(
                sts_models.AssumeRoleRequest(
                    role_arn=world.role_arn, role_session_name="x2", duration_seconds=3601
                )
            )
        assert caught.value.code == "InvalidParameter.DurationSeconds"
    finally:
        rpc(
            world.server,
            root,
            "DetachPolicyFromRole",
            PolicyType="System",
            PolicyName="AliyunSTSAssumeRoleAccess",
            RoleName=world.role,
        )


# --- refusals ----------------------------------------------------------------------------------


def test_root_may_not_assume_roles(world: World) -> None:
    err = server_error(
        lambda: rpc(
            world.server,
            root_client(world.server),
            "AssumeRole",
            product="Sts",
            RoleArn=world.role_arn,
            RoleSessionName="root",
        )
    )
    assert (err.http_status, err.error_code) == (403, "NoPermission")
    assert err.get_error_msg() == "Roles may not be assumed by root accounts."


def test_untrusted_principal(world: World) -> None:
    name = f"{world.role}-bob"
    trust = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{world.server.account_id}:user/bob"]},
                }
            ],
        }
    )
    created = rpc(
        world.server,
        root_client(world.server),
        "CreateRole",
        RoleName=name,
        AssumeRolePolicyDocument=trust,
    )
    err = server_error(lambda: world.assume(RoleArn=created["Role"]["Arn"]))
    assert (err.http_status, err.error_code) == (403, "NoPermission")
    assert err.get_error_msg() == (
        "You are not authorized to do this action. You should be authorized by RAM."
    )


def test_external_id_mismatch(world: World) -> None:
    name = f"{world.role}-ext"
    trust = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{world.server.account_id}:root"]},
                    "Condition": {"StringEquals": {"sts:ExternalId": "partner-42"}},
                }
            ],
        }
    )
    root = root_client(world.server)
    arn = rpc(world.server, root, "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust)[
        "Role"
    ]["Arn"]
    assert server_error(lambda: world.assume(RoleArn=arn)).error_code == "NoPermission"
    err = server_error(lambda: world.assume(RoleArn=arn, ExternalId="partner-43"))
    assert err.error_code == "NoPermission"
    assert world.assume(RoleArn=arn, ExternalId="partner-42")["AccessKeyId"].startswith("STS.")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"RoleArn": "acs:ram::1:role/"}, 400, "InvalidParameter.RoleArn"),
        ({"RoleSessionName": "x"}, 400, "InvalidParameter.RoleSessionName"),
        ({"DurationSeconds": "899"}, 400, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "3601"}, 400, "InvalidParameter.DurationSeconds"),
        ({"Policy": '{"Version":"1"}'}, 400, "InvalidParameter.PolicyGrammar"),
        ({"Policy": " " * 2049}, 400, "InvalidParameter.PolicySize"),
        ({"RoleArn": "acs:ram::1234567890123456:role/NoSuchRole"}, 404, "EntityNotExist.Role"),
    ],
)
def test_parameter_and_role_errors(
    world: World, params: dict[str, str], status: int, code: str
) -> None:
    err = server_error(lambda: world.assume(**params))
    assert (err.http_status, err.error_code) == (status, code)


def test_sts_key_without_token_is_missing_security_token(world: World) -> None:
    creds = world.assume()
    client = AcsClient(creds["AccessKeyId"], creds["AccessKeySecret"], world.server.region)
    err = server_error(lambda: rpc(world.server, client, "GetCallerIdentity", product="Sts"))
    assert (err.http_status, err.error_code) == (400, "MissingSecurityToken")


def test_expired_and_foreign_tokens_on_rpc(world: World) -> None:
    expired = world.mint(issued=datetime.now(UTC) - timedelta(hours=2), lifetime=timedelta(hours=1))
    client = sts_client(world.server, expired)
    err = server_error(lambda: rpc(world.server, client, "GetCallerIdentity", product="Sts"))
    assert (err.http_status, err.error_code) == (400, "InvalidSecurityToken.Expired")
    live = world.assume()
    mixed = {**live, "SecurityToken": world.assume()["SecurityToken"]}
    err = server_error(
        lambda: rpc(
            world.server, sts_client(world.server, mixed), "GetCallerIdentity", product="Sts"
        )
    )
    assert err.error_code == "InvalidSecurityToken.MismatchWithAccessKey"
    bad = {**live, "SecurityToken": live["SecurityToken"][:-2]}
    err = server_error(
        lambda: rpc(world.server, sts_client(world.server, bad), "GetCallerIdentity", product="Sts")
    )
    assert err.error_code == "InvalidSecurityToken.Malformed"


def _role_trusting_the_account(world: World, name: str) -> str:
    """A new role any identity of the account may assume; its ARN."""
    trust = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"RAM": [f"acs:ram::{world.server.account_id}:root"]},
                }
            ],
        }
    )
    root = root_client(world.server)
    created = rpc(world.server, root, "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust)
    arn: str = created["Role"]["Arn"]
    return arn


def test_revoked_sessions_through_the_cli(world: World) -> None:
    name = f"{world.role}-rev"
    arn = _role_trusting_the_account(world, name)
    creds = world.assume(RoleArn=arn)
    client = sts_client(world.server, creds)
    assert rpc(world.server, client, "GetCallerIdentity", product="Sts")["RoleId"]
    cli = [sys.executable, "-m", "ossbox.cli.main", "sts", "revoke-sessions"]
    subprocess.run(
        [*cli, "--data", str(world.server.data_dir), "--role", name],
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 5
    while True:
        try:
            rpc(world.server, client, "GetCallerIdentity", product="Sts")
        except ServerException as err:
            assert err.error_code == "InvalidSecurityToken.Malformed"
            break
        assert time.monotonic() < deadline, "revocation did not reach the server"
        time.sleep(0.2)
    fresh = sts_client(world.server, world.assume(RoleArn=arn))
    # a session issued after the cutoff works
    assert rpc(world.server, fresh, "GetCallerIdentity", product="Sts")["RoleId"]


def test_revoked_sessions_through_the_ram_api(world: World) -> None:
    name = f"{world.role}-api"
    arn = _role_trusting_the_account(world, name)
    root = root_client(world.server)
    client = sts_client(world.server, world.assume(RoleArn=arn))
    assert rpc(world.server, client, "GetCallerIdentity", product="Sts")["RoleId"]
    # a RAM user without ram:RevokeRoleSessions cannot cut the role's sessions off
    user = world.user_client()
    err = server_error(lambda: rpc(world.server, user, "RevokeRoleSessions", RoleName=name))
    assert err.error_code == "NoPermission"
    answer = rpc(world.server, root, "RevokeRoleSessions", RoleName=name)
    assert answer["RoleName"] == name and answer["RevokedBefore"].endswith("Z")
    err = server_error(lambda: rpc(world.server, client, "GetCallerIdentity", product="Sts"))
    assert err.error_code == "InvalidSecurityToken.Malformed"  # same process: applies at once
    missing = server_error(lambda: rpc(world.server, root, "RevokeRoleSessions", RoleName="nope"))
    assert missing.error_code == "EntityNotExist.Role"
