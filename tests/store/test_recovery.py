"""Crash recovery: nothing partial is visible and nothing orphaned survives a restart."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ossbox.store import Store, open_store
from ossbox.store.base import Bucket
from ossbox.store.crypto import MasterKey
from tests.store.helpers import blob_files, put, read

KEY = MasterKey.generate()


def reopen(store: Store) -> Store:
    store.close()
    return open_store(store.blobs.root, master_key=KEY, garbage_grace=0)


def make(tmp_path: Path) -> Store:
    s = open_store(tmp_path / "data", master_key=KEY, garbage_grace=0)
    s.meta.create_bucket(Bucket(name="bkt", owner_id="1", region="r"))
    return s


def test_renamed_pending_blob_without_metadata_is_removed(tmp_path: Path) -> None:
    store = make(tmp_path)
    kept = put(store, "bkt", "kept", b"committed")
    orphan = store.blobs.write_bytes(b"crash before the metadata transaction")
    assert orphan.blob_id in blob_files(store)
    store = reopen(store)
    assert store.recovery.pending_blobs == 1
    assert blob_files(store) == {kept.segments[0].blob_id}
    got = store.meta.get_object("bkt", "kept")
    assert got is not None and read(store, got) == b"committed"
    assert store.meta.pending_blobs() == []
    store.close()


def test_unfinished_temp_files_are_removed(tmp_path: Path) -> None:
    store = make(tmp_path)
    w = store.blobs.writer()
    w.write(b"half a body")  # crash: neither committed nor aborted
    (store.blobs.tmp_dir / "stray").write_bytes(b"x")
    store = reopen(store)
    assert store.recovery.tmp_files == 2
    assert list(store.blobs.tmp_dir.iterdir()) == []
    store.close()


def test_pending_without_file_is_forgotten(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.meta.add_pending_blob("ab" * 16)  # crash after journaling, before the rename
    store = reopen(store)
    assert store.meta.pending_blobs() == []
    store.close()


def test_garbage_whose_deletion_did_not_finish_is_swept(tmp_path: Path) -> None:
    store = make(tmp_path)
    store.meta.set_blob_reaper(None)  # simulate a crash right after the commit
    old = put(store, "bkt", "k", b"old")
    new = put(store, "bkt", "k", b"new")
    assert store.meta.garbage_blobs() == [old.segments[0].blob_id]
    assert old.segments[0].blob_id in blob_files(store)
    store = reopen(store)
    assert store.recovery.garbage_blobs == 1
    assert blob_files(store) == {new.segments[0].blob_id}
    assert store.meta.garbage_blobs() == []
    store.close()


def test_referenced_blob_is_never_removed_even_if_marked_pending(tmp_path: Path) -> None:
    store = make(tmp_path)
    v = put(store, "bkt", "k", b"data")
    conn = sqlite3.connect(store.meta.path)  # type: ignore[attr-defined]
    conn.execute("INSERT INTO pending_blobs VALUES (?, 0)", (v.segments[0].blob_id,))
    conn.commit()
    conn.close()
    store = reopen(store)
    got = store.meta.get_object("bkt", "k")
    assert got is not None and read(store, got) == b"data"
    store.close()


def test_grace_keeps_retired_blobs_readable_until_swept(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data", master_key=KEY, garbage_grace=60)
    store.meta.create_bucket(Bucket(name="bkt", owner_id="1", region="r"))
    old = put(store, "bkt", "k", b"old")
    put(store, "bkt", "k", b"new")
    assert read(store, old) == b"old"  # a reader holding the old metadata still succeeds
    assert store.meta.sweep_garbage() == 0  # not due yet
    assert store.meta.sweep_garbage(older_than=0) == 1
    assert old.segments[0].blob_id not in blob_files(store)
    store.close()


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from ossbox.store import open_store
    from ossbox.store.base import Bucket, ObjectVersion, Segment
    from ossbox.store.crypto import MasterKey

    store = open_store(Path(sys.argv[1]), master_key=MasterKey(bytes(32)), garbage_grace=0)
    if store.meta.get_bucket("bkt") is None:
        store.meta.create_bucket(Bucket(name="bkt", owner_id="1", region="r", versioning="Enabled"))
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        info = store.blobs.write_bytes(str(i).encode() * 100)
        v = ObjectVersion(bucket="bkt", key=f"k{i % 7}", size=info.size,
                          segments=(Segment(blob_id=info.blob_id, size=info.size),))
        store.meta.put_object(v)
        if i % 3 == 0:
            store.meta.delete_object("bkt", f"k{i % 5}")
        if i % 4 == 0:
            versions = store.meta.list_object_versions("bkt", prefix=f"k{i % 7}").entries
            if len(versions) > 2:
                store.meta.delete_object("bkt", versions[-1].key, versions[-1].version_id)
    """
)


def test_killed_writer_leaves_a_consistent_store(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for _ in range(2):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(0.4)
        child.send_signal(signal.SIGKILL)
        child.wait()

    store = open_store(data, master_key=MasterKey(bytes(32)), garbage_grace=0)
    versions = store.meta.list_object_versions("bkt", max_keys=100_000).entries
    assert versions, "the child made progress"
    referenced: set[str] = set()
    for entry in versions:
        full = store.meta.get_object("bkt", entry.key, entry.version_id)
        assert full is not None
        if not full.delete_marker:
            assert len(read(store, full)) == full.size  # every visible version is whole
        referenced |= {s.blob_id for s in full.segments}
    assert blob_files(store) == referenced  # no orphan survived recovery
    assert store.meta.pending_blobs() == [] and store.meta.garbage_blobs() == []
    store.close()


def test_due_garbage_is_reaped_in_the_background(tmp_path: Path) -> None:
    """No request waits for the sweep: a thread reaps every grace/2, with no later write."""
    store = open_store(tmp_path / "data", master_key=KEY, garbage_grace=0.2)
    store.meta.create_bucket(Bucket(name="bkt", owner_id="1", region="r"))
    old = put(store, "bkt", "k", b"old")
    put(store, "bkt", "k", b"new")
    assert old.segments[0].blob_id in blob_files(store)  # within its grace: still readable
    deadline = time.monotonic() + 10
    while old.segments[0].blob_id in blob_files(store) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert old.segments[0].blob_id not in blob_files(store)
    assert store.meta.garbage_blobs() == []
    store.close()
