"""The RAM API (2015-05-01) through aliyun-python-sdk-core's CommonRequest, as the seed's console
steps 1-4 would be scripted: create a RAM user and its AccessKey, grant it
AliyunSTSAssumeRoleAccess, create a role trusted by the account, write a custom policy and
attach it to the role. Then the errors, with RAM's exact codes and statuses."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from ossbox.signing.rpc import sign_rpc
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

SEED_POLICY = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["oss:PutObject", "oss:GetObject"],
            "Resource": ["acs:oss:*:*:examplebucket", "acs:oss:*:*:examplebucket/*"],
        }
    ],
}


def trust_account(account_id: str) -> str:
    """The trust policy the console writes for "Current Alibaba Cloud Account"."""
    statement = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"RAM": [f"acs:ram::{account_id}:root"]},
    }
    return json.dumps({"Statement": [statement], "Version": "1"})


class Ram:
    """RAM through CommonRequest(product='Ram'), GET (query) or POST (form body)."""

    def __init__(
        self,
        server: LiveServer,
        ak: str | None = None,
        sk: str | None = None,
        method: str = "POST",
        *,
        token: str | None = None,
    ) -> None:
        self.server = server
        ak, sk = ak or server.access_key_id, sk or server.access_key_secret
        if token is None:
            self.client = AcsClient(ak, sk, server.region)
        else:
            credential = StsTokenCredential(ak, sk, token)
            self.client = AcsClient(region_id=server.region, credential=credential)
        self.method = method

    def request(self, action: str, version: str = "2015-05-01", **params: Any) -> CommonRequest:
        product = "Ram" if version == "2015-05-01" else "Sts"
        request = CommonRequest(
            domain=f"127.0.0.1:{self.server.port}",
            version=version,
            action_name=action,
            product=product,
        )
        request.set_protocol_type("http")
        request.set_method(self.method)
        for name, value in params.items():
            if self.method == "POST":
                request.add_body_params(name, str(value))
            else:
                request.add_query_param(name, str(value))
        return request

    def __call__(self, action: str, **params: Any) -> dict[str, Any]:
        body = self.client.do_action_with_exception(self.request(action, **params))
        result: dict[str, Any] = json.loads(body)
        return result

    def error(self, action: str, **params: Any) -> ServerException:
        with pytest.raises(ServerException) as caught:
            self(action, **params)
        return caught.value

    def fails(self, status: int, code: str, action: str, **params: Any) -> ServerException:
        """Call `action` expecting RAM's error `code` with HTTP `status`."""
        err = self.error(action, **params)
        assert (err.get_http_status(), err.get_error_code()) == (status, code), err.get_error_msg()
        return err

    def sts(self, action: str, **params: Any) -> dict[str, Any]:
        """An STS (2015-04-01) call with the same credentials."""
        body = self.client.do_action_with_exception(
            self.request(action, version="2015-04-01", **params)
        )
        result: dict[str, Any] = json.loads(body)
        return result

    def caller_identity(self) -> dict[str, Any]:
        return self.sts("GetCallerIdentity")


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@pytest.fixture
def ram(live_server: LiveServer) -> Ram:
    return Ram(live_server)


