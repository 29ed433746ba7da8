"""Engine-level guarantees: pragmas, schema versioning, thread safety."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from ossbox.store import Store, open_store, schema
from ossbox.store import sqlite_engine as engine_module
from ossbox.store.base import VERSIONING_ENABLED, Bucket
from ossbox.store.crypto import MasterKey
from tests.store.helpers import blob_files, put, read


def test_pragmas(store: Store) -> None:
    conn = store.meta._db.conn()  # type: ignore[attr-defined]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # NORMAL: commits do not fsync; SqliteEngine.write() fsyncs the WAL (group commit).
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_schema_version_and_migration_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = MasterKey.generate()
    s = open_store(tmp_path, master_key=key)
    db = s.meta.path  # type: ignore[attr-defined]
    s.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    conn.close()

    step = "CREATE TABLE extra (x INTEGER); INSERT INTO extra VALUES (7)"
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, step])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    s = open_store(tmp_path, master_key=key)
    s.close()
    s = open_store(tmp_path, master_key=key)  # idempotent: the step runs once
    s.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM extra").fetchone()[0] == 1
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(schema.SchemaTooNew):
        open_store(tmp_path, master_key=key)


def test_many_threads_write_and_read_consistently(store: Store) -> None:
    store.meta.create_bucket(
        Bucket(name="bkt", owner_id="1", region="r", versioning=VERSIONING_ENABLED)
    )
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(15):
                key = f"k{i % 3}"
                v = put(store, "bkt", key, f"{n}-{i}".encode())
                got = store.meta.get_object("bkt", key, v.version_id)
                assert got is not None and read(store, got) == f"{n}-{i}".encode()
                store.meta.list_objects("bkt", max_keys=10)
                if i % 5 == 0:
                    store.meta.delete_object("bkt", key)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = store.meta.list_object_versions("bkt", max_keys=1000).entries
    assert len(entries) == 8 * 15 + 8 * 3
    for key in ("k0", "k1", "k2"):
        latest = [e for e in entries if e.key == key and e.is_latest]
        assert len(latest) == 1
        assert latest[0].seq == max(e.seq for e in entries if e.key == key)
    referenced = {
        s.blob_id
        for e in entries
        for s in (store.meta.get_object("bkt", e.key, e.version_id) or e).segments
    }
    assert blob_files(store) == referenced


def test_two_store_instances_share_one_database(tmp_path: Path) -> None:
    """Like two server processes on one data dir: SQLite's busy handling serializes them."""
    key = MasterKey.generate()
    a = open_store(tmp_path, master_key=key, garbage_grace=0)
    b = open_store(tmp_path, master_key=key, garbage_grace=0)
    a.meta.create_bucket(Bucket(name="bkt", owner_id="1", region="r"))
    errors: list[BaseException] = []

    def writer(s: Store, tag: str) -> None:
        try:
            for i in range(20):
                put(s, "bkt", f"{tag}{i}", tag.encode())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(s, t)) for s, t in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(b.meta.list_objects("bkt", max_keys=100).entries) == 40
    a.close()
    b.close()


def test_write_returns_only_after_the_wal_is_fsynced(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = store.meta._db  # type: ignore[attr-defined]
    synced: list[int] = []
    monkeypatch.setattr(engine_module.os, "fsync", lambda fd: synced.append(fd))
    with engine.write() as tx:
        tx.run("INSERT INTO pending_blobs(blob_id, created) VALUES ('x', 0)")
    assert len(synced) == 1

    def failing_fsync(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(engine_module.os, "fsync", failing_fsync)
    assert not store.meta.writes_refused
    with pytest.raises(OSError), engine.write() as tx:
        tx.run("INSERT INTO pending_blobs(blob_id, created) VALUES ('y', 0)")
    assert store.meta.writes_refused and engine.writes_refused
    monkeypatch.setattr(engine_module.os, "fsync", lambda fd: synced.append(fd))
    with pytest.raises(OSError, match="refuses writes"), engine.write() as tx:
        tx.run("INSERT INTO pending_blobs(blob_id, created) VALUES ('z', 0)")
    assert store.meta.writes_refused, "a later fsync that succeeds does not lift the refusal"


def test_one_fsync_covers_earlier_commits(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = store.meta._db  # type: ignore[attr-defined]
    synced: list[int] = []
    monkeypatch.setattr(engine_module.os, "fsync", lambda fd: synced.append(fd))
    engine._committed += 3  # three commits made by other threads, not yet durable
    engine._wait_durable(engine._committed - 2)
    engine._wait_durable(engine._committed - 1)
    engine._wait_durable(engine._committed)
    assert len(synced) == 1


def test_writers_of_other_processes_wait_on_the_lock_file(store: Store) -> None:
    """Another process's writer (here: the lock file's flock taken through another open file,
    as a second worker holds it) makes ours wait, instead of polling SQLite's busy handler."""
    engine = store.meta._db  # type: ignore[attr-defined]
    lock_path = Path(f"{engine.path}.lock")
    assert lock_path.stat().st_mode & 0o777 == 0o600
    fd = os.open(lock_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    done = threading.Event()

    def write() -> None:
        with engine.write() as tx:
            tx.run("INSERT INTO pending_blobs(blob_id, created) VALUES ('z', 0)")
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert not done.wait(0.3), "wrote while another process held the write lock"
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert done.wait(5)
    writer.join()
