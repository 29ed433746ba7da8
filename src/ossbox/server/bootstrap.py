"""First start and every start: open the store, make sure the root account and its AccessKey
exist, and build the application.

The root AccessKey comes from OSSBOX_ROOT_ACCESS_KEY_ID / OSSBOX_ROOT_ACCESS_KEY_SECRET when
set; otherwise one is generated on first start, printed once and written to
DIR/root-credentials (mode 0600). OSSBOX_ACCOUNT_ID fixes the account id.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path

from ossbox.atomic_files import write_private
from ossbox.server.app import OssboxApp
from ossbox.server.config import ServerConfig
from ossbox.server.keygen import new_access_key_id, new_access_key_secret
from ossbox.store import Store, open_store
from ossbox.store.base import AccessKey


def _account_id(data_dir: Path, env: Mapping[str, str]) -> str:
    """The root account id: fixed on first start (env or random), remembered in DIR."""
    path = data_dir / "account-id"
    if path.exists():
        return path.read_text().strip()
    account_id = env.get("OSSBOX_ACCOUNT_ID") or str(secrets.randbelow(9 * 10**15) + 10**15)
    path.write_text(account_id + "\n")
    return account_id


def ensure_root(store: Store, data_dir: Path, env: Mapping[str, str]) -> str:
    """Create the root account and its AccessKey if needed; returns the account id."""
    account_id = _account_id(data_dir, env)
    store.meta.create_account(account_id)
    env_id = env.get("OSSBOX_ROOT_ACCESS_KEY_ID")
    env_secret = env.get("OSSBOX_ROOT_ACCESS_KEY_SECRET")
    if env_id and env_secret:
        known = store.meta.get_access_key(env_id)
        if known is None or known.secret != env_secret:
            store.meta.put_access_key(_root_key(env_id, env_secret, account_id))
        return account_id
    if store.meta.list_access_keys(account_id, principal_type="root"):
        return account_id
    key = _root_key(new_access_key_id(), new_access_key_secret(), account_id)
    store.meta.put_access_key(key)
    write_private(
        data_dir / "root-credentials",
        f"OSSBOX_ACCOUNT_ID={account_id}\n"
        f"OSSBOX_ROOT_ACCESS_KEY_ID={key.access_key_id}\n"
        f"OSSBOX_ROOT_ACCESS_KEY_SECRET={key.secret}\n".encode(),
    )
    print(
        f"ossbox: created the root AccessKey of account {account_id} (shown once; also in "
        f"{data_dir / 'root-credentials'}, mode 0600):\n"
        f"  AccessKeyId:     {key.access_key_id}\n  AccessKeySecret: {key.secret}",
        file=sys.stderr,
    )
    return account_id


def _root_key(access_key_id: str, secret: str, account_id: str) -> AccessKey:
    return AccessKey(
        access_key_id=access_key_id,
        secret=secret,
        account_id=account_id,
        principal_type="root",
        principal_name="",
    )


def open_server(config: ServerConfig, env: Mapping[str, str] | None = None) -> OssboxApp:
    config.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    store = open_store(config.data_dir)
    ensure_root(store, config.data_dir, os.environ if env is None else env)
    return OssboxApp(config, store)
