"""KMS Secrets Manager records on SQLite: managed RAM-credential secrets and ClientKeys.

A RAM-credential secret owns up to two of its RAM user's AccessKeys: the ACSCurrent version's
and the ACSPrevious version's. A rotation, in one write transaction (so any number of processes
sharing the database rotate a secret exactly once per due time), deletes the previous key,
creates a new key for the user, and shifts current -> previous, new -> current. The AccessKey
secrets are sealed with the master key here as in the `access_keys` table.

A ClientKey belongs to an application access point: its RSA public key (the private key was
handed out once, in a password-protected PKCS#12), its permission policy (RAM policy language)
and the source networks it may call from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from ossbox.store.base import AccessKey, StoreError
from ossbox.store.crypto import MasterKey
from ossbox.store.ram_sqlite import insert_access_key
from ossbox.store.sqlite_engine import SqliteEngine, Tx
from ossbox.store.sqlite_rows import from_us, to_us

RAM_CREDENTIALS = "RAMCredentials"
CURRENT, PREVIOUS = "ACSCurrent", "ACSPrevious"

KeyFactory = Callable[[str, str, datetime], AccessKey]  # (account, user, now) -> new key


class KmsStoreError(StoreError):
    """Base class of the KMS store's refusals."""


class SecretNotFound(KmsStoreError):
    pass


class SecretExists(KmsStoreError):
    pass


