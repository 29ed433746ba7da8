"""SQLite connections and transactions: WAL, group commit, foreign keys, per-thread.

Writes are serialized by an in-process lock, then across processes sharing the file (the
workers of `ossbox serve --workers`, the admin CLI) by an flock on DIR/meta.db.lock, then
``BEGIN IMMEDIATE``. The flock hands the lock over as soon as it is released, where SQLite's own
busy handler would poll with sleeps of 1-100 ms (busy_timeout stays as the last resort for a
process that does not take the flock). Readers run beside the writer thanks to WAL.

Durability is by group commit: a transaction commits under the lock with
``synchronous=NORMAL`` (no fsync), then, outside the lock, `write()` does not return until the
WAL file has been fsynced past that commit. One fsync covers every commit made before it, so
concurrent writers share fsyncs instead of queueing behind one another's.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ossbox.store.schema import migrate
from ossbox.store.sqlite_rows import now_us


class Tx:
    """One open transaction: query helpers plus the blobs it retired."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.retired: list[str] = []

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def run(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def retire(self, blob_ids: Sequence[str]) -> None:
        """Move blobs to garbage (their files are removed after commit)."""
        if not blob_ids:
            return
        now = now_us()
        self.conn.executemany(
            "INSERT OR IGNORE INTO garbage(blob_id, retired) VALUES (?, ?)",
            [(b, now) for b in blob_ids],
        )
        self.claim(blob_ids)
        self.retired.extend(blob_ids)

    def claim(self, blob_ids: Sequence[str]) -> None:
        """The blobs are now referenced (or retired): no longer pending."""
        self.conn.executemany(
            "DELETE FROM pending_blobs WHERE blob_id = ?", [(b,) for b in blob_ids]
        )


class SqliteEngine:
    """One connection per thread to the database at `path`, migrated on open."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._committed = 0  # commits made (under the write lock)
        self._durable = 0  # commits known to be on disk
        self._closed = False
        self._wal_failed: OSError | None = None
        self._lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        migrate(self.conn())
        self._sync_durable()  # the WAL file exists once a connection has written

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        if self._closed:
            raise RuntimeError("metadata store is closed")
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # made durable by _sync_durable()
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        self._local.conn = conn
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction, committed when the block ends, rolled back if it raises."""
        conn = self.conn()
        with self._write_lock, self._process_lock():
            self._refuse_if_wal_failed()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._committed += 1
            mine = self._committed
        self._wait_durable(mine)

    @contextmanager
    def _process_lock(self) -> Iterator[None]:
        """The write lock across processes (held only under `_write_lock`)."""
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _wait_durable(self, commit: int) -> None:
        """Return once commit number `commit` is on disk, fsyncing the WAL if nobody has."""
        with self._sync_lock:
            if self._durable >= commit:
                return  # another writer's fsync already covered it
            self._sync_durable()

    def _sync_durable(self) -> None:
        covered = self._committed  # everything committed before this fsync starts
        wal = os.open(f"{self.path}-wal", os.O_RDONLY)
        try:
            os.fsync(wal)
        except OSError as exc:
            self._wal_failed = exc
            raise
        finally:
            os.close(wal)
        self._durable = max(self._durable, covered)

    @property
    def writes_refused(self) -> bool:
        """True once a WAL fsync has failed: every later write is refused (see below)."""
        return self._wal_failed is not None

    def _refuse_if_wal_failed(self) -> None:
        """After a failed WAL fsync the kernel may have dropped the unsynced pages, and a later
        fsync that succeeds does not bring them back: a commit acknowledged after it could sit
        behind lost frames and vanish in a crash. So, as PostgreSQL does, no more writes until
        the store is reopened (a restart recovers from what the WAL really holds)."""
        if self._wal_failed is not None:
            raise OSError(
                self._wal_failed.errno,
                "the metadata store refuses writes after a failed WAL fsync; restart the server",
            )

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction: one consistent snapshot across several statements."""
        conn = self.conn()
        conn.execute("BEGIN")
        try:
            yield Tx(conn)
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        self._closed = True
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
