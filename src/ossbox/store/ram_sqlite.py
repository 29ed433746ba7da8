"""`RamStore` on SQLite: the RAM tables of `schema`, on the metadata store's database.

It shares the metadata store's `SqliteEngine` (one write lock, one group commit) and its
`access_keys` table: a RAM user's AccessKey is written here, under the per-user limit, in the
same transaction that checks the user exists, and read back through the metadata store.
Attachments and group memberships point at user/group/role ids, so a rename carries them.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from ossbox.policy import SYSTEM_POLICIES
from ossbox.store.base import AccessKey, MetadataStore
from ossbox.store.crypto import MasterKey
from ossbox.store.ram import (
    MAX_KEYS_PER_USER,
    MAX_OIDC_PROVIDERS,
    MAX_POLICY_VERSIONS,
    AttachedPolicy,
    Attachment,
    DeleteConflict,
    EntityAlreadyExists,
    EntityNotExist,
    Group,
    LimitExceeded,
    OidcProvider,
    Page,
    Policy,
    PolicyEntity,
    PolicyType,
    PolicyVersion,
    Role,
    TargetType,
    User,
)
from ossbox.store.ram_sqlite_rows import (
    custom_policy_from_row,
    dump_list,
    group_from_row,
    new_numeric_id,
    oidc_provider_from_row,
    page,
    policy_version_from_row,
    role_from_row,
    system_policy,
    system_policy_version,
    user_from_row,
    version_number,
)
from ossbox.store.sqlite_engine import SqliteEngine, Tx
from ossbox.store.sqlite_rows import access_key_aad, from_us, now_us, to_us

# entity -> (table, id column)
_TABLES: dict[str, tuple[str, str]] = {
    "User": ("ram_users", "user_id"),
    "Group": ("ram_groups", "group_id"),
    "Role": ("ram_roles", "role_id"),
}
_USER_FIELDS = ("display_name", "mobile_phone", "email", "comments")


def _set(tx: Tx, table: str, changes: dict[str, Any], where: str, args: Sequence[Any]) -> None:
    """UPDATE `table` SET the `changes` columns and `updated`; column names are ours, never
    the caller's."""
    changes = {**changes, "updated": now_us()}
    assignments = ", ".join(f"{column} = ?" for column in changes)
    tx.run(f"UPDATE {table} SET {assignments} WHERE {where}", (*changes.values(), *args))  # noqa: S608


def _named_row(conn: sqlite3.Connection, entity: str, account_id: str, name: str) -> Any:
    """A user, group or role row by its unique (account, name)."""
    table, _ = _TABLES[entity]
    sql = f"SELECT * FROM {table} WHERE account_id = ? AND name = ?"  # noqa: S608 - constant
    return conn.execute(sql, (account_id, name)).fetchone()


def insert_access_key(
    tx: Tx, master_key: MasterKey, key: AccessKey, limit: int = MAX_KEYS_PER_USER
) -> None:
    """Store a new key inside `tx`: its owner must exist and hold fewer than `limit` keys."""
    sealed = master_key.seal(key.secret.encode(), aad=access_key_aad(key.access_key_id))
    owner = key.principal_name if key.principal_type == "user" else ""
    if key.principal_type == "user" and _named_row(tx.conn, "User", key.account_id, owner) is None:
        raise EntityNotExist("User", owner)
    row = tx.one(
        "SELECT count(*) FROM access_keys"
        " WHERE account_id = ? AND principal_type = ? AND principal_name = ?",
        (key.account_id, key.principal_type, owner),
    )
    if row is not None and int(row[0]) >= limit:
        raise LimitExceeded("User", owner, "AccessKey", limit)
    tx.run(
        "INSERT INTO access_keys(access_key_id, sealed_secret, account_id,"
        " principal_type, principal_name, status, created) VALUES (?,?,?,?,?,?,?)",
        (
            key.access_key_id,
            sealed,
            key.account_id,
            key.principal_type,
            owner,
            key.status,
            to_us(key.created),
        ),
    )


MEMO_SECONDS = 1.0  # how stale another process's RAM change may look (see _AttachedMemo)
MEMO_ENTRIES = 10_000