class RotationFailed(KmsStoreError):
    """The RAM user is gone or holds the maximum number of keys (`reason` says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class SecretVersion:
    version_id: str
    access_key_id: str
    access_key_secret: str = field(repr=False)
    created: datetime


@dataclass(frozen=True, kw_only=True)
class RamSecret:
    account_id: str
    name: str
    ram_user: str
    description: str
    rotation_interval: int  # seconds; 0 when automatic rotation is off
    automatic_rotation: str  # Enabled | Disabled
    created: datetime
    updated: datetime
    last_rotation: datetime | None
    next_rotation: datetime | None
    current: SecretVersion
    previous: SecretVersion | None
    secret_type: str = RAM_CREDENTIALS

    def version(self, stage: str) -> SecretVersion | None:
        return self.current if stage == CURRENT else self.previous

    def due(self, now: datetime) -> bool:
        return self.automatic_rotation == "Enabled" and (
            self.next_rotation is not None and self.next_rotation <= now
        )


@dataclass(frozen=True, kw_only=True)
class SecretListing:
    """What ListSecrets shows of a secret."""

    name: str
    secret_type: str
    created: datetime
    updated: datetime


@dataclass(frozen=True, kw_only=True)
class ClientKey:
    key_id: str
    account_id: str
    aap_name: str
    public_key: str  # PEM
    policy: str  # a RAM policy document
    source_ips: tuple[str, ...]  # CIDRs; empty: any network
    not_before: datetime
    not_after: datetime
    created: datetime


class KmsStore(Protocol):
    """What the KMS API and the rotation task need from a store (see SqliteKmsStore)."""

    def create_secret(
        self,
        account_id: str,
        name: str,
        ram_user: str,
        *,
        rotation_interval: int,
        description: str,
        now: datetime,
        new_key: KeyFactory,
    ) -> RamSecret: ...

    def get_secret(self, account_id: str, name: str) -> RamSecret | None: ...

    def list_secrets(self, account_id: str) -> list[SecretListing]: ...

    def rotate(
        self,
        account_id: str,
        name: str,
        now: datetime,
        new_key: KeyFactory,
        *,
        version_id: str | None = None,
    ) -> RamSecret: ...

    def rotate_if_due(
        self, account_id: str, name: str, now: datetime, new_key: KeyFactory
    ) -> RamSecret | None: ...

    def defer_rotation(self, account_id: str, name: str, until: datetime) -> None: ...

    def due_secrets(self, now: datetime) -> list[tuple[str, str]]: ...

    def next_due(self) -> datetime | None: ...

    def create_client_key(self, key: ClientKey) -> ClientKey: ...

    def get_client_key(self, key_id: str) -> ClientKey | None: ...


def _version_id(counter: int) -> str:
    return f"{counter:032d}"


class SqliteKmsStore:
    """The KMS tables of DIR/meta.db, on the metadata store's engine. Thread-safe."""

    def __init__(self, db: SqliteEngine, master_key: MasterKey) -> None:
        self._db = db
        self._key = master_key

    # -- sealing ---------------------------------------------------------------------------

    def _aad(self, account_id: str, name: str, version: str) -> bytes:
        return f"kms-secret\n{account_id}\n{name}\n{version}".encode()

    def _seal(self, account_id: str, name: str, version: str, secret: str) -> bytes:
        return self._key.seal(secret.encode(), aad=self._aad(account_id, name, version))

    def _open(self, row: Any, stage: str) -> SecretVersion | None:
        prefix = "current" if stage == CURRENT else "previous"
        version = row[f"{prefix}_version"]
        if version is None:
            return None
        aad = self._aad(row["account_id"], row["name"], version)
        return SecretVersion(
            version_id=version,
            access_key_id=row[f"{prefix}_key_id"],
            access_key_secret=self._key.open(row[f"{prefix}_sealed"], aad=aad).decode(),
            created=from_us(row[f"{prefix}_created"]),
        )

    def _secret(self, row: Any) -> RamSecret:
        current = self._open(row, CURRENT)
        assert current is not None
        return RamSecret(
            account_id=row["account_id"],
            name=row["name"],
            ram_user=row["ram_user"],
            description=row["description"],
            rotation_interval=row["rotation_interval"],
            automatic_rotation=row["automatic_rotation"],
            created=from_us(row["created"]),
            updated=from_us(row["updated"]),
            last_rotation=_opt_time(row["last_rotation"]),
            next_rotation=_opt_time(row["next_rotation"]),
            current=current,
            previous=self._open(row, PREVIOUS),
            secret_type=row["secret_type"],
        )

    # -- secrets -----------------------------------------------------------------------------

    def create_secret(
        self,
        account_id: str,
        name: str,
        ram_user: str,
        *,
        rotation_interval: int,
        description: str,
        now: datetime,
        new_key: KeyFactory,
    ) -> RamSecret:
        """A secret holding a new AccessKey of `ram_user` (EntityNotExist / LimitExceeded)."""
        key = new_key(account_id, ram_user, now)
        version = _version_id(1)
        enabled = rotation_interval > 0
        with self._db.write() as tx:
            if self._row(tx, account_id, name) is not None:
                raise SecretExists(name)
            insert_access_key(tx, self._key, key)
            tx.run(
                "INSERT INTO kms_secrets(account_id, name, secret_type, ram_user, description,"
                " rotation_interval, automatic_rotation, created, updated, last_rotation,"
                " next_rotation, version_counter, current_version, current_key_id,"
                " current_sealed, current_created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    account_id,
                    name,
                    RAM_CREDENTIALS,
                    ram_user,
                    description,
                    rotation_interval,
                    "Enabled" if enabled else "Disabled",
                    to_us(now),
                    to_us(now),
                    None,
                    to_us(now + timedelta(seconds=rotation_interval)) if enabled else None,
                    1,
                    version,
                    key.access_key_id,
                    self._seal(account_id, name, version, key.secret),
                    to_us(key.created),
                ),
            )
        secret = self.get_secret(account_id, name)
        assert secret is not None
        return secret

    def _row(self, tx: Tx, account_id: str, name: str) -> Any:
        return tx.one(
            "SELECT * FROM kms_secrets WHERE account_id = ? AND name = ?", (account_id, name)
        )

    def get_secret(self, account_id: str, name: str) -> RamSecret | None:
        with self._db.read() as tx:
            row = self._row(tx, account_id, name)
        return None if row is None else self._secret(row)

    def list_secrets(self, account_id: str) -> list[SecretListing]:
        """The account's secrets by name, without opening their sealed keys."""
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT name, secret_type, created, updated FROM kms_secrets"
                " WHERE account_id = ? ORDER BY name",
                (account_id,),
            )
        return [
            SecretListing(name=r[0], secret_type=r[1], created=from_us(r[2]), updated=from_us(r[3]))
            for r in rows
        ]

    def rotate(
        self,
        account_id: str,
        name: str,
        now: datetime,
        new_key: KeyFactory,
        *,
        version_id: str | None = None,
    ) -> RamSecret:
        """Rotate now. A `version_id` that is already the current version makes the call a
        no-op (RotateSecret's idempotency); the previous version's is SecretExists."""
        with self._db.write() as tx:
            row = self._row(tx, account_id, name)
            if row is None:
                raise SecretNotFound(name)
            if version_id is not None and version_id == row["previous_version"]:
                raise SecretExists(version_id)
            if version_id is None or row["current_version"] != version_id:
                self._rotate_row(tx, row, now, new_key, version_id)
                row = self._row(tx, account_id, name)
        return self._secret(row)

    def rotate_if_due(
        self, account_id: str, name: str, now: datetime, new_key: KeyFactory
    ) -> RamSecret | None:
        """Rotate if automatic rotation is due, else None. The check runs inside the write
        transaction: of any number of processes asking at once, one rotates."""
        with self._db.write() as tx:
            row = self._row(tx, account_id, name)
            if row is None:
                raise SecretNotFound(name)
            if not self._secret(row).due(now):
                return None
            self._rotate_row(tx, row, now, new_key, None)
            row = self._row(tx, account_id, name)
        return self._secret(row)

    def _rotate_row(
        self, tx: Tx, row: Any, now: datetime, new_key: KeyFactory, version_id: str | None
    ) -> None:
        account_id, name = row["account_id"], row["name"]
        if row["previous_key_id"] is not None:
            tx.run("DELETE FROM access_keys WHERE access_key_id = ?", (row["previous_key_id"],))
        key = new_key(account_id, row["ram_user"], now)
        try:
            insert_access_key(tx, self._key, key)
        except StoreError as err:
            raise RotationFailed(str(err)) from None
        counter = row["version_counter"] + 1
        while version_id is None and _version_id(counter) == row["current_version"]:
            counter += 1  # a RotateSecret VersionId took the generated id: skip it
        version = version_id or _version_id(counter)
        interval = row["rotation_interval"]
        enabled = row["automatic_rotation"] == "Enabled"
        tx.run(
            "UPDATE kms_secrets SET version_counter = ?, updated = ?, last_rotation = ?,"
            " next_rotation = ?, previous_version = current_version,"
            " previous_key_id = current_key_id, previous_created = current_created,"
            " previous_sealed = ?, current_version = ?, current_key_id = ?,"
            " current_sealed = ?, current_created = ? WHERE account_id = ? AND name = ?",
            (
                counter,
                to_us(now),
                to_us(now),
                to_us(now + timedelta(seconds=interval)) if enabled else None,
                row["current_sealed"],  # sealed under its version id, which it keeps
                version,
                key.access_key_id,
                self._seal(account_id, name, version, key.secret),
                to_us(key.created),
                account_id,
                name,
            ),
        )

    def defer_rotation(self, account_id: str, name: str, until: datetime) -> None:
        """Try a failed automatic rotation again at `until` (not on every pass meanwhile).
        A schedule already later than `until` is kept: another process rotated meanwhile."""
        with self._db.write() as tx:
            tx.run(
                "UPDATE kms_secrets SET next_rotation = ? WHERE account_id = ? AND name = ?"
                " AND automatic_rotation = 'Enabled' AND next_rotation < ?",
                (to_us(until), account_id, name, to_us(until)),
            )

    def due_secrets(self, now: datetime) -> list[tuple[str, str]]:
        """(account, name) of the secrets whose automatic rotation is due."""
        with self._db.read() as tx:
            rows = tx.rows(
                "SELECT account_id, name FROM kms_secrets"
                " WHERE automatic_rotation = 'Enabled' AND next_rotation <= ?",
                (to_us(now),),
            )
        return [(row["account_id"], row["name"]) for row in rows]

    def next_due(self) -> datetime | None:
        with self._db.read() as tx:
            row = tx.one(
                "SELECT min(next_rotation) FROM kms_secrets WHERE automatic_rotation = 'Enabled'"
            )
        return None if row is None or row[0] is None else from_us(row[0])

    # -- ClientKeys ----------------------------------------------------------------------------

    def create_client_key(self, key: ClientKey) -> ClientKey:
        with self._db.write() as tx:
            tx.run(
                "INSERT INTO kms_client_keys(key_id, account_id, aap_name, public_key, policy,"
                " source_ips, not_before, not_after, created) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    key.key_id,
                    key.account_id,
                    key.aap_name,
                    key.public_key,
                    key.policy,
                    json.dumps(list(key.source_ips)),
                    to_us(key.not_before),
                    to_us(key.not_after),
                    to_us(key.created),
                ),
            )
        return key

    def get_client_key(self, key_id: str) -> ClientKey | None:
        row = (
            self._db.conn()
            .execute("SELECT * FROM kms_client_keys WHERE key_id = ?", (key_id,))
            .fetchone()
        )
        if row is None:
            return None
        return ClientKey(
            key_id=row["key_id"],
            account_id=row["account_id"],
            aap_name=row["aap_name"],
            public_key=row["public_key"],
            policy=row["policy"],
            source_ips=tuple(json.loads(row["source_ips"])),
            not_before=from_us(row["not_before"]),
            not_after=from_us(row["not_after"]),
            created=from_us(row["created"]),
        )


def _opt_time(value: int | None) -> datetime | None:
    return None if value is None else from_us(value)
