"""SQLite connections and transactions: WAL, group commit, foreign keys.

Readers use one connection per thread and run beside the writer thanks to WAL. Writes go
through one writer connection per process: serialized by an in-process lock, then across
processes sharing the file (the workers of `ossbox serve --workers`, the admin CLI) by an flock
on DIR/meta.db.lock, then ``BEGIN IMMEDIATE``. The flock hands the lock over as soon as it is
released, where SQLite's own busy handler would poll with sleeps of 1-100 ms (busy_timeout
stays as the last resort for a process that does not take the flock).

Group commit, twice over. Writers of a process that queue while one holds the lock join its
transaction, each block in a SAVEPOINT of its own (see `write`), so a burst of writes pays for
the locks, BEGIN and COMMIT once. And a transaction commits with ``synchronous=NORMAL`` (no
fsync); outside the lock, `write()` does not return until the WAL file has been fsynced past
that commit. One fsync covers every commit made before it, so concurrent writers share fsyncs
instead of queueing behind one another's.
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


# Blocks per group at most, so that another process waiting for the lock gets its turn.
MAX_GROUP = 16


class _Group:
    """One write transaction shared by the blocks that joined it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.members = 0  # blocks that completed in it
        self.commit = 0  # its commit number, once committed
        self.error: BaseException | None = None  # why it did not commit, if it did not
        self.done = threading.Event()


class SqliteEngine:
    """The database at `path` (migrated on open): a reading connection per thread, one writer."""

    def __init__(self, path: Path, *, busy_timeout: float = 30.0) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one block at a time, on the writer connection
        self._writer: sqlite3.Connection | None = None
        self._group: _Group | None = None  # the open transaction, while blocks join it
        self._waiting = 0  # threads waiting for _write_lock
        self._waiting_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._committed = 0  # commits made (under the write lock)
        self._durable = 0  # commits known to be on disk
        self._closed = False
        self._wal_failed: OSError | None = None
        self._lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        migrate(self.conn())
        self._sync_durable()  # the WAL file exists once a connection has written

    def conn(self) -> sqlite3.Connection:
        """This thread's connection for reading (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _connect(self) -> sqlite3.Connection:
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
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction, committed when the block ends, rolled back if it raises.

        Writers that queue up while one holds the lock join its transaction (a group): each
        block runs in its own SAVEPOINT, in turn, and the last one commits for all of them,
        so the locks, BEGIN and COMMIT are paid once per group. A block that raises rolls back
        its own savepoint only; every block returns once the group's commit is durable."""
        with self._waiting_lock:
            self._waiting += 1
        with self._write_lock:
            with self._waiting_lock:
                self._waiting -= 1
            try:
                group = self._join_group()
                conn = group.conn
                conn.execute("SAVEPOINT block")
                try:
                    yield Tx(conn)
                except BaseException as exc:
                    self._undo_block(group, exc)
                    raise
                conn.execute("RELEASE block")
                group.members += 1
            finally:
                self._close_group_unless_joined()
        group.done.wait()
        if group.error is not None:
            raise group.error
        self._wait_durable(group.commit)

    def _join_group(self) -> _Group:
        """The open group, or a new one: the process lock taken and BEGIN IMMEDIATE run."""
        self._refuse_if_wal_failed()
        if self._group is not None:
            return self._group
        if self._writer is None:
            self._writer = self._connect()
        conn = self._writer
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            raise
        self._group = _Group(conn)
        return self._group

    def _undo_block(self, group: _Group, exc: BaseException) -> None:
        """Roll back one block. If SQLite rolled back the whole transaction (as it does on
        some errors, e.g. a full disk), the blocks before it are lost too: they fail with it."""
        conn = group.conn
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK TO block")
                conn.execute("RELEASE block")
                return
            except sqlite3.Error:
                pass  # the transaction is unusable: the group fails
        group.error = exc

    def _close_group_unless_joined(self) -> None:
        """Commit the group and release the process lock, unless another writer of this
        process is about to join it (and the group is not full)."""
        group = self._group
        if group is None:
            return
        with self._waiting_lock:
            joined = self._waiting > 0 and group.members < MAX_GROUP
        if joined and group.error is None:
            return
        self._group = None
        try:
            if group.error is None:
                group.conn.execute("COMMIT")
                self._committed += 1
                group.commit = self._committed
        except BaseException as exc:
            group.error = exc
        finally:
            if group.conn.in_transaction:
                group.conn.execute("ROLLBACK")
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            group.done.set()

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
        self._writer = None
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
