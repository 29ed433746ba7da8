"""AssumeRole at the unit level, against an in-memory RAM: parameter validation, who may assume
what (identity policies, trust policy, ExternalId, root, chained sessions), durations and the
exact response shape."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from ossbox.policy import SYSTEM_POLICIES
from ossbox.server.auth import Principal, sts_principal
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.rpc.dispatch import RpcContext
from ossbox.server.rpc.errors import RpcError
from ossbox.server.sts import assume_role as ar
from ossbox.server.sts.tokens import RoleSession, open_token
from ossbox.signing.http import HttpRequest
from ossbox.signing.rpc import RpcCall, RpcScheme
from ossbox.store.crypto import MasterKey
from ossbox.store.ram import AttachedPolicy, Role

ACCT = "1234567890123456"
OTHER = "6543210987654321"
NOW = datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
KEY = MasterKey.generate()
ROLE_ID = "3000000000000000001"


def trust(*principals: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"RAM": list(principals)},
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "1", "Statement": [statement]})


def allow(action: str, resource: str = "*", effect: str = "Allow") -> str:
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    return json.dumps({"Version": "1", "Statement": [statement]})


ASSUME = SYSTEM_POLICIES["AliyunSTSAssumeRoleAccess"]


@dataclass
class FakeRam:
    """Just what AssumeRole reads."""

    roles: dict[tuple[str, str], Role] = field(default_factory=dict)
    user_policies: dict[str, list[str]] = field(default_factory=dict)
    role_policies: dict[str, list[str]] = field(default_factory=dict)

    def add_role(
        self, name: str, trust_doc: str, *, account: str = ACCT, max_s: int = 3600
    ) -> Role:
        role = Role(
            account_id=account,
            role_id=ROLE_ID if name == "RamOssTest" else str(abs(hash(name)))[:19],
            name=name,
            assume_role_policy_document=trust_doc,
            max_session_duration=max_s,
        )
        self.roles[(account, name.lower())] = role
        return role

    def get_role(self, account_id: str, name: str) -> Role | None:
        return self.roles.get((account_id, name.lower()))

    def policies_for_user(self, account_id: str, user_name: str) -> list[AttachedPolicy]:
        return self._attached(self.user_policies.get(user_name, []))

    def policies_for_role(self, account_id: str, role_name: str) -> list[AttachedPolicy]:
        return self._attached(self.role_policies.get(role_name, []))

    @staticmethod
    def _attached(documents: list[str]) -> list[AttachedPolicy]:
        return [
            AttachedPolicy(name=f"p{i}", policy_type="Custom", document=d)
            for i, d in enumerate(documents)
        ]


@pytest.fixture
def ram() -> FakeRam:
    ram = FakeRam()
    ram.add_role("RamOssTest", trust(f"acs:ram::{ACCT}:root"))
    ram.user_policies["alice"] = [ASSUME]
    return ram


ALICE = Principal("user", ACCT, "LTAIalice", "alice", "HMAC-SHA1")
ROOT = Principal("root", ACCT, "LTAIroot", "", "HMAC-SHA1")


def params(**overrides: str) -> dict[str, str]:
    base = {"RoleArn": f"acs:ram::{ACCT}:role/RamOssTest", "RoleSessionName": "sessiontest"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v != "<absent>"}


def call(
    ram: FakeRam, caller: Principal = ALICE, source_ip: str = "127.0.0.1", **overrides: str
) -> dict[str, Any]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    store = SimpleNamespace(master_key=KEY, ram=ram)
    request = RequestContext(
        request_id="0" * 24,
        http=HttpRequest("GET", "/"),
        receive=receive,
        config=ServerConfig(data_dir=Path("unused")),
        store=cast(Any, store),
        now=NOW,
        host="127.0.0.1:9000",
        source_ip=source_ip,
    )
    rpc = RpcCall(
        "AssumeRole",
        "2015-04-01",
        params(**overrides),
        RpcScheme.POP,
        "x",
        None,
        None,
        NOW,
        None,
        "JSON",
    )
    return asyncio.run(ar.assume_role(RpcContext(request, rpc, caller)))


def refused(ram: FakeRam, caller: Principal = ALICE, **overrides: str) -> RpcError:
    with pytest.raises(RpcError) as caught:
        call(ram, caller, **overrides)
    return caught.value


# --- response ----------------------------------------------------------------------------------


def test_response_shape_and_sealed_session(ram: FakeRam) -> None:
    policy = allow("oss:GetObject", "acs:oss:*:*:examplebucket/*")
    body = call(ram, DurationSeconds="3000", Policy=policy)
    assert list(body) == ["AssumedRoleUser", "Credentials", "SourceIdentity"]
    assert body["AssumedRoleUser"] == {
        "Arn": f"acs:ram::{ACCT}:role/RamOssTest/sessiontest",
        "AssumedRoleId": f"{ROLE_ID}:sessiontest",
    }
    creds = body["Credentials"]
    assert list(creds) == ["AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"]
    assert creds["AccessKeyId"].startswith("STS.")
    assert creds["Expiration"] == "2026-05-06T07:58:09Z"  # whole seconds, + 3,000 s
    assert body["SourceIdentity"] == ""
    opened = open_token(KEY, creds["SecurityToken"])
    assert (opened.access_key_id, opened.secret) == (creds["AccessKeyId"], creds["AccessKeySecret"])
    assert opened.session == RoleSession(
        account_id=ACCT,
        role_name="RamOssTest",
        role_id=ROLE_ID,
        session_name="sessiontest",
        caller_arn=f"acs:ram::{ACCT}:user/alice",
        policy=policy,
        issued_at=NOW.replace(microsecond=123000),  # to the millisecond
        expires_at=NOW.replace(microsecond=0) + timedelta(seconds=3000),
    )


def test_defaults_to_one_hour_and_no_session_policy(ram: FakeRam) -> None:
    body = call(ram)
    assert body["Credentials"]["Expiration"] == "2026-05-06T08:08:09Z"
    assert open_token(KEY, body["Credentials"]["SecurityToken"]).session.policy is None


def test_role_name_in_the_arn_is_matched_case_insensitively_and_named_as_stored(
    ram: FakeRam,
) -> None:
    body = call(ram, RoleArn=f"acs:ram::{ACCT}:role/ramosstest")
    assert body["AssumedRoleUser"]["Arn"].endswith(":role/RamOssTest/sessiontest")


def test_source_identity_is_echoed(ram: FakeRam) -> None:
    assert call(ram, SourceIdentity="alice@example")["SourceIdentity"] == "alice@example"


# --- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"RoleArn": "<absent>"}, "MissingParameter"),
        ({"RoleSessionName": "<absent>"}, "MissingParameter"),
        ({"RoleArn": "RamOssTest"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": f"acs:ram::{ACCT}:user/RamOssTest"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": f"acs:ram::{ACCT}:role/"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": "acs:ram::12ab:role/x"}, "InvalidParameter.RoleArn"),
        ({"RoleArn": f"acs:ram::{ACCT}:role/a/b"}, "InvalidParameter.RoleArn"),
        ({"RoleSessionName": "a"}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "x" * 65}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "has space"}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "a/b"}, "InvalidParameter.RoleSessionName"),
        ({"RoleSessionName": "é" * 4}, "InvalidParameter.RoleSessionName"),
        ({"DurationSeconds": "abc"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "-900"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "1e3"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "899"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "3601"}, "InvalidParameter.DurationSeconds"),
        ({"DurationSeconds": "9" * 40}, "InvalidParameter.DurationSeconds"),
        ({"Policy": "not json"}, "InvalidParameter.PolicyGrammar"),
        ({"Policy": '{"Version":"1"}'}, "InvalidParameter.PolicyGrammar"),
        (
            {"Policy": allow("oss:GetObject").replace('"1"', '"2"')},
            "InvalidParameter.PolicyGrammar",
        ),
        ({"Policy": allow("oss:GetObject") + " " * 2048}, "InvalidParameter.PolicySize"),
        ({"ExternalId": "x"}, "InvalidParameter.ExternalId"),
        ({"ExternalId": "bad id"}, "InvalidParameter.ExternalId"),
        ({"SourceIdentity": "a b"}, "InvalidParameter.SourceIdentity"),
    ],
)
def test_parameter_errors(ram: FakeRam, overrides: dict[str, str], code: str) -> None:
    err = refused(ram, **overrides)
    assert (err.status, err.code) == (400, code)


def test_parameter_messages() -> None:
    def message(**overrides: str) -> str:
        with pytest.raises(RpcError) as caught:
            ar.parse_params(params(**overrides))
        return caught.value.message

    assert message(RoleArn="x") == "The parameter RoleArn is wrongly formed."
    assert message(RoleSessionName="x") == "The parameter RoleSessionName is wrongly formed."
    assert message(DurationSeconds="x") == "The Min/Max value of DurationSeconds is 15min/1hr."
    assert message(Policy="{").startswith("The parameter Policy has not passed grammar check.")
    assert message(Policy="x" * 2049) == "The size of Policy must be smaller than 2048 bytes."


def test_session_name_edges_and_policy_size_limit_are_accepted(ram: FakeRam) -> None:
    for name in ("ab", "x" * 64, "a.b@c-d_e"):
        call(ram, RoleSessionName=name)
    doc = allow("oss:GetObject")
    call(ram, Policy=doc + " " * (2048 - len(doc)))


def test_empty_policy_means_none(ram: FakeRam) -> None:
    body = call(ram, Policy="")
    assert open_token(KEY, body["Credentials"]["SecurityToken"]).session.policy is None


# --- who may assume ----------------------------------------------------------------------------


def test_root_may_not_assume_roles(ram: FakeRam) -> None:
    err = refused(ram, ROOT)
    assert (err.status, err.code, err.message) == (
        403,
        "NoPermission",
        "Roles may not be assumed by root accounts.",
    )


def test_user_without_assume_role_permission(ram: FakeRam) -> None:
    ram.user_policies["alice"] = [allow("oss:*")]
    err = refused(ram)
    assert (err.status, err.code, err.message) == (
        403,
        "NoPermission",
        "You are not authorized to do this action. You should be authorized by RAM.",
    )


def test_permission_scoped_to_another_role(ram: FakeRam) -> None:
    ram.user_policies["alice"] = [allow("sts:AssumeRole", f"acs:ram:*:{ACCT}:role/other")]
    assert refused(ram).code == "NoPermission"
    ram.user_policies["alice"] = [allow("sts:AssumeRole", f"acs:ram:*:{ACCT}:role/ramosstest")]
    assert refused(ram).code == "NoPermission"  # resources match case-sensitively
    ram.user_policies["alice"] = [allow("sts:AssumeRole", f"acs:ram:*:{ACCT}:role/RamOssTest")]
    assert call(ram)["Credentials"]


def test_explicit_deny_in_the_callers_policies_wins(ram: FakeRam) -> None:
    ram.user_policies["alice"] = [ASSUME, allow("sts:AssumeRole", effect="Deny")]
    assert refused(ram).code == "NoPermission"


def test_missing_role_is_entity_not_exist_only_for_a_permitted_caller(ram: FakeRam) -> None:
    err = refused(ram, RoleArn=f"acs:ram::{ACCT}:role/Nope")
    assert (err.status, err.code, err.message) == (
        404,
        "EntityNotExist.Role",
        "The specified Role not exists.",
    )
    ram.user_policies["alice"] = []
    assert refused(ram, RoleArn=f"acs:ram::{ACCT}:role/Nope").code == "NoPermission"


def test_untrusted_principal(ram: FakeRam) -> None:
    ram.add_role("OnlyBob", trust(f"acs:ram::{ACCT}:user/bob"))
    assert refused(ram, RoleArn=f"acs:ram::{ACCT}:role/OnlyBob").code == "NoPermission"
    ram.add_role("OtherAccount", trust(f"acs:ram::{OTHER}:root"))
    assert refused(ram, RoleArn=f"acs:ram::{ACCT}:role/OtherAccount").code == "NoPermission"
    ram.add_role("OnlyAlice", trust(f"acs:ram::{ACCT}:user/alice"))
    assert call(ram, RoleArn=f"acs:ram::{ACCT}:role/OnlyAlice")["Credentials"]


def test_cross_account_role(ram: FakeRam) -> None:
    ram.add_role("Shared", trust(f"acs:ram::{ACCT}:root"), account=OTHER)
    body = call(ram, RoleArn=f"acs:ram::{OTHER}:role/Shared")
    assert body["AssumedRoleUser"]["Arn"] == f"acs:ram::{OTHER}:role/Shared/sessiontest"


def test_external_id_condition(ram: FakeRam) -> None:
    doc = trust(f"acs:ram::{ACCT}:root", condition={"StringEquals": {"sts:ExternalId": "abc-123"}})
    ram.add_role("Partner", doc)
    arn = f"acs:ram::{ACCT}:role/Partner"
    assert refused(ram, RoleArn=arn).code == "NoPermission"
    assert refused(ram, RoleArn=arn, ExternalId="abc-124").code == "NoPermission"
    assert call(ram, RoleArn=arn, ExternalId="abc-123")["Credentials"]


def test_source_ip_condition_in_the_callers_policy(ram: FakeRam) -> None:
    doc = json.loads(ASSUME)
    doc["Statement"][0]["Condition"] = {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}
    ram.user_policies["alice"] = [json.dumps(doc)]
    assert refused(ram, source_ip="127.0.0.1").code == "NoPermission"
    assert call(ram, source_ip="10.1.2.3")["Credentials"]


def test_role_max_session_duration(ram: FakeRam) -> None:
    ram.add_role("Long", trust(f"acs:ram::{ACCT}:root"), max_s=7200)
    arn = f"acs:ram::{ACCT}:role/Long"
    assert call(ram, RoleArn=arn, DurationSeconds="7200")["Credentials"]
    err = refused(ram, RoleArn=arn, DurationSeconds="7201")
    assert err.message == "The Min/Max value of DurationSeconds is 15min/2hr."


# --- chained sessions --------------------------------------------------------------------------


def role_session(ram: FakeRam, role: str = "RamOssTest", policy: str | None = None) -> Principal:
    body = call(
        ram, RoleArn=f"acs:ram::{ACCT}:role/{role}", **({"Policy": policy} if policy else {})
    )
    creds = open_token(KEY, body["Credentials"]["SecurityToken"])
    return sts_principal(creds.session, creds.access_key_id, "HMAC-SHA1")


def test_chained_session_needs_the_role_to_allow_assume_role(ram: FakeRam) -> None:
    ram.add_role("Next", trust(f"acs:ram::{ACCT}:role/RamOssTest"))
    caller = role_session(ram)
    next_arn = f"acs:ram::{ACCT}:role/Next"
    assert refused(ram, caller, RoleArn=next_arn).code == "NoPermission"
    ram.role_policies["RamOssTest"] = [ASSUME]
    body = call(ram, caller, RoleArn=next_arn, RoleSessionName="hop")
    chained = open_token(KEY, body["Credentials"]["SecurityToken"]).session
    assert chained.caller_arn == f"acs:ram::{ACCT}:assumed-role/RamOssTest/sessiontest"
    assert chained.role_name == "Next"


def test_chained_session_is_bound_by_its_session_policy(ram: FakeRam) -> None:
    ram.add_role("Next", trust(f"acs:ram::{ACCT}:root"))
    ram.role_policies["RamOssTest"] = [ASSUME]
    caller = role_session(ram, policy=allow("oss:GetObject"))
    assert refused(ram, caller, RoleArn=f"acs:ram::{ACCT}:role/Next").code == "NoPermission"
    caller = role_session(ram, policy=allow("sts:AssumeRole"))
    assert call(ram, caller, RoleArn=f"acs:ram::{ACCT}:role/Next")["Credentials"]


def test_chained_session_duration_is_capped_at_one_hour(ram: FakeRam) -> None:
    ram.add_role("Long", trust(f"acs:ram::{ACCT}:root"), max_s=43200)
    ram.role_policies["RamOssTest"] = [ASSUME]
    caller = role_session(ram)
    arn = f"acs:ram::{ACCT}:role/Long"
    assert call(ram, caller, RoleArn=arn, DurationSeconds="3600")["Credentials"]
    err = refused(ram, caller, RoleArn=arn, DurationSeconds="3601")
    assert err.code == "InvalidParameter.DurationSeconds"
    assert call(ram, RoleArn=arn, DurationSeconds="43200")["Credentials"]  # a user is not capped


def test_session_of_a_deleted_or_recreated_role_has_no_role_permissions(ram: FakeRam) -> None:
    ram.add_role("Next", trust(f"acs:ram::{ACCT}:root"))
    ram.role_policies["RamOssTest"] = [ASSUME]
    caller = role_session(ram)
    ram.roles[(ACCT, "ramosstest")] = Role(
        account_id=ACCT,
        role_id="3000000000000000999",
        name="RamOssTest",
        assume_role_policy_document=trust(f"acs:ram::{ACCT}:root"),
    )
    assert refused(ram, caller, RoleArn=f"acs:ram::{ACCT}:role/Next").code == "NoPermission"
