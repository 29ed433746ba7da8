"""The RAM store: users, keys, groups, policies and versions, attachments, roles, OIDC."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ossbox.policy import SYSTEM_POLICIES
from ossbox.store import Store, open_store, ram_sqlite
from ossbox.store.base import AccessKey
from ossbox.store.crypto import MasterKey
from ossbox.store.ram import (
    DeleteConflict,
    EntityAlreadyExists,
    EntityNotExist,
    LimitExceeded,
    OidcProvider,
)

ACCT = "1234567890123456"
OTHER = "6543210987654321"
DOC = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}],
    }
)
TRUST = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}'  # noqa: E501


@pytest.fixture(autouse=True)
def accounts(store: Store) -> None:
    """AccessKeys belong to accounts, as on a running server."""
    store.meta.create_account(ACCT)
    store.meta.create_account(OTHER)


def doc(action: str) -> str:
    return DOC.replace("oss:GetObject", action)


def user_key(store: Store, name: str, key_id: str, account: str = ACCT) -> AccessKey:
    key = AccessKey(
        access_key_id=key_id,
        secret=f"secret-of-{key_id}",
        account_id=account,
        principal_type="user",
        principal_name=name,
    )
    return store.ram.create_access_key(key)


# users


def test_user_ids_are_16_digits_and_names_unique_per_account(store: Store) -> None:
    alice = store.ram.create_user(ACCT, "alice", display_name="Alice", email="a@example.com")
    assert len(alice.user_id) == 16 and alice.user_id.isdigit()
    assert alice.arn == f"acs:ram::{ACCT}:user/alice"
    assert store.ram.get_user(ACCT, "alice") == alice
    assert store.ram.get_user_by_id(alice.user_id) == alice
    with pytest.raises(EntityAlreadyExists) as err:
        store.ram.create_user(ACCT, "alice")
    assert err.value.entity == "User"
    other = store.ram.create_user(OTHER, "alice")
    assert other.user_id != alice.user_id
    assert store.ram.get_user(ACCT, "Alice") is None  # names are exact keys


def test_update_user_changes_fields_and_rename_carries_keys_groups_policies(store: Store) -> None:
    store.ram.create_user(ACCT, "bob")
    user_key(store, "bob", "LTAIbob0001")
    store.ram.create_group(ACCT, "devs")
    store.ram.add_user_to_group(ACCT, "devs", "bob")
    store.ram.attach_policy(ACCT, "System", "AliyunOSSReadOnlyAccess", "User", "bob")
    renamed = store.ram.update_user(ACCT, "bob", new_name="robert", comments="renamed")
    assert (renamed.name, renamed.comments) == ("robert", "renamed")
    assert store.ram.get_user(ACCT, "bob") is None
    key = store.meta.get_access_key("LTAIbob0001")
    assert key is not None and key.principal_name == "robert"
    assert [g.name for g, _ in store.ram.list_groups_for_user(ACCT, "robert")] == ["devs"]
    assert [p.name for p in store.ram.policies_for_user(ACCT, "robert")] == [
        "AliyunOSSReadOnlyAccess"
    ]


def test_update_user_refuses_a_taken_name_and_a_missing_user(store: Store) -> None:
    store.ram.create_user(ACCT, "a")
    store.ram.create_user(ACCT, "b")
    with pytest.raises(EntityAlreadyExists):
        store.ram.update_user(ACCT, "a", new_name="b")
    with pytest.raises(EntityNotExist):
        store.ram.update_user(ACCT, "nobody", display_name="x")


def test_list_users_pages_by_name(store: Store) -> None:
    for name in ["u3", "u1", "u5", "u2", "u4"]:
        store.ram.create_user(ACCT, name)
    store.ram.create_user(OTHER, "u0")
    first = store.ram.list_users(ACCT, max_items=2)
    assert [u.name for u in first.items] == ["u1", "u2"] and first.is_truncated
    assert first.marker is not None
    second = store.ram.list_users(ACCT, marker=first.marker, max_items=2)
    assert [u.name for u in second.items] == ["u3", "u4"]
    assert second.marker is not None
    last = store.ram.list_users(ACCT, marker=second.marker, max_items=2)
    assert [u.name for u in last.items] == ["u5"] and not last.is_truncated
    assert last.marker is None


@pytest.mark.parametrize("blocker", ["AccessKey", "Policy", "Group"])
def test_delete_user_refused_while_it_has_keys_policies_or_groups(
    store: Store, blocker: str
) -> None:
    store.ram.create_user(ACCT, "carol")
    store.ram.create_group(ACCT, "g")
    if blocker == "AccessKey":
        user_key(store, "carol", "LTAIcarol01")
    elif blocker == "Policy":
        store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "carol")
    else:
        store.ram.add_user_to_group(ACCT, "g", "carol")
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_user(ACCT, "carol")
    assert (err.value.entity, err.value.blocker) == ("User", blocker)
    assert store.ram.get_user(ACCT, "carol") is not None


def test_delete_user(store: Store) -> None:
    store.ram.create_user(ACCT, "dave")
    store.ram.delete_user(ACCT, "dave")
    assert store.ram.get_user(ACCT, "dave") is None
    with pytest.raises(EntityNotExist):
        store.ram.delete_user(ACCT, "dave")


# access keys


def test_access_keys_limit_two_per_user_and_are_authentication_records(store: Store) -> None:
    store.ram.create_user(ACCT, "erin")
    user_key(store, "erin", "LTAIerin001")
    user_key(store, "erin", "LTAIerin002")
    with pytest.raises(LimitExceeded) as err:
        user_key(store, "erin", "LTAIerin003")
    assert (err.value.entity, err.value.what, err.value.limit) == ("User", "AccessKey", 2)
    key = store.meta.get_access_key("LTAIerin001")
    assert key is not None and key.secret == "secret-of-LTAIerin001"
    assert (key.principal_type, key.principal_name, key.status) == ("user", "erin", "Active")
    listed = store.ram.list_access_keys(ACCT, "erin")
    assert [k.access_key_id for k in listed] == ["LTAIerin001", "LTAIerin002"]
    assert "secret-of" not in repr(listed)


def test_access_key_for_a_missing_user_is_refused(store: Store) -> None:
    with pytest.raises(EntityNotExist) as err:
        user_key(store, "ghost", "LTAIghost01")
    assert err.value.entity == "User"
    assert store.meta.get_access_key("LTAIghost01") is None
    with pytest.raises(EntityNotExist):
        store.ram.list_access_keys(ACCT, "ghost")


def test_update_and_delete_access_key_only_through_its_owner(store: Store) -> None:
    store.ram.create_user(ACCT, "fay")
    store.ram.create_user(ACCT, "gus")
    user_key(store, "fay", "LTAIfay0001")
    with pytest.raises(EntityNotExist) as err:
        store.ram.update_access_key(ACCT, "gus", "LTAIfay0001", "Inactive")
    assert (err.value.entity, err.value.of) == ("AccessKey", "User")
    with pytest.raises(EntityNotExist):
        store.ram.delete_access_key(ACCT, None, "LTAIfay0001")  # not the root's key
    updated = store.ram.update_access_key(ACCT, "fay", "LTAIfay0001", "Inactive")
    assert updated.status == "Inactive"
    stored = store.meta.get_access_key("LTAIfay0001")
    assert stored is not None and stored.status == "Inactive"
    store.ram.delete_access_key(ACCT, "fay", "LTAIfay0001")
    assert store.meta.get_access_key("LTAIfay0001") is None
    store.ram.delete_user(ACCT, "fay")


def test_root_access_keys(store: Store) -> None:
    root = AccessKey(
        access_key_id="LTAIroot001",
        secret="s",
        account_id=ACCT,
        principal_type="root",
        principal_name="",
    )
    store.ram.create_access_key(root)
    assert [k.access_key_id for k in store.ram.list_access_keys(ACCT, None)] == ["LTAIroot001"]


# groups


def test_groups_membership_and_listing(store: Store) -> None:
    for name in ["u1", "u2", "u3"]:
        store.ram.create_user(ACCT, name)
    group = store.ram.create_group(ACCT, "ops", comments="operators")
    assert store.ram.get_group(ACCT, "ops") == group
    with pytest.raises(EntityAlreadyExists):
        store.ram.create_group(ACCT, "ops")
    for name in ["u3", "u1", "u2"]:
        store.ram.add_user_to_group(ACCT, "ops", name)
    with pytest.raises(EntityAlreadyExists) as err:
        store.ram.add_user_to_group(ACCT, "ops", "u1")
    assert (err.value.entity, err.value.of) == ("Group", "User")
    page = store.ram.list_users_for_group(ACCT, "ops", max_items=2)
    assert [u.name for u, _ in page.items] == ["u1", "u2"] and page.marker == "u2"
    rest = store.ram.list_users_for_group(ACCT, "ops", marker="u2")
    assert [u.name for u, _ in rest.items] == ["u3"]
    store.ram.remove_user_from_group(ACCT, "ops", "u1")
    with pytest.raises(EntityNotExist) as missing:
        store.ram.remove_user_from_group(ACCT, "ops", "u1")
    assert (missing.value.entity, missing.value.of) == ("Group", "User")
    assert store.ram.list_groups_for_user(ACCT, "u1") == []
    with pytest.raises(EntityNotExist):
        store.ram.add_user_to_group(ACCT, "nogroup", "u1")


def test_delete_group_refused_with_members_or_policies(store: Store) -> None:
    store.ram.create_user(ACCT, "u")
    store.ram.create_group(ACCT, "g")
    store.ram.add_user_to_group(ACCT, "g", "u")
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_group(ACCT, "g")
    assert err.value.blocker == "User"
    store.ram.remove_user_from_group(ACCT, "g", "u")
    store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "Group", "g")
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_group(ACCT, "g")
    assert err.value.blocker == "Policy"
    store.ram.detach_policy(ACCT, "System", "AliyunOSSFullAccess", "Group", "g")
    renamed = store.ram.update_group(ACCT, "g", new_name="g2", comments="c")
    assert (renamed.name, renamed.comments) == ("g2", "c")
    store.ram.delete_group(ACCT, "g2")
    assert store.ram.list_groups(ACCT).items == []


# policies


def test_system_policies_exist_in_every_account(store: Store) -> None:
    for name in ["AliyunSTSAssumeRoleAccess", "AliyunOSSFullAccess", "AdministratorAccess"]:
        policy = store.ram.get_policy(OTHER, name, "System")
        assert policy is not None and policy.default_version == "v1"
        version = store.ram.get_policy_version(OTHER, name, "System", "v1")
        assert version is not None and version.document == SYSTEM_POLICIES[name]
    assert store.ram.get_policy(ACCT, "AliyunOSSFullAccess", "Custom") is None
    listed = store.ram.list_policies(ACCT, policy_type="System", max_items=1000)
    assert sorted(p.name for p in listed.items) == sorted(SYSTEM_POLICIES)


def test_custom_policy_versions_up_to_five(store: Store) -> None:
    policy, v1 = store.ram.create_policy(ACCT, "P", doc("oss:A"), description="d")
    assert (policy.policy_type, policy.default_version, v1.version_id) == ("Custom", "v1", "v1")
    with pytest.raises(EntityAlreadyExists):
        store.ram.create_policy(ACCT, "P", doc("oss:A"))
    for n in range(2, 6):
        version = store.ram.create_policy_version(ACCT, "P", doc(f"oss:V{n}"))
        assert (version.version_id, version.is_default) == (f"v{n}", False)
    with pytest.raises(LimitExceeded) as err:
        store.ram.create_policy_version(ACCT, "P", doc("oss:V6"))
    assert (err.value.entity, err.value.what) == ("Policy", "Version")
    store.ram.delete_policy_version(ACCT, "P", "v2")
    v6 = store.ram.create_policy_version(ACCT, "P", doc("oss:V6"), set_as_default=True)
    assert v6.version_id == "v6" and v6.is_default  # numbers are never reused
    got = store.ram.get_policy(ACCT, "P", "Custom")
    assert got is not None and got.default_version == "v6"
    versions = store.ram.list_policy_versions(ACCT, "P", "Custom")
    assert [(v.version_id, v.is_default) for v in versions] == [
        ("v1", False),
        ("v3", False),
        ("v4", False),
        ("v5", False),
        ("v6", True),
    ]


def test_rotate_drops_the_oldest_non_default_version(store: Store) -> None:
    store.ram.create_policy(ACCT, "P", doc("oss:A"))
    for n in range(2, 6):
        store.ram.create_policy_version(ACCT, "P", doc(f"oss:V{n}"))
    store.ram.create_policy_version(ACCT, "P", doc("oss:V6"), rotate=True)
    ids = [v.version_id for v in store.ram.list_policy_versions(ACCT, "P", "Custom")]
    assert ids == ["v1", "v3", "v4", "v5", "v6"]  # v1 is the default: kept


def test_default_version_rules(store: Store) -> None:
    store.ram.create_policy(ACCT, "P", doc("oss:A"))
    store.ram.create_policy_version(ACCT, "P", doc("oss:B"))
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_policy_version(ACCT, "P", "v1")
    assert (err.value.entity, err.value.blocker) == ("PolicyVersion", "Default")
    with pytest.raises(EntityNotExist) as missing:
        store.ram.set_default_policy_version(ACCT, "P", "v9")
    assert missing.value.entity == "PolicyVersion"
    store.ram.set_default_policy_version(ACCT, "P", "v2")
    store.ram.delete_policy_version(ACCT, "P", "v1")
    assert store.ram.get_policy_version(ACCT, "P", "Custom", "v1") is None
    assert store.ram.get_policy_version(ACCT, "P", "Custom", "bogus") is None


def test_delete_policy_refused_while_attached_or_versioned(store: Store) -> None:
    store.ram.create_policy(ACCT, "P", doc("oss:A"))
    store.ram.create_role(ACCT, "R", TRUST)
    store.ram.attach_policy(ACCT, "Custom", "P", "Role", "R")
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_policy(ACCT, "P")
    assert err.value.blocker == "Role"
    store.ram.detach_policy(ACCT, "Custom", "P", "Role", "R")
    store.ram.create_policy_version(ACCT, "P", doc("oss:B"))
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_policy(ACCT, "P")
    assert err.value.blocker == "Version"
    store.ram.delete_policy_version(ACCT, "P", "v2")
    store.ram.delete_policy(ACCT, "P")
    assert store.ram.get_policy(ACCT, "P", "Custom") is None


def test_cascading_delete_detaches(store: Store) -> None:
    store.ram.create_policy(ACCT, "P", doc("oss:A"))
    store.ram.create_user(ACCT, "u")
    store.ram.attach_policy(ACCT, "Custom", "P", "User", "u")
    store.ram.create_policy_version(ACCT, "P", doc("oss:B"))
    store.ram.delete_policy(ACCT, "P", cascade=True)
    assert store.ram.policies_for_user(ACCT, "u") == []
    store.ram.delete_user(ACCT, "u")


def test_list_policies_pages_across_system_and_custom(store: Store) -> None:
    for name in ["C2", "C1", "C3"]:
        store.ram.create_policy(ACCT, name, doc("oss:A"))
    seen: list[str] = []
    marker = ""
    while True:
        page = store.ram.list_policies(ACCT, marker=marker, max_items=4)
        seen += [f"{p.policy_type}:{p.name}" for p in page.items]
        if not page.is_truncated:
            break
        assert page.marker is not None
        marker = page.marker
    system = [f"System:{n}" for n in sorted(SYSTEM_POLICIES)]
    assert seen == [*system, "Custom:C1", "Custom:C2", "Custom:C3"]
    custom = store.ram.list_policies(ACCT, policy_type="Custom")
    assert [p.name for p in custom.items] == ["C1", "C2", "C3"]


# attachments and what authorization reads


def test_attach_detach_errors(store: Store) -> None:
    store.ram.create_user(ACCT, "u")
    with pytest.raises(EntityNotExist) as err:
        store.ram.attach_policy(ACCT, "Custom", "Nope", "User", "u")
    assert err.value.entity == "Policy"
    with pytest.raises(EntityNotExist) as err:
        store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "nobody")
    assert err.value.entity == "User"
    store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    with pytest.raises(EntityAlreadyExists) as twice:
        store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    assert (twice.value.entity, twice.value.of) == ("Policy", "User")
    store.ram.detach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    with pytest.raises(EntityNotExist) as gone:
        store.ram.detach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    assert (gone.value.entity, gone.value.of) == ("Policy", "User")


def test_policies_for_user_include_group_policies_once_with_default_documents(
    store: Store,
) -> None:
    store.ram.create_user(ACCT, "u")
    store.ram.create_group(ACCT, "g1")
    store.ram.create_group(ACCT, "g2")
    store.ram.add_user_to_group(ACCT, "g1", "u")
    store.ram.add_user_to_group(ACCT, "g2", "u")
    store.ram.create_policy(ACCT, "Mine", doc("oss:A"))
    store.ram.create_policy_version(ACCT, "Mine", doc("oss:B"), set_as_default=True)
    store.ram.attach_policy(ACCT, "Custom", "Mine", "User", "u")
    store.ram.attach_policy(ACCT, "Custom", "Mine", "Group", "g1")
    store.ram.attach_policy(ACCT, "System", "AliyunSTSAssumeRoleAccess", "Group", "g2")
    attached = store.ram.policies_for_user(ACCT, "u")
    assert [(p.name, p.policy_type) for p in attached] == [
        ("AliyunSTSAssumeRoleAccess", "System"),
        ("Mine", "Custom"),
    ]
    assert attached[0].document == SYSTEM_POLICIES["AliyunSTSAssumeRoleAccess"]
    assert "oss:B" in attached[1].document
    assert store.ram.policies_for_user(ACCT, "stranger") == []
    assert store.ram.policies_for_user(OTHER, "u") == []


def test_list_policies_for_and_entities_for_policy(store: Store) -> None:
    store.ram.create_user(ACCT, "u")
    store.ram.create_group(ACCT, "g")
    store.ram.create_role(ACCT, "r", TRUST)
    store.ram.create_policy(ACCT, "P", doc("oss:A"), description="mine")
    for target_type, name in (("User", "u"), ("Group", "g"), ("Role", "r")):
        store.ram.attach_policy(ACCT, "Custom", "P", target_type, name)  # type: ignore[arg-type]
    store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    listed = store.ram.list_policies_for(ACCT, "User", "u")
    assert [(a.policy.policy_type, a.policy.name) for a in listed] == [
        ("System", "AliyunOSSFullAccess"),
        ("Custom", "P"),
    ]
    assert listed[1].policy.description == "mine" and listed[1].policy.attachment_count == 3
    entities = store.ram.list_entities_for_policy(ACCT, "Custom", "P")
    assert [(e.target_type, e.name) for e in entities] == [
        ("User", "u"),
        ("Group", "g"),
        ("Role", "r"),
    ]
    with pytest.raises(EntityNotExist):
        store.ram.list_policies_for(ACCT, "Role", "missing")


# roles


def test_roles(store: Store) -> None:
    role = store.ram.create_role(ACCT, "RamOssTest", TRUST, description="d")
    assert len(role.role_id) == 19 and role.max_session_duration == 3600
    assert role.arn == f"acs:ram::{ACCT}:role/RamOssTest"
    assert store.ram.get_role(ACCT, "RamOssTest") == role
    with pytest.raises(EntityAlreadyExists):
        store.ram.create_role(ACCT, "RamOssTest", TRUST)
    updated = store.ram.update_role(ACCT, "RamOssTest", max_session_duration=7200)
    assert (updated.max_session_duration, updated.description) == (7200, "d")
    store.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "Role", "RamOssTest")
    assert [p.name for p in store.ram.policies_for_role(ACCT, "RamOssTest")] == [
        "AliyunOSSFullAccess"
    ]
    with pytest.raises(DeleteConflict) as err:
        store.ram.delete_role(ACCT, "RamOssTest")
    assert (err.value.entity, err.value.blocker) == ("Role", "Policy")
    store.ram.detach_policy(ACCT, "System", "AliyunOSSFullAccess", "Role", "RamOssTest")
    store.ram.delete_role(ACCT, "RamOssTest")
    assert store.ram.list_roles(ACCT).items == []
    assert store.ram.policies_for_role(ACCT, "RamOssTest") == []


# OIDC providers


def test_oidc_providers(store: Store) -> None:
    provider = OidcProvider(
        account_id=ACCT,
        name="ack",
        issuer_url="https://oidc.example.com",
        client_ids=("sts.aliyuncs.com",),
        fingerprints=("a" * 40,),
    )
    created = store.ram.create_oidc_provider(provider)
    assert created.arn == f"acs:ram::{ACCT}:oidc-provider/ack"
    assert created.issuance_limit_time == 12
    with pytest.raises(EntityAlreadyExists):
        store.ram.create_oidc_provider(provider)
    updated = store.ram.update_oidc_provider(ACCT, "ack", client_ids=["a", "b"], description="x")
    assert updated.client_ids == ("a", "b") and updated.fingerprints == ("a" * 40,)
    assert store.ram.get_oidc_provider(ACCT, "ack") == updated
    assert [p.name for p in store.ram.list_oidc_providers(ACCT).items] == ["ack"]
    store.ram.delete_oidc_provider(ACCT, "ack")
    assert store.ram.get_oidc_provider(ACCT, "ack") is None
    with pytest.raises(EntityNotExist):
        store.ram.delete_oidc_provider(ACCT, "ack")


def test_at_most_100_oidc_providers_per_account(store: Store) -> None:
    for n in range(100):
        store.ram.create_oidc_provider(
            OidcProvider(account_id=ACCT, name=f"p{n}", issuer_url="https://i.example.com")
        )
    with pytest.raises(LimitExceeded) as err:
        store.ram.create_oidc_provider(
            OidcProvider(account_id=ACCT, name="p100", issuer_url="https://i.example.com")
        )
    assert (err.value.entity, err.value.limit) == ("OIDCProvider", 100)
    store.ram.create_oidc_provider(
        OidcProvider(account_id=OTHER, name="p100", issuer_url="https://i.example.com")
    )


# persistence


def test_ram_entities_survive_reopening(tmp_path: Path) -> None:
    key = MasterKey.generate()
    first = open_store(tmp_path / "d", master_key=key)
    first.meta.create_account(ACCT)
    first.ram.create_user(ACCT, "persist")
    user_key(first, "persist", "LTAIpersist")
    first.close()
    second = open_store(tmp_path / "d", master_key=key)
    try:
        assert second.ram.get_user(ACCT, "persist") is not None
        keys = second.ram.list_access_keys(ACCT, "persist")
        assert [k.secret for k in keys] == ["secret-of-LTAIpersist"]
    finally:
        second.close()


def test_attachments_are_memoized_but_a_change_here_shows_at_once(store: Store) -> None:
    store.ram.create_user(ACCT, "memo")
    store.ram.attach_policy(ACCT, "System", "AliyunOSSReadOnlyAccess", "User", "memo")
    assert [p.name for p in store.ram.policies_for_user(ACCT, "memo")] == [
        "AliyunOSSReadOnlyAccess"
    ]
    store.ram.detach_policy(ACCT, "System", "AliyunOSSReadOnlyAccess", "User", "memo")
    assert store.ram.policies_for_user(ACCT, "memo") == []


def test_another_process_change_shows_within_the_memo_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = MasterKey.generate()
    server, cli = open_store(tmp_path, master_key=key), open_store(tmp_path, master_key=key)
    server.meta.create_account(ACCT)
    cli.ram.create_user(ACCT, "u")
    cli.ram.attach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    assert len(server.ram.policies_for_user(ACCT, "u")) == 1
    cli.ram.detach_policy(ACCT, "System", "AliyunOSSFullAccess", "User", "u")
    clock = ram_sqlite.time.monotonic() + ram_sqlite.MEMO_SECONDS + 0.01
    monkeypatch.setattr(ram_sqlite.time, "monotonic", lambda: clock)
    assert server.ram.policies_for_user(ACCT, "u") == []
    server.close()
    cli.close()