# --- the seed's console steps 1-4 ------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_seed_console_steps_1_to_4(live_server: LiveServer, method: str) -> None:
    ram = Ram(live_server, method=method)
    account = live_server.account_id
    user_name, role_name, policy_name = unique("ramosstest"), unique("RamOssTest"), unique("P")

    # Step 1: a RAM user with OpenAPI access: its AccessKey, secret shown once.
    user = ram("CreateUser", UserName=user_name, DisplayName="ramosstest")["User"]
    assert user["UserName"] == user_name and user["DisplayName"] == "ramosstest"
    assert len(user["UserId"]) == 16 and user["UserId"].isdigit()
    assert user["CreateDate"].endswith("Z") and len(user["CreateDate"]) == 20
    key = ram("CreateAccessKey", UserName=user_name)["AccessKey"]
    assert key["Status"] == "Active" and key["AccessKeySecret"]
    listed = ram("ListAccessKeys", UserName=user_name)["AccessKeys"]["AccessKey"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "AccessKeySecret" not in listed[0]

    # Step 2: grant AliyunSTSAssumeRoleAccess.
    ram(
        "AttachPolicyToUser",
        PolicyType="System",
        PolicyName="AliyunSTSAssumeRoleAccess",
        UserName=user_name,
    )
    granted = ram("ListPoliciesForUser", UserName=user_name)["Policies"]["Policy"]
    assert [(p["PolicyName"], p["PolicyType"]) for p in granted] == [
        ("AliyunSTSAssumeRoleAccess", "System")
    ]

    # Step 3: a role trusted by the current account; its ARN is what the seed copies.
    role = ram("CreateRole", RoleName=role_name, AssumeRolePolicyDocument=trust_account(account))[
        "Role"
    ]
    assert role["Arn"] == f"acs:ram::{account}:role/{role_name}"
    assert role["MaxSessionDuration"] == 3600
    assert ram("GetRole", RoleName=role_name)["Role"]["RoleId"] == role["RoleId"]

    # Step 4: the custom policy, attached to the role.
    document = json.dumps(SEED_POLICY, indent=4)
    policy = ram("CreatePolicy", PolicyName=policy_name, PolicyDocument=document)["Policy"]
    assert (policy["PolicyType"], policy["DefaultVersion"]) == ("Custom", "v1")
    ram("AttachPolicyToRole", PolicyType="Custom", PolicyName=policy_name, RoleName=role_name)
    attached = ram("ListPoliciesForRole", RoleName=role_name)["Policies"]["Policy"]
    assert [p["PolicyName"] for p in attached] == [policy_name]
    got = ram("GetPolicy", PolicyName=policy_name, PolicyType="Custom")
    assert json.loads(got["DefaultPolicyVersion"]["PolicyDocument"]) == SEED_POLICY
    assert got["Policy"]["AttachmentCount"] == 1

    # The new user's AccessKey authenticates at once.
    as_user = Ram(live_server, key["AccessKeyId"], key["AccessKeySecret"], method=method)
    identity = as_user.caller_identity()
    assert identity["IdentityType"] == "RAMUser"
    assert identity["Arn"] == f"acs:ram::{account}:user/{user_name}"
    assert identity["UserId"] == identity["PrincipalId"] == user["UserId"]
    assert identity["AccountId"] == account


def test_xml_format(live_server: LiveServer) -> None:
    """Format=XML (sdk-core always asks for JSON, so this one is signed by hand)."""
    params = {"Action": "ListPoliciesForUser", "Version": "2015-05-01", "Format": "XML"}
    name = unique("xml")
    Ram(live_server)("CreateUser", UserName=name)
    for policy in ("AliyunOSSFullAccess", "AliyunSTSAssumeRoleAccess"):
        Ram(live_server)(
            "AttachPolicyToUser", PolicyType="System", PolicyName=policy, UserName=name
        )
    signed = sign_rpc(
        "GET",
        {**params, "UserName": name},
        access_key_id=live_server.access_key_id,
        access_key_secret=live_server.access_key_secret,
        now=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )
    body = httpx.get(live_server.endpoint + "/", params=signed).text
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><ListPoliciesForUserResponse>')
    policies = body.split("<Policies>")[1].split("</Policies>")[0]
    assert policies.count("<Policy>") == 2  # a list repeats its element
    assert "<PolicyName>AliyunOSSFullAccess</PolicyName>" in policies


def test_raw_get_with_query_params(live_server: LiveServer) -> None:
    """What sdk-core sends for GET: every parameter in the query, signed."""
    request = Ram(live_server, method="GET").request("ListPolicies", PolicyType="System")
    assert request.get_method() == "GET"
    body = json.loads(Ram(live_server, method="GET").client.do_action_with_exception(request))
    names = {p["PolicyName"] for p in body["Policies"]["Policy"]}
    assert {"AliyunSTSAssumeRoleAccess", "AliyunOSSFullAccess", "AliyunOSSReadOnlyAccess"} <= names
    assert {"AdministratorAccess", "AliyunRAMFullAccess"} <= names
    assert body["IsTruncated"] is False


# --- users -----------------------------------------------------------------------------------


def test_user_lifecycle_and_errors(ram: Ram) -> None:
    name = unique("u")
    ram("CreateUser", UserName=name, Email="u@example.com", MobilePhone="86-18600008888")
    ram.fails(409, "EntityAlreadyExists.User", "CreateUser", UserName=name)
    renamed = unique("v")
    user = ram("UpdateUser", UserName=name, NewUserName=renamed, NewComments="moved")["User"]
    assert (user["UserName"], user["Comments"]) == (renamed, "moved")
    ram.fails(404, "EntityNotExist.User", "GetUser", UserName=name)
    assert ram("GetUser", UserName=renamed)["User"]["Email"] == "u@example.com"
    ram("DeleteUser", UserName=renamed)
    ram.fails(404, "EntityNotExist.User", "DeleteUser", UserName=renamed)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "MissingParameter"),
        ({"UserName": "bad name"}, "InvalidParameter.UserName.InvalidChars"),
        ({"UserName": "x" * 65}, "InvalidParameter.UserName.Length"),
        ({"UserName": "ok", "Email": "nope"}, "InvalidParameter.Email.Format"),
        ({"UserName": "ok", "MobilePhone": "123"}, "InvalidParameter.MobilePhone.Format"),
        ({"UserName": "ok", "Comments": "c" * 129}, "InvalidParameter.Comments.Length"),
    ],
)
def test_create_user_parameter_errors(ram: Ram, params: dict[str, str], code: str) -> None:
    ram.fails(400, code, "CreateUser", **params)


