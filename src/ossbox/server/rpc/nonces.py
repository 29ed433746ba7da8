"""Replay protection: a SignatureNonce is accepted once while its request could still be valid."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path


class NonceCache:
    """Nonces seen in the last `ttl` seconds (the timestamp window), oldest evicted first."""

    def __init__(self, ttl: float = 1800.0, max_entries: int = 1_000_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_use(self, access_key_id: str, nonce: str, now: float | None = None) -> bool:
        """True the first time (key, nonce) is seen; False for a replay."""
        now = time.monotonic() if now is None else now
        while self._seen and (
            next(iter(self._seen.values())) < now or len(self._seen) >= self._max
        ):
            self._seen.popitem(last=False)
        marker = f"{access_key_id}\n{nonce}"
        if marker in self._seen:
            return False
        self._seen[marker] = now + self._ttl
        return True


class SharedNonces:
    """Nonces seen by any process serving DIR (the workers of `ossbox serve --workers`).

    A replay to this process is caught by a `NonceCache` in memory; one sent to another worker
    by DIR/rpc-nonces.db, where the first INSERT of (key, nonce) wins. Entries live as long as
    the request could still be valid (`ttl`) and are purged now and then. Kept apart from the
    metadata database so that RPC calls never wait on its write lock.
    """

    PURGE_EVERY = 60.0

    def __init__(self, data_dir: Path, ttl: float = 1800.0) -> None:
        self._path = data_dir / "rpc-nonces.db"
        self._ttl = ttl
        self._memory = NonceCache(ttl)
        self._local = threading.local()
        self._next_purge = 0.0

    def first_use(self, access_key_id: str, nonce: str) -> bool:
        """True the first time any process sharing DIR sees (key, nonce). Blocking (SQLite)."""
        if not self._memory.first_use(access_key_id, nonce):
            return False
        now = time.time()
        conn = self._conn()
        if now >= self._next_purge:
            self._next_purge = now + self.PURGE_EVERY
            conn.execute("DELETE FROM nonces WHERE expires < ?", (now,))
        marker = f"{access_key_id}\n{nonce}"
        cur = conn.execute(
            "INSERT OR IGNORE INTO nonces(marker, expires) VALUES (?, ?)", (marker, now + self._ttl)
        )
        return cur.rowcount == 1

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)  # never world-readable
            os.close(fd)
            conn = sqlite3.connect(self._path, timeout=10.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # survives a process crash
            conn.execute(
                "CREATE TABLE IF NOT EXISTS nonces (marker TEXT PRIMARY KEY, expires REAL NOT NULL)"
            )
            self._local.conn = conn
        return conn


_shared: dict[Path, SharedNonces] = {}


def shared_nonces(data_dir: Path) -> SharedNonces:
    """The one `SharedNonces` of this process for `data_dir`."""
    nonces = _shared.get(data_dir)
    if nonces is None:
        nonces = _shared[data_dir] = SharedNonces(data_dir)
    return nonces
