"""Authorization of RAM calls: no privilege escalation.

A RAM user (or a role session) may call ram:<Action> only where its policies allow it, on the
resources the call touches; the account's root may do everything."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.compat.test_ram_api import Ram, trust_account, unique
from tests.conftest import LiveServer

NO_PERMISSION = "NoPermission"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def allow(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


@dataclass
class Actor:
    """A RAM user with one AccessKey, and a client acting as it."""

    name: str
    ram: Ram


@pytest.fixture
def root(live_server: LiveServer) -> Ram:
    return Ram(live_server)


def make_user(server: LiveServer, root: Ram, *policies: str, custom: str | None = None) -> Actor:
    """A new user with an AccessKey, the named system policies and an optional custom one."""
    name = unique("actor")
    root("CreateUser", UserName=name)
    key = root("CreateAccessKey", UserName=name)["AccessKey"]
    for policy in policies:
        root("AttachPolicyToUser", PolicyType="System", PolicyName=policy, UserName=name)
    if custom is not None:
        policy_name = unique("Custom")
        root("CreatePolicy", PolicyName=policy_name, PolicyDocument=custom)
        root("AttachPolicyToUser", PolicyType="Custom", PolicyName=policy_name, UserName=name)
    return Actor(name, Ram(server, key["AccessKeyId"], key["AccessKeySecret"]))


def denied(actor: Actor, action: str, **params: Any) -> None:
    err = actor.ram.fails(403, NO_PERMISSION, action, **params)
    assert err.get_error_msg() == (
        "You are not authorized to do this action. You should be authorized by RAM."
    )


# --- a user without RAM rights ---------------------------------------------------------------


def test_user_without_ram_rights_cannot_escalate(live_server: LiveServer, root: Ram) -> None:
    actor = make_user(live_server, root, "AliyunOSSFullAccess")
    victim = unique("victim")
    role = unique("Role")
    root("CreateUser", UserName=victim)
    root("CreateRole", RoleName=role, AssumeRolePolicyDocument=trust_account("1"))

    denied(actor, "CreateAccessKey", UserName=victim)
    denied(actor, "CreateAccessKey")  # not even for itself
    denied(
        actor,
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AdministratorAccess",
        UserName=actor.name,
    )
    denied(actor, "CreateUser", UserName=unique("new"))
    denied(
        actor,
        "CreateRole",
        RoleName=unique("R"),
        AssumeRolePolicyDocument=trust_account(live_server.account_id),
    )
    denied(actor, "UpdateRole", RoleName=role, NewAssumeRolePolicyDocument=trust_account("2"))
    denied(
        actor,
        "AttachPolicyToRole",
        PolicyType="System",
        PolicyName="AdministratorAccess",
        RoleName=role,
    )
    denied(actor, "DeleteRole", RoleName=role)
    denied(actor, "CreatePolicy", PolicyName=unique("P"), PolicyDocument=document(allow("*", "*")))
    denied(actor, "AddUserToGroup", GroupName="admins", UserName=actor.name)
    denied(actor, "ListUsers")

    assert len(root("ListAccessKeys", UserName=victim)["AccessKeys"]["AccessKey"]) == 0
    mine = root("ListPoliciesForUser", UserName=actor.name)["Policies"]["Policy"]
    assert [p["PolicyName"] for p in mine] == ["AliyunOSSFullAccess"]
    kept = root("GetRole", RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert kept == trust_account("1")
    assert root("ListPoliciesForRole", RoleName=role)["Policies"]["Policy"] == []


def test_denied_before_anything_is_looked_up(live_server: LiveServer, root: Ram) -> None:
    """No permission: the same answer whether the entity exists or not."""
    actor = make_user(live_server, root)
    denied(actor, "GetUser", UserName=unique("nobody"))
    denied(actor, "GetRole", RoleName=unique("nothing"))
    denied(actor, "DeleteUser", UserName=actor.name)
    # parameter errors still come first: they say nothing about the account
    actor.ram.fails(400, "InvalidParameter.UserName.InvalidChars", "GetUser", UserName="a b")


# --- keys for itself only --------------------------------------------------------------------


def test_create_access_key_on_its_own_arn_only(live_server: LiveServer, root: Ram) -> None:
    name = unique("selfkeys")
    own = f"acs:ram:*:{live_server.account_id}:user/{name}"
    root("CreateUser", UserName=name)
    first = root("CreateAccessKey", UserName=name)["AccessKey"]
    policy = unique("SelfKeys")
    root(
        "CreatePolicy",
        PolicyName=policy,
        PolicyDocument=document(allow("ram:CreateAccessKey", own)),
    )
    root("AttachPolicyToUser", PolicyType="Custom", PolicyName=policy, UserName=name)
    actor = Actor(name, Ram(live_server, first["AccessKeyId"], first["AccessKeySecret"]))
    other = unique("other")
    root("CreateUser", UserName=other)

    minted = actor.ram("CreateAccessKey")["AccessKey"]  # no UserName: the caller itself
    as_new_key = Ram(live_server, minted["AccessKeyId"], minted["AccessKeySecret"])
    assert as_new_key.caller_identity()["Arn"].endswith(f":user/{name}")
    actor.ram.fails(409, "LimitExceeded.User.AccessKey", "CreateAccessKey", UserName=name)
    denied(actor, "CreateAccessKey", UserName=other)
    denied(actor, "ListAccessKeys")  # only CreateAccessKey was granted
    denied(actor, "DeleteAccessKey", UserAccessKeyId=first["AccessKeyId"])
    assert root("ListAccessKeys", UserName=other)["AccessKeys"]["AccessKey"] == []


def test_user_may_manage_its_own_keys_with_a_self_scoped_policy(
    live_server: LiveServer, root: Ram
) -> None:
    name = unique("manager")
    own = f"acs:ram:*:{live_server.account_id}:user/{name}"
    keys = [
        "ram:CreateAccessKey",
        "ram:ListAccessKeys",
        "ram:UpdateAccessKey",
        "ram:DeleteAccessKey",
    ]
    actor = make_user(live_server, root, custom=document(allow(keys, own)))
    assert actor.name != name  # the policy names another user: nothing is allowed
    denied(actor, "ListAccessKeys")

    root("CreateUser", UserName=name)
    key = root("CreateAccessKey", UserName=name)["AccessKey"]
    policy = unique("Own")
    root("CreatePolicy", PolicyName=policy, PolicyDocument=document(allow(keys, own)))
    root("AttachPolicyToUser", PolicyType="Custom", PolicyName=policy, UserName=name)
    me = Ram(live_server, key["AccessKeyId"], key["AccessKeySecret"])
    second = me("CreateAccessKey")["AccessKey"]["AccessKeyId"]
    listed = me("ListAccessKeys")["AccessKeys"]["AccessKey"]
    assert {k["AccessKeyId"] for k in listed} == {key["AccessKeyId"], second}
    me("UpdateAccessKey", UserAccessKeyId=second, Status="Inactive")
    me("DeleteAccessKey", UserAccessKeyId=second)
    me.fails(403, NO_PERMISSION, "ListAccessKeys", UserName=actor.name)


# --- full and read-only access ---------------------------------------------------------------


def test_aliyun_ram_full_access_grants_everything(live_server: LiveServer, root: Ram) -> None:
    admin = make_user(live_server, root, "AliyunRAMFullAccess")
    new, role, group = unique("made"), unique("Made"), unique("made")
    admin.ram("CreateUser", UserName=new)
    key = admin.ram("CreateAccessKey", UserName=new)["AccessKey"]
    assert key["AccessKeySecret"]
    admin.ram("CreateGroup", GroupName=group)
    admin.ram("AddUserToGroup", GroupName=group, UserName=new)
    admin.ram(
        "AttachPolicyToGroup",
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        GroupName=group,
    )
    admin.ram(
        "CreateRole", RoleName=role, AssumeRolePolicyDocument=trust_account(live_server.account_id)
    )
    admin.ram("UpdateRole", RoleName=role, NewMaxSessionDuration=7200)
    admin.ram("CreatePolicy", PolicyName=role, PolicyDocument=document(allow("oss:*", "*")))
    admin.ram("AttachPolicyToRole", PolicyType="Custom", PolicyName=role, RoleName=role)
    assert admin.ram("ListUsers", MaxItems=1000)["Users"]["User"]


def test_read_only_access_reads_but_cannot_write(live_server: LiveServer, root: Ram) -> None:
    reader = make_user(live_server, root, "AliyunRAMReadOnlyAccess")
    assert reader.ram("GetUser", UserName=reader.name)["User"]["UserName"] == reader.name
    reader.ram("ListPolicies", PolicyType="System")
    reader.ram("ListPoliciesForUser", UserName=reader.name)
    denied(reader, "CreateUser", UserName=unique("x"))
    denied(
        reader,
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AliyunRAMFullAccess",
        UserName=reader.name,
    )
    denied(reader, "CreateAccessKey")


def test_rights_through_a_group(live_server: LiveServer, root: Ram) -> None:
    actor = make_user(live_server, root)
    denied(actor, "CreateUser", UserName=unique("x"))
    group = unique("admins")
    root("CreateGroup", GroupName=group)
    root(
        "AttachPolicyToGroup",
        PolicyType="System",
        PolicyName="AliyunRAMFullAccess",
        GroupName=group,
    )
    root("AddUserToGroup", GroupName=group, UserName=actor.name)
    actor.ram("CreateUser", UserName=unique("x"))
    root("RemoveUserFromGroup", GroupName=group, UserName=actor.name)
    denied(actor, "CreateUser", UserName=unique("x"))


# --- scoped grants and explicit denies -------------------------------------------------------


def test_attach_is_checked_on_the_policy_too(live_server: LiveServer, root: Ram) -> None:
    """Allowed to attach AliyunOSSReadOnlyAccess to anyone, but nothing more powerful."""
    account = live_server.account_id
    grant = allow(
        "ram:AttachPolicyToUser",
        [f"acs:ram:*:{account}:user/*", "acs:ram:*:*:policy/AliyunOSSReadOnlyAccess"],
    )
    actor = make_user(live_server, root, custom=document(grant))
    actor.ram(
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        UserName=actor.name,
    )
    for powerful in ("AdministratorAccess", "AliyunRAMFullAccess"):
        denied(
            actor,
            "AttachPolicyToUser",
            PolicyType="System",
            PolicyName=powerful,
            UserName=actor.name,
        )


def test_explicit_deny_beats_full_access(live_server: LiveServer, root: Ram) -> None:
    deny = {"Effect": "Deny", "Action": ["ram:Attach*", "ram:CreateAccessKey"], "Resource": "*"}
    actor = make_user(live_server, root, "AliyunRAMFullAccess", custom=document(deny))
    actor.ram("CreateUser", UserName=unique("ok"))
    denied(
        actor,
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AdministratorAccess",
        UserName=actor.name,
    )
    denied(actor, "CreateAccessKey")


@pytest.mark.parametrize(("cidr", "allowed"), [("127.0.0.1/32", True), ("10.0.0.0/8", False)])
def test_conditions_see_the_source_ip(
    live_server: LiveServer, root: Ram, cidr: str, allowed: bool
) -> None:
    grant = allow("ram:ListUsers", "*", Condition={"IpAddress": {"acs:SourceIp": cidr}})
    actor = make_user(live_server, root, custom=document(grant))
    if allowed:
        actor.ram("ListUsers")
    else:
        denied(actor, "ListUsers")


# --- role sessions ---------------------------------------------------------------------------


def test_role_session_gets_its_roles_rights_within_its_session_policy(
    live_server: LiveServer, root: Ram
) -> None:
    account = live_server.account_id
    actor = make_user(live_server, root, "AliyunSTSAssumeRoleAccess")
    role = unique("Reader")
    root("CreateRole", RoleName=role, AssumeRolePolicyDocument=trust_account(account))
    root("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunRAMFullAccess", RoleName=role)
    session_policy = document(allow("ram:List*", "*"))
    creds = actor.ram.sts(
        "AssumeRole",
        RoleArn=f"acs:ram::{account}:role/{role}",
        RoleSessionName="s1",
        Policy=session_policy,
    )["Credentials"]
    session = Ram(
        live_server, creds["AccessKeyId"], creds["AccessKeySecret"], token=creds["SecurityToken"]
    )
    assert session("ListUsers", MaxItems=1)["Users"]["User"]
    session.fails(403, NO_PERMISSION, "CreateUser", UserName=unique("x"))
    session.fails(400, "MissingParameter", "CreateAccessKey")  # a session owns no keys


def test_rename_needs_rights_on_the_new_name(live_server: LiveServer, root: Ram) -> None:
    """Renaming oneself into a name that policies favour is becoming that user."""
    account = live_server.account_id
    own = f"acs:ram:*:{account}:user/{{name}}"
    actor = make_user(live_server, root)
    policy = unique("SelfEdit")
    grant = allow("ram:UpdateUser", own.format(name=actor.name))
    root("CreatePolicy", PolicyName=policy, PolicyDocument=document(grant))
    root("AttachPolicyToUser", PolicyType="Custom", PolicyName=policy, UserName=actor.name)
    actor.ram("UpdateUser", UserName=actor.name, NewComments="allowed")
    denied(actor, "UpdateUser", UserName=actor.name, NewUserName="admin")
    assert root("GetUser", UserName=actor.name)["User"]["Comments"] == "allowed"