def test_list_users_pages(ram: Ram) -> None:
    prefix = unique("page")
    for n in range(5):
        ram("CreateUser", UserName=f"{prefix}-{n}")
    seen: list[str] = []
    marker: str | None = None
    while True:
        page = ram("ListUsers", MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += [u["UserName"] for u in page["Users"]["User"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert [n for n in seen if n.startswith(prefix)] == [f"{prefix}-{n}" for n in range(5)]
    ram.fails(400, "InvalidParameter.MaxItems", "ListUsers", MaxItems=1001)


@pytest.mark.parametrize("blocker", ["AccessKey", "Policy", "Group"])
def test_delete_user_conflicts(ram: Ram, blocker: str) -> None:
    name, group = unique("del"), unique("g")
    ram("CreateUser", UserName=name)
    if blocker == "AccessKey":
        ram("CreateAccessKey", UserName=name)
    elif blocker == "Policy":
        ram(
            "AttachPolicyToUser",
            PolicyType="System",
            PolicyName="AliyunOSSFullAccess",
            UserName=name,
        )
    else:
        ram("CreateGroup", GroupName=group)
        ram("AddUserToGroup", GroupName=group, UserName=name)
    ram.fails(409, f"DeleteConflict.User.{blocker}", "DeleteUser", UserName=name)


# --- AccessKeys ------------------------------------------------------------------------------


def test_access_key_limit_status_and_deletion(live_server: LiveServer, ram: Ram) -> None:
    name = unique("keys")
    ram("CreateUser", UserName=name)
    first = ram("CreateAccessKey", UserName=name)["AccessKey"]
    ram("CreateAccessKey", UserName=name)
    ram.fails(409, "LimitExceeded.User.AccessKey", "CreateAccessKey", UserName=name)
    as_user = Ram(live_server, first["AccessKeyId"], first["AccessKeySecret"])
    assert as_user.caller_identity()["IdentityType"] == "RAMUser"

    key_id = first["AccessKeyId"]
    ram("UpdateAccessKey", UserName=name, UserAccessKeyId=key_id, Status="Inactive")
    statuses = {
        k["AccessKeyId"]: k["Status"]
        for k in ram("ListAccessKeys", UserName=name)["AccessKeys"]["AccessKey"]
    }
    assert statuses[key_id] == "Inactive"
    with pytest.raises(ServerException) as caught:
        as_user.caller_identity()
    assert caught.value.get_error_code() == "InvalidAccessKeyId.Inactive"
    ram.fails(
        400,
        "InvalidParameter.Status",
        "UpdateAccessKey",
        UserName=name,
        UserAccessKeyId=key_id,
        Status="Sleeping",
    )

    ram("DeleteAccessKey", UserName=name, UserAccessKeyId=key_id)
    ram.fails(
        404,
        "EntityNotExist.User.AccessKey",
        "DeleteAccessKey",
        UserName=name,
        UserAccessKeyId=key_id,
    )
    with pytest.raises(ServerException) as gone:
        as_user.caller_identity()
    assert gone.value.get_error_code() == "InvalidAccessKeyId.NotFound"


def test_access_key_of_another_user_is_not_found_through_this_one(ram: Ram) -> None:
    owner, other = unique("own"), unique("oth")
    ram("CreateUser", UserName=owner)
    ram("CreateUser", UserName=other)
    key = ram("CreateAccessKey", UserName=owner)["AccessKey"]["AccessKeyId"]
    ram.fails(
        404, "EntityNotExist.User.AccessKey", "DeleteAccessKey", UserName=other, UserAccessKeyId=key
    )
    ram.fails(404, "EntityNotExist.User", "CreateAccessKey", UserName=unique("nobody"))


def test_renamed_user_keeps_its_key(live_server: LiveServer, ram: Ram) -> None:
    name, renamed = unique("before"), unique("after")
    ram("CreateUser", UserName=name)
    key = ram("CreateAccessKey", UserName=name)["AccessKey"]
    ram("UpdateUser", UserName=name, NewUserName=renamed)
    identity = Ram(live_server, key["AccessKeyId"], key["AccessKeySecret"]).caller_identity()
    assert identity["Arn"].endswith(f":user/{renamed}")


# --- groups ----------------------------------------------------------------------------------


def test_groups(ram: Ram) -> None:
    group, user = unique("grp"), unique("member")
    ram("CreateUser", UserName=user)
    created = ram("CreateGroup", GroupName=group, Comments="devs")["Group"]
    assert created["GroupName"] == group
    ram.fails(409, "EntityAlreadyExists.Group", "CreateGroup", GroupName=group)
    ram("AddUserToGroup", GroupName=group, UserName=user)
    ram.fails(
        409, "EntityAlreadyExists.User.Group", "AddUserToGroup", GroupName=group, UserName=user
    )
    joined = ram("ListGroupsForUser", UserName=user)["Groups"]["Group"]
    assert [g["GroupName"] for g in joined] == [group] and joined[0]["JoinDate"]
    members = ram("ListUsersForGroup", GroupName=group)["Users"]["User"]
    assert [m["UserName"] for m in members] == [user]
    ram.fails(409, "DeleteConflict.Group.User", "DeleteGroup", GroupName=group)
    ram("RemoveUserFromGroup", GroupName=group, UserName=user)
    ram.fails(
        404, "EntityNotExist.User.Group", "RemoveUserFromGroup", GroupName=group, UserName=user
    )
    ram(
        "AttachPolicyToGroup",
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        GroupName=group,
    )
    ram.fails(409, "DeleteConflict.Group.Policy", "DeleteGroup", GroupName=group)
    ram(
        "DetachPolicyFromGroup",
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        GroupName=group,
    )
    ram("DeleteGroup", GroupName=group)
    ram.fails(404, "EntityNotExist.Group", "GetGroup", GroupName=group)


# --- policies --------------------------------------------------------------------------------


def test_malformed_policy_document_names_the_offending_element(ram: Ram) -> None:
    bad = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "oss:GetObject",
                "Resource": "*",
                "Condition": {"StringEqualz": {"oss:Prefix": "a"}},
            }
        ],
    }
    create = "CreatePolicy"
    err = ram.fails(
        400, "MalformedPolicyDocument", create, PolicyName="Bad", PolicyDocument=json.dumps(bad)
    )
    assert "Statement[0].Condition" in err.get_error_msg()
    assert "StringEqualz" in err.get_error_msg()
    ram.fails(400, "MalformedPolicyDocument", create, PolicyName="Bad", PolicyDocument="{not")
    big = json.dumps({**SEED_POLICY, "Statement": SEED_POLICY["Statement"] * 60})
    ram.fails(
        400, "InvalidParameter.PolicyDocument.Length", create, PolicyName="B", PolicyDocument=big
    )
    code = "InvalidParameter.PolicyName.InvalidChars"
    ram.fails(400, code, create, PolicyName="no_underscores", PolicyDocument=big)
    assert ram.error("GetPolicy", PolicyName="Bad", PolicyType="Custom").get_http_status() == 404