class _AttachedMemo:
    """Recently read policy attachments, so an OSS request's authorization costs no joins.

    A RAM write through this process clears it at once; a write by another process sharing
    the database (the `ossbox ram` CLI, another worker) is seen within MEMO_SECONDS.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], tuple[float, list[AttachedPolicy]]] = {}

    def get(
        self,
        key: tuple[str, str, str],
        load: Callable[[str, str], list[AttachedPolicy]],
    ) -> list[AttachedPolicy]:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return list(hit[1])
        attached = load(key[1], key[2])
        if len(self._entries) >= MEMO_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now + MEMO_SECONDS, attached)
        return list(attached)

    def clear(self) -> None:
        self._entries.clear()


class SqliteRamStore:
    """The embedded RAM store. Thread-safe (see `SqliteEngine`)."""

    def __init__(self, db: SqliteEngine, master_key: MasterKey, keys: MetadataStore) -> None:
        self._db = db
        self._master_key = master_key
        self._keys = keys  # reads AccessKey records (and opens their secrets)
        self._memo = _AttachedMemo()

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        """A write transaction; any RAM change forgets this process's memoized attachments."""
        with self._db.write() as tx:
            yield tx
        self._memo.clear()

    # shared helpers

    def _row(self, tx: Tx, entity: str, account_id: str, name: str) -> Any:
        return _named_row(tx.conn, entity, account_id, name)

    def _require(self, tx: Tx, entity: str, account_id: str, name: str) -> Any:
        row = self._row(tx, entity, account_id, name)
        if row is None:
            raise EntityNotExist(entity, name)
        return row

    def _require_id(self, tx: Tx, entity: str, account_id: str, name: str) -> str:
        _, id_column = _TABLES[entity]
        return str(self._require(tx, entity, account_id, name)[id_column])

    def _refuse_existing(self, tx: Tx, entity: str, account_id: str, name: str) -> None:
        if self._row(tx, entity, account_id, name) is not None:
            raise EntityAlreadyExists(entity, name)

    def _get(self, entity: str, account_id: str, name: str) -> Any:
        """One statement outside a transaction: cheap enough to run on the event loop."""
        return _named_row(self._db.conn(), entity, account_id, name)

    def _list(self, table: str, account_id: str, marker: str, max_items: int) -> list[Any]:
        with self._db.read() as tx:
            return tx.rows(
                f"SELECT * FROM {table} WHERE account_id = ? AND name > ?"  # noqa: S608
                " ORDER BY name LIMIT ?",
                (account_id, marker, max_items + 1),
            )

    def _update(self, tx: Tx, entity: str, row_id: str, changes: dict[str, Any]) -> None:
        table, id_column = _TABLES[entity]
        _set(tx, table, changes, f"{id_column} = ?", (row_id,))

    def _count(self, tx: Tx, sql: str, args: Sequence[Any]) -> int:
        row = tx.one(f"SELECT count(*) FROM {sql}", args)  # noqa: S608 - callers pass constants
        return int(row[0]) if row is not None else 0

    # users

    def create_user(
        self,
        account_id: str,
        name: str,
        *,
        display_name: str = "",
        mobile_phone: str = "",
        email: str = "",
        comments: str = "",
    ) -> User:
        now = now_us()
        user_id = new_numeric_id(16)
        with self._write() as tx:
            self._refuse_existing(tx, "User", account_id, name)
            tx.run(
                "INSERT INTO ram_users(user_id, account_id, name, display_name, mobile_phone,"
                " email, comments, created, updated) VALUES (?,?,?,?,?,?,?,?,?)",
                (user_id, account_id, name, display_name, mobile_phone, email, comments, now, now),
            )
            return user_from_row(self._require(tx, "User", account_id, name))

    def get_user(self, account_id: str, name: str) -> User | None:
        row = self._get("User", account_id, name)
        return None if row is None else user_from_row(row)

    def get_user_by_id(self, user_id: str) -> User | None:
        row = (
            self._db.conn()
            .execute("SELECT * FROM ram_users WHERE user_id = ?", (user_id,))
            .fetchone()
        )
        return None if row is None else user_from_row(row)

    def update_user(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        display_name: str | None = None,
        mobile_phone: str | None = None,
        email: str | None = None,
        comments: str | None = None,
    ) -> User:
        values = (display_name, mobile_phone, email, comments)
        changes: dict[str, Any] = {
            f: v for f, v in zip(_USER_FIELDS, values, strict=True) if v is not None
        }
        with self._write() as tx:
            user_id = self._require_id(tx, "User", account_id, name)
            if new_name is not None and new_name != name:
                self._refuse_existing(tx, "User", account_id, new_name)
                changes["name"] = new_name
                tx.run(
                    "UPDATE access_keys SET principal_name = ? WHERE account_id = ?"
                    " AND principal_type = 'user' AND principal_name = ?",
                    (new_name, account_id, name),
                )
            self._update(tx, "User", user_id, changes)
            return user_from_row(self._require(tx, "User", account_id, new_name or name))

    def list_users(self, account_id: str, *, marker: str = "", max_items: int = 100) -> Page[User]:
        rows = self._list("ram_users", account_id, marker, max_items)
        return page([user_from_row(r) for r in rows], max_items, lambda u: u.name)

    def delete_user(self, account_id: str, name: str) -> None:
        with self._write() as tx:
            user_id = self._require_id(tx, "User", account_id, name)
            blockers = (
                ("AccessKey", self._user_key_count(tx, account_id, name)),
                ("Policy", self._attachment_count(tx, "User", user_id)),
                ("Group", self._count(tx, "ram_group_members WHERE user_id = ?", (user_id,))),
            )
            for blocker, count in blockers:
                if count:
                    raise DeleteConflict("User", name, blocker)
            tx.run("DELETE FROM ram_users WHERE user_id = ?", (user_id,))

    # AccessKeys

    def _user_key_count(self, tx: Tx, account_id: str, user_name: str) -> int:
        return self._count(
            tx,
            "access_keys WHERE account_id = ? AND principal_type = 'user' AND principal_name = ?",
            (account_id, user_name),
        )

    def _owner(self, account_id: str, user_name: str | None) -> tuple[str, str]:
        """(principal_type, principal_name) of a key owner; raises EntityNotExist("User")."""
        if user_name is None:
            return "root", ""
        if self.get_user(account_id, user_name) is None:
            raise EntityNotExist("User", user_name)
        return "user", user_name

    def create_access_key(self, key: AccessKey, *, limit: int = MAX_KEYS_PER_USER) -> AccessKey:
        with self._write() as tx:
            insert_access_key(tx, self._master_key, key, limit)
        return key

    def list_access_keys(self, account_id: str, user_name: str | None) -> list[AccessKey]:
        kind, name = self._owner(account_id, user_name)
        return self._keys.list_access_keys(account_id, principal_type=kind, principal_name=name)

    def _owned_key(self, account_id: str, user_name: str | None, access_key_id: str) -> AccessKey:
        kind, name = self._owner(account_id, user_name)
        key = self._keys.get_access_key(access_key_id)
        if key is None or (key.account_id, key.principal_type, key.principal_name) != (
            account_id,
            kind,
            name,
        ):
            raise EntityNotExist("AccessKey", access_key_id, of="User")
        return key

    def update_access_key(
        self, account_id: str, user_name: str | None, access_key_id: str, status: str
    ) -> AccessKey:
        key = self._owned_key(account_id, user_name, access_key_id)
        if not self._keys.set_access_key_status(access_key_id, status):
            raise EntityNotExist("AccessKey", access_key_id, of="User")
        return dataclasses.replace(key, status=status)

    def delete_access_key(self, account_id: str, user_name: str | None, access_key_id: str) -> None:
        self._owned_key(account_id, user_name, access_key_id)
        if not self._keys.delete_access_key(access_key_id):
            raise EntityNotExist("AccessKey", access_key_id, of="User")

    # groups

    def create_group(self, account_id: str, name: str, *, comments: str = "") -> Group:
        now = now_us()
        with self._write() as tx:
            self._refuse_existing(tx, "Group", account_id, name)
            tx.run(
                "INSERT INTO ram_groups(group_id, account_id, name, comments, created, updated)"
                " VALUES (?,?,?,?,?,?)",
                (new_numeric_id(16), account_id, name, comments, now, now),
            )
            return group_from_row(self._require(tx, "Group", account_id, name))

    def get_group(self, account_id: str, name: str) -> Group | None:
        row = self._get("Group", account_id, name)
        return None if row is None else group_from_row(row)

    def update_group(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        comments: str | None = None,
    ) -> Group:
        changes: dict[str, Any] = {} if comments is None else {"comments": comments}
        with self._write() as tx:
            group_id = self._require_id(tx, "Group", account_id, name)
            if new_name is not None and new_name != name:
                self._refuse_existing(tx, "Group", account_id, new_name)
                changes["name"] = new_name
            self._update(tx, "Group", group_id, changes)
            return group_from_row(self._require(tx, "Group", account_id, new_name or name))

    def list_groups(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[Group]:
        rows = self._list("ram_groups", account_id, marker, max_items)
        return page([group_from_row(r) for r in rows], max_items, lambda g: g.name)

    def delete_group(self, account_id: str, name: str) -> None:
        with self._write() as tx:
            group_id = self._require_id(tx, "Group", account_id, name)
            if self._count(tx, "ram_group_members WHERE group_id = ?", (group_id,)):
                raise DeleteConflict("Group", name, "User")
            if self._attachment_count(tx, "Group", group_id):
                raise DeleteConflict("Group", name, "Policy")
            tx.run("DELETE FROM ram_groups WHERE group_id = ?", (group_id,))

    def _membership(
        self, tx: Tx, account_id: str, group_name: str, user_name: str
    ) -> tuple[str, str, bool]:
        """(group id, user id, is a member); raises EntityNotExist for either."""
        group_id = self._require_id(tx, "Group", account_id, group_name)
        user_id = self._require_id(tx, "User", account_id, user_name)
        member = tx.one(
            "SELECT 1 FROM ram_group_members WHERE group_id = ? AND user_id = ?",
            (group_id, user_id),
        )
        return group_id, user_id, member is not None

    def add_user_to_group(self, account_id: str, group_name: str, user_name: str) -> None:
        with self._write() as tx:
            group_id, user_id, member = self._membership(tx, account_id, group_name, user_name)
            if member:
                raise EntityAlreadyExists("Group", group_name, of="User")
            tx.run(
                "INSERT INTO ram_group_members(group_id, user_id, joined) VALUES (?,?,?)",
                (group_id, user_id, now_us()),
            )

    def remove_user_from_group(self, account_id: str, group_name: str, user_name: str) -> None:
        with self._write() as tx:
            group_id, user_id, member = self._membership(tx, account_id, group_name, user_name)
            if not member:
                raise EntityNotExist("Group", group_name, of="User")
            tx.run(
                "DELETE FROM ram_group_members WHERE group_id = ? AND user_id = ?",
                (group_id, user_id),
            )

    def list_groups_for_user(self, account_id: str, user_name: str) -> list[tuple[Group, datetime]]:
        with self._db.read() as tx:
            user_id = self._require_id(tx, "User", account_id, user_name)
            rows = tx.rows(
                "SELECT g.*, m.joined FROM ram_group_members m JOIN ram_groups g"
                " ON g.group_id = m.group_id WHERE m.user_id = ? ORDER BY g.name",
                (user_id,),
            )
        return [(group_from_row(r), from_us(r["joined"])) for r in rows]

    def list_users_for_group(
        self, account_id: str, group_name: str, *, marker: str = "", max_items: int = 100
    ) -> Page[tuple[User, datetime]]:
        with self._db.read() as tx:
            group_id = self._require_id(tx, "Group", account_id, group_name)
            rows = tx.rows(
                "SELECT u.*, m.joined FROM ram_group_members m JOIN ram_users u"
                " ON u.user_id = m.user_id WHERE m.group_id = ? AND u.name > ?"
                " ORDER BY u.name LIMIT ?",
                (group_id, marker, max_items + 1),
            )
        members = [(user_from_row(r), from_us(r["joined"])) for r in rows]
        return page(members, max_items, lambda m: m[0].name)

    # policies

    def _policy_row(self, tx: Tx, account_id: str, name: str) -> Any:
        return tx.one(
            "SELECT * FROM ram_policies WHERE account_id = ? AND name = ?", (account_id, name)
        )

    def _require_policy_row(self, tx: Tx, account_id: str, name: str) -> Any:
        row = self._policy_row(tx, account_id, name)
        if row is None:
            raise EntityNotExist("Policy", name)
        return row

    def _policy_attachments(
        self, tx: Tx, account_id: str, policy_type: str, name: str, target_type: str | None = None
    ) -> int:
        sql = "ram_attachments WHERE account_id = ? AND policy_type = ? AND policy_name = ?"
        args: list[Any] = [account_id, policy_type, name]
        if target_type is not None:
            sql += " AND target_type = ?"
            args.append(target_type)
        return self._count(tx, sql, args)

    def _attachment_count(self, tx: Tx, target_type: str, target_id: str) -> int:
        return self._count(
            tx, "ram_attachments WHERE target_type = ? AND target_id = ?", (target_type, target_id)
        )

    def _policy(self, tx: Tx, account_id: str, name: str, policy_type: str) -> Policy | None:
        if policy_type == "System":
            if name not in SYSTEM_POLICIES:
                return None
            return system_policy(name, self._policy_attachments(tx, account_id, "System", name))
        row = self._policy_row(tx, account_id, name)
        if row is None:
            return None
        count = self._policy_attachments(tx, account_id, "Custom", name)
        return custom_policy_from_row(row, count)

    def _require_policy(self, tx: Tx, account_id: str, name: str, policy_type: str) -> Policy:
        policy = self._policy(tx, account_id, name, policy_type)
        if policy is None:
            raise EntityNotExist("Policy", name)
        return policy

    def create_policy(
        self, account_id: str, name: str, document: str, *, description: str = ""
    ) -> tuple[Policy, PolicyVersion]:
        now = now_us()
        with self._write() as tx:
            if self._policy_row(tx, account_id, name) is not None:
                raise EntityAlreadyExists("Policy", name)
            cur = tx.run(
                "INSERT INTO ram_policies(account_id, name, description, default_version,"
                " next_version, created, updated) VALUES (?,?,?,1,2,?,?)",
                (account_id, name, description, now, now),
            )
            tx.run(
                "INSERT INTO ram_policy_versions(policy_id, version, document, created)"
                " VALUES (?,1,?,?)",
                (cur.lastrowid, document, now),
            )
            policy = self._require_policy(tx, account_id, name, "Custom")
        version = PolicyVersion(
            version_id="v1", document=document, is_default=True, created=from_us(now)
        )
        return policy, version

    def get_policy(self, account_id: str, name: str, policy_type: PolicyType) -> Policy | None:
        with self._db.read() as tx:
            return self._policy(tx, account_id, name, policy_type)

    def list_policies(
        self,
        account_id: str,
        *,
        policy_type: PolicyType | None = None,
        marker: str = "",
        max_items: int = 100,
    ) -> Page[Policy]:
        """Markers are "<type>:<name>" ("System" sorts before "Custom" in listing order)."""
        after_type, _, after_name = marker.partition(":")
        with self._db.read() as tx:
            found: list[Policy] = []
            if policy_type in (None, "System") and after_type in ("", "System"):
                names = sorted(n for n in SYSTEM_POLICIES if n > after_name)
                found += [self._require_policy(tx, account_id, n, "System") for n in names]
            if policy_type in (None, "Custom") and len(found) <= max_items:
                custom_after = after_name if after_type == "Custom" else ""
                rows = tx.rows(
                    "SELECT name FROM ram_policies WHERE account_id = ? AND name > ?"
                    " ORDER BY name LIMIT ?",
                    (account_id, custom_after, max_items + 1),
                )
                found += [self._require_policy(tx, account_id, r[0], "Custom") for r in rows]
        return page(found, max_items, lambda p: f"{p.policy_type}:{p.name}")

    def update_policy_description(self, account_id: str, name: str, description: str) -> Policy:
        with self._write() as tx:
            row = self._require_policy_row(tx, account_id, name)
            tx.run(
                "UPDATE ram_policies SET description = ?, updated = ? WHERE policy_id = ?",
                (description, now_us(), row["policy_id"]),
            )
            return self._require_policy(tx, account_id, name, "Custom")

    def delete_policy(self, account_id: str, name: str, *, cascade: bool = False) -> None:
        with self._write() as tx:
            row = self._require_policy_row(tx, account_id, name)
            if not cascade:
                self._check_policy_unused(tx, account_id, name, row)
            tx.run(
                "DELETE FROM ram_attachments WHERE account_id = ? AND policy_type = 'Custom'"
                " AND policy_name = ?",
                (account_id, name),
            )
            tx.run("DELETE FROM ram_policies WHERE policy_id = ?", (row["policy_id"],))

    def _check_policy_unused(self, tx: Tx, account_id: str, name: str, row: Any) -> None:
        for target_type in ("User", "Group", "Role"):
            if self._policy_attachments(tx, account_id, "Custom", name, target_type):
                raise DeleteConflict("Policy", name, target_type)
        if self._count(tx, "ram_policy_versions WHERE policy_id = ?", (row["policy_id"],)) > 1:
            raise DeleteConflict("Policy", name, "Version")

    def create_policy_version(
        self,
        account_id: str,
        name: str,
        document: str,
        *,
        set_as_default: bool = False,
        rotate: bool = False,
    ) -> PolicyVersion:
        now = now_us()
        with self._write() as tx:
            row = self._require_policy_row(tx, account_id, name)
            policy_id, number = row["policy_id"], row["next_version"]
            held = self._count(tx, "ram_policy_versions WHERE policy_id = ?", (policy_id,))
            if held >= MAX_POLICY_VERSIONS:
                if not rotate:
                    raise LimitExceeded("Policy", name, "Version", MAX_POLICY_VERSIONS)
                self._drop_oldest_version(tx, policy_id, row["default_version"])
            tx.run(
                "INSERT INTO ram_policy_versions(policy_id, version, document, created)"
                " VALUES (?,?,?,?)",
                (policy_id, number, document, now),
            )
            default = number if set_as_default else row["default_version"]
            tx.run(
                "UPDATE ram_policies SET next_version = ?, default_version = ?, updated = ?"
                " WHERE policy_id = ?",
                (number + 1, default, now, policy_id),
            )
        return PolicyVersion(
            version_id=f"v{number}",
            document=document,
            is_default=set_as_default,
            created=from_us(now),
        )

    def _drop_oldest_version(self, tx: Tx, policy_id: int, default_version: int) -> None:
        tx.run(
            "DELETE FROM ram_policy_versions WHERE policy_id = ? AND version = (SELECT"
            " min(version) FROM ram_policy_versions WHERE policy_id = ? AND version != ?)",
            (policy_id, policy_id, default_version),
        )

    def _version_rows(self, tx: Tx, policy_id: int, number: int | None = None) -> list[Any]:
        if number is None:
            return tx.rows(
                "SELECT * FROM ram_policy_versions WHERE policy_id = ? ORDER BY version",
                (policy_id,),
            )
        return tx.rows(
            "SELECT * FROM ram_policy_versions WHERE policy_id = ? AND version = ?",
            (policy_id, number),
        )

    def get_policy_version(
        self, account_id: str, name: str, policy_type: PolicyType, version_id: str
    ) -> PolicyVersion | None:
        if policy_type == "System":
            known = name in SYSTEM_POLICIES and version_id == "v1"
            return system_policy_version(name) if known else None
        number = version_number(version_id)
        with self._db.read() as tx:
            row = self._policy_row(tx, account_id, name)
            if row is None or number is None:
                return None
            versions = self._version_rows(tx, row["policy_id"], number)
        return policy_version_from_row(versions[0], row["default_version"]) if versions else None

    def list_policy_versions(
        self, account_id: str, name: str, policy_type: PolicyType
    ) -> list[PolicyVersion]:
        if policy_type == "System":
            if name not in SYSTEM_POLICIES:
                raise EntityNotExist("Policy", name)
            return [system_policy_version(name)]
        with self._db.read() as tx:
            row = self._require_policy_row(tx, account_id, name)
            rows = self._version_rows(tx, row["policy_id"])
        return [policy_version_from_row(r, row["default_version"]) for r in rows]

    def _require_version(
        self, tx: Tx, account_id: str, name: str, version_id: str
    ) -> tuple[Any, int]:
        """(policy row, version number); raises EntityNotExist("Policy"/"PolicyVersion")."""
        row = self._require_policy_row(tx, account_id, name)
        number = version_number(version_id)
        if number is None or not self._version_rows(tx, row["policy_id"], number):
            raise EntityNotExist("PolicyVersion", version_id)
        return row, number

    def set_default_policy_version(self, account_id: str, name: str, version_id: str) -> None:
        with self._write() as tx:
            row, number = self._require_version(tx, account_id, name, version_id)
            tx.run(
                "UPDATE ram_policies SET default_version = ?, updated = ? WHERE policy_id = ?",
                (number, now_us(), row["policy_id"]),
            )

    def delete_policy_version(self, account_id: str, name: str, version_id: str) -> None:
        with self._write() as tx:
            row, number = self._require_version(tx, account_id, name, version_id)
            if number == row["default_version"]:
                raise DeleteConflict("PolicyVersion", version_id, "Default")
            tx.run(
                "DELETE FROM ram_policy_versions WHERE policy_id = ? AND version = ?",
                (row["policy_id"], number),
            )

    # attachments

    def _attachment(
        self,
        tx: Tx,
        account_id: str,
        policy_type: PolicyType,
        policy_name: str,
        target_type: TargetType,
        target_name: str,
    ) -> tuple[tuple[str, str, str, str, str], bool]:
        """(primary key, attached?); raises EntityNotExist for the target or the policy."""
        target_id = self._require_id(tx, target_type, account_id, target_name)
        self._require_policy(tx, account_id, policy_name, policy_type)
        key = (account_id, policy_type, policy_name, target_type, target_id)
        found = tx.one(
            "SELECT 1 FROM ram_attachments WHERE account_id = ? AND policy_type = ?"
            " AND policy_name = ? AND target_type = ? AND target_id = ?",
            key,
        )
        return key, found is not None

    def attach_policy(
        self,
        account_id: str,
        policy_type: PolicyType,
        policy_name: str,
        target_type: TargetType,
        target_name: str,
    ) -> None:
        with self._write() as tx:
            key, attached = self._attachment(
                tx, account_id, policy_type, policy_name, target_type, target_name
            )
            if attached:
                raise EntityAlreadyExists("Policy", policy_name, of=target_type)
            tx.run(
                "INSERT INTO ram_attachments(account_id, policy_type, policy_name, target_type,"
                " target_id, attached) VALUES (?,?,?,?,?,?)",
                (*key, now_us()),
            )

    def detach_policy(
        self,
        account_id: str,
        policy_type: PolicyType,
        policy_name: str,
        target_type: TargetType,
        target_name: str,
    ) -> None:
        with self._write() as tx:
            key, attached = self._attachment(
                tx, account_id, policy_type, policy_name, target_type, target_name
            )
            if not attached:
                raise EntityNotExist("Policy", policy_name, of=target_type)
            tx.run(
                "DELETE FROM ram_attachments WHERE account_id = ? AND policy_type = ?"
                " AND policy_name = ? AND target_type = ? AND target_id = ?",
                key,
            )

    def list_policies_for(
        self, account_id: str, target_type: TargetType, target_name: str
    ) -> list[Attachment]:
        with self._db.read() as tx:
            target_id = self._require_id(tx, target_type, account_id, target_name)
            rows = tx.rows(
                "SELECT policy_type, policy_name, attached FROM ram_attachments"
                " WHERE target_type = ? AND target_id = ? ORDER BY policy_type DESC, policy_name",
                (target_type, target_id),
            )
            found = [
                (self._policy(tx, account_id, r["policy_name"], r["policy_type"]), r["attached"])
                for r in rows
            ]
        return [Attachment(policy=p, attached=from_us(t)) for p, t in found if p is not None]

    def list_entities_for_policy(
        self, account_id: str, policy_type: PolicyType, policy_name: str
    ) -> list[PolicyEntity]:
        with self._db.read() as tx:
            self._require_policy(tx, account_id, policy_name, policy_type)
            entities: list[PolicyEntity] = []
            for target_type in ("User", "Group", "Role"):
                table, id_column = _TABLES[target_type]
                rows = tx.rows(
                    f"SELECT t.name, a.attached FROM ram_attachments a JOIN {table} t"  # noqa: S608
                    f" ON t.{id_column} = a.target_id WHERE a.account_id = ?"
                    " AND a.policy_type = ? AND a.policy_name = ? AND a.target_type = ?"
                    " ORDER BY t.name",
                    (account_id, policy_type, policy_name, target_type),
                )
                entities += [
                    PolicyEntity(target_type=target_type, name=r[0], attached=from_us(r[1]))
                    for r in rows
                ]
        return entities

    # what authorization reads

    def _documents(self, tx: Tx, account_id: str, targets_sql: str, args: Sequence[Any]) -> Any:
        """Default-version documents of the policies attached to the (type, id) targets."""
        return tx.rows(
            f"WITH targets(target_type, target_id) AS ({targets_sql})"  # noqa: S608
            " SELECT DISTINCT a.policy_type, a.policy_name, v.document"
            " FROM ram_attachments a JOIN targets t"
            " ON a.target_type = t.target_type AND a.target_id = t.target_id"
            " LEFT JOIN ram_policies p ON a.policy_type = 'Custom'"
            " AND p.account_id = a.account_id AND p.name = a.policy_name"
            " LEFT JOIN ram_policy_versions v"
            " ON v.policy_id = p.policy_id AND v.version = p.default_version"
            " WHERE a.account_id = ? ORDER BY a.policy_type DESC, a.policy_name",
            (*args, account_id),
        )

    def _attached(self, rows: Sequence[Any]) -> list[AttachedPolicy]:
        attached: list[AttachedPolicy] = []
        for policy_type, name, document in rows:
            text = SYSTEM_POLICIES.get(name) if policy_type == "System" else document
            if text is not None:
                attached.append(AttachedPolicy(name=name, policy_type=policy_type, document=text))
        return attached

    def policies_for_user(self, account_id: str, user_name: str) -> list[AttachedPolicy]:
        return self._memo.get(("User", account_id, user_name), self._user_policies)

    def policies_for_role(self, account_id: str, role_name: str) -> list[AttachedPolicy]:
        return self._memo.get(("Role", account_id, role_name), self._role_policies)

    def _user_policies(self, account_id: str, user_name: str) -> list[AttachedPolicy]:
        with self._db.read() as tx:
            row = self._row(tx, "User", account_id, user_name)
            if row is None:
                return []
            user_id = row["user_id"]
            rows = self._documents(
                tx,
                account_id,
                "SELECT 'User', ? UNION ALL"
                " SELECT 'Group', group_id FROM ram_group_members WHERE user_id = ?",
                (user_id, user_id),
            )
        return self._attached(rows)

    def _role_policies(self, account_id: str, role_name: str) -> list[AttachedPolicy]:
        with self._db.read() as tx:
            row = self._row(tx, "Role", account_id, role_name)
            if row is None:
                return []
            rows = self._documents(tx, account_id, "SELECT 'Role', ?", (row["role_id"],))
        return self._attached(rows)

    # roles

    def create_role(
        self,
        account_id: str,
        name: str,
        assume_role_policy_document: str,
        *,
        description: str = "",
        max_session_duration: int = 3600,
    ) -> Role:
        now = now_us()
        with self._write() as tx:
            self._refuse_existing(tx, "Role", account_id, name)
            tx.run(
                "INSERT INTO ram_roles(role_id, account_id, name, document, description,"
                " max_session_duration, created, updated) VALUES (?,?,?,?,?,?,?,?)",
                (
                    new_numeric_id(19),
                    account_id,
                    name,
                    assume_role_policy_document,
                    description,
                    max_session_duration,
                    now,
                    now,
                ),
            )
            return role_from_row(self._require(tx, "Role", account_id, name))

    def get_role(self, account_id: str, name: str) -> Role | None:
        row = self._get("Role", account_id, name)
        return None if row is None else role_from_row(row)

    def update_role(
        self,
        account_id: str,
        name: str,
        *,
        assume_role_policy_document: str | None = None,
        description: str | None = None,
        max_session_duration: int | None = None,
    ) -> Role:
        values = {
            "document": assume_role_policy_document,
            "description": description,
            "max_session_duration": max_session_duration,
        }
        with self._write() as tx:
            role_id = self._require_id(tx, "Role", account_id, name)
            self._update(tx, "Role", role_id, {k: v for k, v in values.items() if v is not None})
            return role_from_row(self._require(tx, "Role", account_id, name))

    def list_roles(self, account_id: str, *, marker: str = "", max_items: int = 100) -> Page[Role]:
        rows = self._list("ram_roles", account_id, marker, max_items)
        return page([role_from_row(r) for r in rows], max_items, lambda r: r.name)

    def delete_role(self, account_id: str, name: str) -> None:
        with self._write() as tx:
            role_id = self._require_id(tx, "Role", account_id, name)
            if self._attachment_count(tx, "Role", role_id):
                raise DeleteConflict("Role", name, "Policy")
            tx.run("DELETE FROM ram_roles WHERE role_id = ?", (role_id,))

    # OIDC identity providers

    def _oidc_row(self, tx: Tx, account_id: str, name: str) -> Any:
        return tx.one(
            "SELECT * FROM ram_oidc_providers WHERE account_id = ? AND name = ?",
            (account_id, name),
        )

    def _require_oidc(self, tx: Tx, account_id: str, name: str) -> OidcProvider:
        row = self._oidc_row(tx, account_id, name)
        if row is None:
            raise EntityNotExist("OIDCProvider", name)
        return oidc_provider_from_row(row)

    def create_oidc_provider(self, provider: OidcProvider) -> OidcProvider:
        p = provider
        with self._write() as tx:
            if self._oidc_row(tx, p.account_id, p.name) is not None:
                raise EntityAlreadyExists("OIDCProvider", p.name)
            held = self._count(tx, "ram_oidc_providers WHERE account_id = ?", (p.account_id,))
            if held >= MAX_OIDC_PROVIDERS:
                raise LimitExceeded("OIDCProvider", p.account_id, "", MAX_OIDC_PROVIDERS)
            tx.run(
                "INSERT INTO ram_oidc_providers(account_id, name, issuer_url, client_ids,"
                " fingerprints, issuance_limit_time, description, created, updated)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    p.account_id,
                    p.name,
                    p.issuer_url,
                    dump_list(p.client_ids),
                    dump_list(p.fingerprints),
                    p.issuance_limit_time,
                    p.description,
                    to_us(p.created),
                    to_us(p.updated),
                ),
            )
            return self._require_oidc(tx, p.account_id, p.name)

    def get_oidc_provider(self, account_id: str, name: str) -> OidcProvider | None:
        with self._db.read() as tx:
            row = self._oidc_row(tx, account_id, name)
        return None if row is None else oidc_provider_from_row(row)

    def update_oidc_provider(
        self,
        account_id: str,
        name: str,
        *,
        client_ids: Sequence[str] | None = None,
        fingerprints: Sequence[str] | None = None,
        issuance_limit_time: int | None = None,
        description: str | None = None,
    ) -> OidcProvider:
        values: dict[str, Any] = {
            "client_ids": None if client_ids is None else dump_list(client_ids),
            "fingerprints": None if fingerprints is None else dump_list(fingerprints),
            "issuance_limit_time": issuance_limit_time,
            "description": description,
        }
        changes = {k: v for k, v in values.items() if v is not None}
        with self._write() as tx:
            self._require_oidc(tx, account_id, name)
            where = "account_id = ? AND name = ?"
            _set(tx, "ram_oidc_providers", changes, where, (account_id, name))
            return self._require_oidc(tx, account_id, name)

    def list_oidc_providers(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[OidcProvider]:
        rows = self._list("ram_oidc_providers", account_id, marker, max_items)
        return page([oidc_provider_from_row(r) for r in rows], max_items, lambda p: p.name)

    def delete_oidc_provider(self, account_id: str, name: str) -> None:
        with self._write() as tx:
            self._require_oidc(tx, account_id, name)
            tx.run(
                "DELETE FROM ram_oidc_providers WHERE account_id = ? AND name = ?",
                (account_id, name),
            )
