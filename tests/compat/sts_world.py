"""A RAM world for the STS compat tests, built through the RAM API with sdk-core as a user would:
a RAM user with an AccessKey and AliyunSTSAssumeRoleAccess, a role its account trusts with a
custom policy on one bucket, and a second bucket the role may not touch.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import oss2
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from ossbox.server.sts.tokens import RoleSession, issue
from ossbox.store.crypto import MasterKey
from tests.conftest import LiveServer


def rpc(
    server: LiveServer,
    client: AcsClient,
    action: str,
    *,
    product: str = "Ram",
    method: str = "GET",
    **params: str,
) -> dict[str, Any]:
    """One RPC call through sdk-core's CommonRequest; raises its ServerException on errors."""
    version = "2015-05-01" if product == "Ram" else "2015-04-01"
    request = CommonRequest(product=product, version=version, action_name=action)
    request.set_domain(f"127.0.0.1:{server.port}")
    request.set_protocol_type("http")
    request.set_method(method)
    request.set_accept_format("JSON")
    for name, value in params.items():
        request.add_query_param(name, value)
    result: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return result


def root_client(server: LiveServer) -> AcsClient:
    return AcsClient(server.access_key_id, server.access_key_secret, server.region)


def sts_client(server: LiveServer, creds: dict[str, str]) -> AcsClient:
    credential = StsTokenCredential(
        creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"]
    )
    return AcsClient(region_id=server.region, credential=credential)


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


@dataclass(frozen=True)
class World:
    server: LiveServer
    user: str
    access_key_id: str
    access_key_secret: str
    role: str
    role_arn: str
    role_id: str
    bucket: str  # the role may Put/Get/List/Delete here
    other_bucket: str  # the role may not touch it

    def user_client(self) -> AcsClient:
        return AcsClient(self.access_key_id, self.access_key_secret, self.server.region)

    def assume(self, **params: str) -> dict[str, str]:
        """Credentials from AssumeRole as the RAM user (sdk-core, GET)."""
        params.setdefault("RoleArn", self.role_arn)
        params.setdefault("RoleSessionName", "sessiontest")
        body = rpc(self.server, self.user_client(), "AssumeRole", product="Sts", **params)
        creds: dict[str, str] = body["Credentials"]
        return creds

    def mint(
        self, *, issued: datetime, lifetime: timedelta, session_policy: str | None = None
    ) -> dict[str, str]:
        """Credentials sealed with the live server's master key, for any clock (e.g. expired)."""
        session = RoleSession(
            account_id=self.server.account_id,
            role_name=self.role,
            role_id=self.role_id,
            session_name="minted",
            caller_arn=f"acs:ram::{self.server.account_id}:user/{self.user}",
            policy=session_policy,
            issued_at=issued.replace(microsecond=0),
            expires_at=issued.replace(microsecond=0) + lifetime,
        )
        creds = issue(MasterKey.load_or_create(self.server.data_dir), session)
        return {
            "AccessKeyId": creds.access_key_id,
            "AccessKeySecret": creds.secret,
            "SecurityToken": creds.token,
        }


def make_world(server: LiveServer) -> World:
    suffix = secrets.token_hex(4)
    root = root_client(server)
    bucket, other = f"sts-{suffix}", f"sts-other-{suffix}"
    auth = oss2.AuthV4(server.access_key_id, server.access_key_secret)
    for name in (bucket, other):
        oss2.Bucket(auth, server.endpoint, name, region=server.region).create_bucket()
    user = f"sts-caller-{suffix}"
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
    role = f"RamOssTest-{suffix}"
    trust = policy(
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"RAM": [f"acs:ram::{server.account_id}:root"]},
        }
    )
    created = rpc(server, root, "CreateRole", RoleName=role, AssumeRolePolicyDocument=trust)
    actions = ["oss:PutObject", "oss:GetObject", "oss:DeleteObject", "oss:ListObjects"]
    document = policy(allow(actions, [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/*"]))
    policy_name = f"RamTestPolicy-{suffix}"
    rpc(server, root, "CreatePolicy", PolicyName=policy_name, PolicyDocument=document)
    rpc(
        server,
        root,
        "AttachPolicyToRole",
        PolicyType="Custom",
        PolicyName=policy_name,
        RoleName=role,
    )
    return World(
        server=server,
        user=user,
        access_key_id=key["AccessKeyId"],
        access_key_secret=key["AccessKeySecret"],
        role=role,
        role_arn=created["Role"]["Arn"],
        role_id=created["Role"]["RoleId"],
        bucket=bucket,
        other_bucket=other,
    )


def expiration(creds: dict[str, str]) -> datetime:
    return datetime.strptime(creds["Expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