def test_policy_versions(ram: Ram) -> None:
    name = unique("Versioned")
    doc = json.dumps(SEED_POLICY)
    ram("CreatePolicy", PolicyName=name, PolicyDocument=doc, Description="versions")
    ram.fails(
        409, "EntityAlreadyExists.Policy", "CreatePolicy", PolicyName=name, PolicyDocument=doc
    )
    for n in range(2, 6):
        version = ram("CreatePolicyVersion", PolicyName=name, PolicyDocument=doc)["PolicyVersion"]
        assert (version["VersionId"], version["IsDefaultVersion"]) == (f"v{n}", False)
    ram.fails(
        409,
        "LimitExceeded.Policy.Version",
        "CreatePolicyVersion",
        PolicyName=name,
        PolicyDocument=doc,
    )
    ram("SetDefaultPolicyVersion", PolicyName=name, VersionId="v3")
    assert (
        ram("GetPolicy", PolicyName=name, PolicyType="Custom")["Policy"]["DefaultVersion"] == "v3"
    )
    ram.fails(
        409,
        "DeleteConflict.Policy.Version.Default",
        "DeletePolicyVersion",
        PolicyName=name,
        VersionId="v3",
    )
    ram.fails(
        404,
        "EntityNotExist.Policy.Version",
        "GetPolicyVersion",
        PolicyName=name,
        PolicyType="Custom",
        VersionId="v9",
    )
    ram.fails(
        400,
        "InvalidParameter.VersionId.Format",
        "SetDefaultPolicyVersion",
        PolicyName=name,
        VersionId="latest",
    )
    ram.fails(409, "DeleteConflict.Policy.Version", "DeletePolicy", PolicyName=name)
    versions = ram("ListPolicyVersions", PolicyName=name, PolicyType="Custom")
    ids = [v["VersionId"] for v in versions["PolicyVersions"]["PolicyVersion"]]
    assert ids == ["v1", "v2", "v3", "v4", "v5"]
    for version_id in ("v1", "v2", "v4", "v5"):
        ram("DeletePolicyVersion", PolicyName=name, VersionId=version_id)
    got = ram("GetPolicyVersion", PolicyName=name, PolicyType="Custom", VersionId="v3")
    assert got["PolicyVersion"]["IsDefaultVersion"] is True
    ram("DeletePolicy", PolicyName=name)
    ram.fails(404, "EntityNotExist.Policy", "GetPolicy", PolicyName=name, PolicyType="Custom")


