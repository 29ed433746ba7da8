"""RAM user groups: CreateGroup, GetGroup, UpdateGroup, ListGroups, DeleteGroup,
AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser, ListUsersForGroup."""

from __future__ import annotations

from typing import Any

from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import GROUP_NAME, USER_NAME
from ossbox.store.ram import EntityNotExist

COMMENTS_MAX = 128


def create_group(call: RamCall) -> dict[str, Any]:
    p = call.params
    group = call.ram.create_group(
        call.account_id,
        p.name("GroupName", GROUP_NAME),
        comments=p.text("Comments", COMMENTS_MAX) or "",
    )
    return {"Group": shapes.group(group)}


def get_group(call: RamCall) -> dict[str, Any]:
    name = call.params.name("GroupName", GROUP_NAME)
    group = call.ram.get_group(call.account_id, name)
    if group is None:
        raise rpc_error(EntityNotExist("Group", name))
    return {"Group": shapes.group(group)}


def update_group(call: RamCall) -> dict[str, Any]:
    p = call.params
    group = call.ram.update_group(
        call.account_id,
        p.name("GroupName", GROUP_NAME),
        new_name=p.optional_name("NewGroupName", GROUP_NAME),
        comments=p.text("NewComments", COMMENTS_MAX),
    )
    return {"Group": shapes.group(group)}


def list_groups(call: RamCall) -> dict[str, Any]:
    marker, max_items = call.params.paging()
    page = call.ram.list_groups(call.account_id, marker=marker, max_items=max_items)
    return shapes.listing("Groups", "Group", [shapes.group(g) for g in page.items], page)


def delete_group(call: RamCall) -> dict[str, Any]:
    call.ram.delete_group(call.account_id, call.params.name("GroupName", GROUP_NAME))
    return {}


def _group_and_user(call: RamCall) -> tuple[str, str]:
    return call.params.name("GroupName", GROUP_NAME), call.params.name("UserName", USER_NAME)


def add_user_to_group(call: RamCall) -> dict[str, Any]:
    call.ram.add_user_to_group(call.account_id, *_group_and_user(call))
    return {}


def remove_user_from_group(call: RamCall) -> dict[str, Any]:
    call.ram.remove_user_from_group(call.account_id, *_group_and_user(call))
    return {}


def list_groups_for_user(call: RamCall) -> dict[str, Any]:
    user = call.params.name("UserName", USER_NAME)
    joined = call.ram.list_groups_for_user(call.account_id, user)
    items = [
        {"GroupName": g.name, "Comments": g.comments, "JoinDate": shapes.iso(when)}
        for g, when in joined
    ]
    return shapes.listing("Groups", "Group", items)


def list_users_for_group(call: RamCall) -> dict[str, Any]:
    group = call.params.name("GroupName", GROUP_NAME)
    marker, max_items = call.params.paging()
    page = call.ram.list_users_for_group(call.account_id, group, marker=marker, max_items=max_items)
    items = [
        {"UserName": u.name, "DisplayName": u.display_name, "JoinDate": shapes.iso(when)}
        for u, when in page.items
    ]
    return shapes.listing("Users", "User", items, page)
