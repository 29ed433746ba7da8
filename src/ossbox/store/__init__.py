"""Metadata store (SQLite) and blob store (files), behind the interfaces in `store.base`.

``open_store(data_dir)`` is the entry point: it loads the master key, opens (and migrates)
DIR/meta.db, prepares DIR/blobs and DIR/tmp, and runs crash recovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ossbox.store.base import MetadataStore
from ossbox.store.blobs import BlobStore
from ossbox.store.crypto import MasterKey
from ossbox.store.kms import KmsStore, SqliteKmsStore
from ossbox.store.ram import RamStore
from ossbox.store.ram_sqlite import SqliteRamStore
from ossbox.store.recovery import RecoveryReport, recover
from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore

__all__ = ["Store", "open_store"]

# Retired blobs stay on disk this long, so a GET that just read a version's metadata can
# still open its files when a concurrent PUT replaces it.
DEFAULT_GARBAGE_GRACE = 30.0


@dataclass(frozen=True)
class Store:
    meta: MetadataStore
    blobs: BlobStore
    master_key: MasterKey
    recovery: RecoveryReport
    ram: RamStore
    kms: KmsStore

    def close(self) -> None:
        self.meta.close()


def open_store(
    data_dir: Path,
    *,
    master_key: MasterKey | None = None,
    garbage_grace: float = DEFAULT_GARBAGE_GRACE,
    recovery_grace: float = 0.0,
) -> Store:
    """Open the store under `data_dir` (created if needed) and recover from any crash.

    A process that joins others already serving the same directory (a restarted worker of
    `ossbox serve --workers`) passes a `recovery_grace`, so their in-flight writes are spared
    (see `recover`).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    key = master_key or MasterKey.load_or_create(data_dir)
    sqlite = SqliteMetadataStore(data_dir / DB_FILE, key, garbage_grace=garbage_grace)
    meta: MetadataStore = sqlite
    ram: RamStore = SqliteRamStore(sqlite._db, key, meta)  # one database, one engine
    kms: KmsStore = SqliteKmsStore(sqlite._db, key)
    blobs = BlobStore(data_dir, journal=meta)
    report = recover(meta, blobs, grace=recovery_grace)
    meta.set_blob_reaper(blobs.unlink)
    return Store(meta=meta, blobs=blobs, master_key=key, recovery=report, ram=ram, kms=kms)