def test_attachments_and_policy_delete_conflicts(ram: Ram) -> None:
    user, policy = unique("att"), unique("Att")
    ram("CreateUser", UserName=user)
    ram("CreatePolicy", PolicyName=policy, PolicyDocument=json.dumps(SEED_POLICY))
    attach = {"PolicyType": "Custom", "PolicyName": policy, "UserName": user}
    ram("AttachPolicyToUser", **attach)
    ram.fails(409, "EntityAlreadyExists.User.Policy", "AttachPolicyToUser", **attach)
    ram.fails(409, "DeleteConflict.Policy.User", "DeletePolicy", PolicyName=policy)
    entities = ram("ListEntitiesForPolicy", PolicyName=policy, PolicyType="Custom")
    assert [u["UserName"] for u in entities["Users"]["User"]] == [user]
    ram("DetachPolicyFromUser", **attach)
    ram.fails(404, "EntityNotExist.User.Policy", "DetachPolicyFromUser", **attach)
    ram.fails(
        400,
        "InvalidParameter.PolicyType",
        "AttachPolicyToUser",
        **{**attach, "PolicyType": "Bogus"},
    )
    ram.fails(
        404, "EntityNotExist.Policy", "AttachPolicyToUser", **{**attach, "PolicyName": "Nope"}
    )
    ram.fails(
        404,
        "EntityNotExist.Role",
        "AttachPolicyToRole",
        PolicyType="Custom",
        PolicyName=policy,
        RoleName=unique("none"),
    )
    ram("DeletePolicy", PolicyName=policy)


# --- roles -----------------------------------------------------------------------------------


