"""RAM actions (Version 2015-05-01): each one's handler and the resources it is authorized on.

A call runs in a worker thread (store reads and writes block): authorize on every resource
(see `authorize`), then the handler; the store's refusals become RAM's error codes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ossbox.server.ram import attachments, groups, keys, oidc, policies, roles, users
from ossbox.server.ram.authorize import (
    Resource,
    account,
    authorize,
    custom_policy,
    group,
    key_owner,
    oidc_provider,
    renamed_group,
    renamed_user,
    role,
    typed_policy,
    user,
)
from ossbox.server.ram.call import RamCall, RamHandler
from ossbox.server.ram.errors import rpc_error
from ossbox.server.rpc.dispatch import RpcAction, RpcContext
from ossbox.store.ram import RamStoreError

VERSION = "2015-05-01"


def _run(handler: RamHandler, resources: tuple[Resource, ...], rpc: RpcContext) -> dict[str, Any]:
    call = RamCall.of(rpc)
    authorize(call, resources)
    try:
        return handler(call)
    except RamStoreError as err:
        raise rpc_error(err) from None


def ram_action(handler: RamHandler, *resources: Resource) -> RpcAction:
    """An RPC action that authorizes `ram:<Action>` on `resources`, then runs `handler`."""

    async def run(rpc: RpcContext) -> dict[str, Any]:
        return await asyncio.to_thread(_run, handler, resources, rpc)

    return RpcAction(run)


ACTIONS: dict[str, RpcAction] = {
    # users
    "CreateUser": ram_action(users.create_user, user()),
    "GetUser": ram_action(users.get_user, user()),
    "UpdateUser": ram_action(users.update_user, user(), renamed_user()),
    "ListUsers": ram_action(users.list_users, account),
    "DeleteUser": ram_action(users.delete_user, user()),
    # AccessKeys
    "CreateAccessKey": ram_action(keys.create_access_key, key_owner),
    "ListAccessKeys": ram_action(keys.list_access_keys, key_owner),
    "UpdateAccessKey": ram_action(keys.update_access_key, key_owner),
    "DeleteAccessKey": ram_action(keys.delete_access_key, key_owner),
    # groups
    "CreateGroup": ram_action(groups.create_group, group()),
    "GetGroup": ram_action(groups.get_group, group()),
    "UpdateGroup": ram_action(groups.update_group, group(), renamed_group()),
    "ListGroups": ram_action(groups.list_groups, account),
    "DeleteGroup": ram_action(groups.delete_group, group()),
    "AddUserToGroup": ram_action(groups.add_user_to_group, group(), user()),
    "RemoveUserFromGroup": ram_action(groups.remove_user_from_group, group(), user()),
    "ListGroupsForUser": ram_action(groups.list_groups_for_user, user()),
    "ListUsersForGroup": ram_action(groups.list_users_for_group, group()),
    # policies
    "CreatePolicy": ram_action(policies.create_policy, custom_policy),
    "GetPolicy": ram_action(policies.get_policy, typed_policy),
    "ListPolicies": ram_action(policies.list_policies, account),
    "UpdatePolicyDescription": ram_action(policies.update_policy_description, custom_policy),
    "DeletePolicy": ram_action(policies.delete_policy, custom_policy),
    "CreatePolicyVersion": ram_action(policies.create_policy_version, custom_policy),
    "GetPolicyVersion": ram_action(policies.get_policy_version, typed_policy),
    "ListPolicyVersions": ram_action(policies.list_policy_versions, typed_policy),
    "SetDefaultPolicyVersion": ram_action(policies.set_default_policy_version, custom_policy),
    "DeletePolicyVersion": ram_action(policies.delete_policy_version, custom_policy),
    "ListEntitiesForPolicy": ram_action(policies.list_entities_for_policy, typed_policy),
    # attachments: the target and the policy
    "AttachPolicyToUser": ram_action(attachments.attach("User"), user(), typed_policy),
    "AttachPolicyToGroup": ram_action(attachments.attach("Group"), group(), typed_policy),
    "AttachPolicyToRole": ram_action(attachments.attach("Role"), role(), typed_policy),
    "DetachPolicyFromUser": ram_action(attachments.detach("User"), user(), typed_policy),
    "DetachPolicyFromGroup": ram_action(attachments.detach("Group"), group(), typed_policy),
    "DetachPolicyFromRole": ram_action(attachments.detach("Role"), role(), typed_policy),
    "ListPoliciesForUser": ram_action(attachments.list_for("User"), user()),
    "ListPoliciesForGroup": ram_action(attachments.list_for("Group"), group()),
    "ListPoliciesForRole": ram_action(attachments.list_for("Role"), role()),
    # roles
    "CreateRole": ram_action(roles.create_role, role()),
    "GetRole": ram_action(roles.get_role, role()),
    "UpdateRole": ram_action(roles.update_role, role()),
    "ListRoles": ram_action(roles.list_roles, account),
    "DeleteRole": ram_action(roles.delete_role, role()),
    "RevokeRoleSessions": ram_action(roles.revoke_role_sessions, role()),
    # OIDC identity providers
    "CreateOIDCProvider": ram_action(oidc.create_oidc_provider, oidc_provider()),
    "GetOIDCProvider": ram_action(oidc.get_oidc_provider, oidc_provider()),
    "UpdateOIDCProvider": ram_action(oidc.update_oidc_provider, oidc_provider()),
    "ListOIDCProviders": ram_action(oidc.list_oidc_providers, account),
    "DeleteOIDCProvider": ram_action(oidc.delete_oidc_provider, oidc_provider()),
}
