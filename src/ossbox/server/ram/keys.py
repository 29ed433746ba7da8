"""AccessKeys of RAM users (and of the root, when the root calls without UserName):
CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey.

A new key is an ordinary AccessKey record, so OSS and RPC authentication accept it at once.
Its secret appears in the CreateAccessKey answer and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ossbox.server.keygen import new_access_key_id, new_access_key_secret
from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.params import ACCESS_KEY_ID
from ossbox.store.base import AccessKey
from ossbox.store.ram import RamStore


def mint_access_key(
    ram: RamStore, account_id: str, user_name: str | None, now: datetime
) -> AccessKey:
    """A new Active key for the user (None: the account's root), under the 2-key limit."""
    key = AccessKey(
        access_key_id=new_access_key_id(),
        secret=new_access_key_secret(),
        account_id=account_id,
        principal_type="root" if user_name is None else "user",
        principal_name=user_name or "",
        created=now.replace(microsecond=0),
    )
    return ram.create_access_key(key)


def create_access_key(call: RamCall) -> dict[str, Any]:
    key = mint_access_key(call.ram, call.account_id, call.key_owner(), call.now)
    return {"AccessKey": {**shapes.access_key(key), "AccessKeySecret": key.secret}}


def list_access_keys(call: RamCall) -> dict[str, Any]:
    keys = call.ram.list_access_keys(call.account_id, call.key_owner())
    return shapes.listing("AccessKeys", "AccessKey", [shapes.access_key(k) for k in keys])


def update_access_key(call: RamCall) -> dict[str, Any]:
    key_id = call.params.name("UserAccessKeyId", ACCESS_KEY_ID)
    status = call.params.status()
    call.ram.update_access_key(call.account_id, call.key_owner(), key_id, status)
    return {}


def delete_access_key(call: RamCall) -> dict[str, Any]:
    key_id = call.params.name("UserAccessKeyId", ACCESS_KEY_ID)
    call.ram.delete_access_key(call.account_id, call.key_owner(), key_id)
    return {}
