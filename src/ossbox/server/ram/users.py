"""RAM users: CreateUser, GetUser, UpdateUser, ListUsers, DeleteUser."""

from __future__ import annotations

from typing import Any

from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import USER_NAME
from ossbox.store.ram import EntityNotExist, User

COMMENTS_MAX = 128


def require_user(call: RamCall, name: str) -> User:
    user = call.ram.get_user(call.account_id, name)
    if user is None:
        raise rpc_error(EntityNotExist("User", name))
    return user


def create_user(call: RamCall) -> dict[str, Any]:
    p = call.params
    user = call.ram.create_user(
        call.account_id,
        p.name("UserName", USER_NAME),
        display_name=p.display_name("DisplayName") or "",
        mobile_phone=p.mobile_phone("MobilePhone") or "",
        email=p.email("Email") or "",
        comments=p.text("Comments", COMMENTS_MAX) or "",
    )
    return {"User": shapes.user(user)}


def get_user(call: RamCall) -> dict[str, Any]:
    return {"User": shapes.user(require_user(call, call.params.name("UserName", USER_NAME)))}


def update_user(call: RamCall) -> dict[str, Any]:
    p = call.params
    user = call.ram.update_user(
        call.account_id,
        p.name("UserName", USER_NAME),
        new_name=p.optional_name("NewUserName", USER_NAME),
        display_name=p.display_name("NewDisplayName"),
        mobile_phone=p.mobile_phone("NewMobilePhone"),
        email=p.email("NewEmail"),
        comments=p.text("NewComments", COMMENTS_MAX),
    )
    return {"User": shapes.user(user)}


def list_users(call: RamCall) -> dict[str, Any]:
    marker, max_items = call.params.paging()
    page = call.ram.list_users(call.account_id, marker=marker, max_items=max_items)
    return shapes.listing("Users", "User", [shapes.user(u) for u in page.items], page)


def delete_user(call: RamCall) -> dict[str, Any]:
    call.ram.delete_user(call.account_id, call.params.name("UserName", USER_NAME))
    return {}