def test_roles(live_server: LiveServer, ram: Ram) -> None:
    name = unique("Role")
    trust = trust_account(live_server.account_id)
    role = ram(
        "CreateRole",
        RoleName=name,
        AssumeRolePolicyDocument=trust,
        MaxSessionDuration=7200,
        Description="d",
    )["Role"]
    assert role["MaxSessionDuration"] == 7200 and role["Description"] == "d"
    ram.fails(
        409, "EntityAlreadyExists.Role", "CreateRole", RoleName=name, AssumeRolePolicyDocument=trust
    )
    for bad in (3599, 43201, "x"):
        ram.fails(
            400,
            "InvalidParameter.MaxSessionDuration",
            "CreateRole",
            RoleName=unique("R"),
            AssumeRolePolicyDocument=trust,
            MaxSessionDuration=bad,
        )
    not_trust = json.dumps(SEED_POLICY)  # no Principal: not a trust policy
    ram.fails(
        400,
        "MalformedPolicyDocument",
        "CreateRole",
        RoleName=unique("R"),
        AssumeRolePolicyDocument=not_trust,
    )
    updated = ram("UpdateRole", RoleName=name, NewMaxSessionDuration=43200)["Role"]
    assert updated["MaxSessionDuration"] == 43200
    assert updated["AssumeRolePolicyDocument"] == trust
    names = [r["RoleName"] for r in ram("ListRoles", MaxItems=1000)["Roles"]["Role"]]
    assert name in names
    ram("AttachPolicyToRole", PolicyType="System", PolicyName="AliyunOSSFullAccess", RoleName=name)
    ram.fails(409, "DeleteConflict.Role.Policy", "DeleteRole", RoleName=name)
    ram(
        "DetachPolicyFromRole", PolicyType="System", PolicyName="AliyunOSSFullAccess", RoleName=name
    )
    ram("DeleteRole", RoleName=name)
    ram.fails(404, "EntityNotExist.Role", "GetRole", RoleName=name)


# --- OIDC providers --------------------------------------------------------------------------


def test_oidc_providers(live_server: LiveServer, ram: Ram) -> None:
    name = unique("ack-rrsa")
    created = ram(
        "CreateOIDCProvider",
        OIDCProviderName=name,
        IssuerUrl="https://oidc-ack.example.com",
        ClientIds="sts.aliyuncs.com",
        Fingerprints="A" * 40,
        Description="rrsa",
    )["OIDCProvider"]
    assert created["Arn"] == f"acs:ram::{live_server.account_id}:oidc-provider/{name}"
    assert (created["IssuanceLimitTime"], created["ClientIds"]) == (12, "sts.aliyuncs.com")
    updated = ram(
        "UpdateOIDCProvider", OIDCProviderName=name, ClientIds="a,b", IssuanceLimitTime=168
    )["OIDCProvider"]
    assert (updated["ClientIds"], updated["IssuanceLimitTime"]) == ("a,b", 168)
    assert ram("GetOIDCProvider", OIDCProviderName=name)["OIDCProvider"]["Fingerprints"] == (
        "a" * 40
    )
    listed = ram("ListOIDCProviders")["OIDCProviders"]["OIDCProvider"]
    assert name in [p["OIDCProviderName"] for p in listed]
    ram("DeleteOIDCProvider", OIDCProviderName=name)
    ram.fails(404, "EntityNotExist.OIDCProvider", "GetOIDCProvider", OIDCProviderName=name)


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"IssuerUrl": "http://plain.example.com"}, "InvalidParameter.IssuerUrl.Format"),
        ({"IssuerUrl": "https://x.example.com/?q=1"}, "InvalidParameter.IssuerUrl.Format"),
        ({"IssuerUrl": "https://u@x.example.com"}, "InvalidParameter.IssuerUrl.Format"),
        ({"IssuerUrl": "https://" + "x" * 250}, "InvalidParameter.IssuerUrl.Length"),
        ({"Fingerprints": "abc"}, "InvalidParameter.Fingerprints.Format"),
        ({"Fingerprints": ",".join(["a" * 40] * 6)}, "LimitExceeded.Fingerprints"),
        ({"ClientIds": ",".join(f"c{n}" for n in range(51))}, "LimitExceeded.ClientIds"),
        ({"IssuanceLimitTime": 169}, "InvalidParameter.IssuanceLimitTime"),
    ],
)
def test_oidc_provider_validation(ram: Ram, params: dict[str, Any], code: str) -> None:
    base = {"OIDCProviderName": unique("p"), "IssuerUrl": "https://ok.example.com"}
    err = ram.error("CreateOIDCProvider", **{**base, **params})
    assert err.get_error_code() == code, err.get_error_msg()


def test_errors_are_json_with_request_id(live_server: LiveServer, ram: Ram) -> None:
    """The raw error body, as any client sees it."""
    err = ram.error("GetUser", UserName=unique("missing"))
    assert err.get_request_id()
    response = httpx.get(live_server.endpoint + "/", params={"Action": "GetUser"})
    assert response.json()["Code"] == "MissingParameter"
