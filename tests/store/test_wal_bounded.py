"""The WAL stays bounded while readers never stop and writers take turns: checkpoints must catch
up with the writers (a checkpoint run beside them never does)."""

from __future__ import annotations

import threading
from pathlib import Path

from ossbox.store.sqlite_engine import SqliteEngine

WRITERS, WRITES = 4, 750  # a page or more each: 12 MB of WAL if nothing were copied back
BOUND = 8 * 1024 * 1024  # SQLite's automatic checkpoint keeps it near 4 MB (1,000 pages)


def test_wal_is_checkpointed_under_continuous_reads(tmp_path: Path) -> None:
    engine = SqliteEngine(tmp_path / "meta.db")
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            with engine.read() as tx:
                tx.rows("SELECT count(*) FROM pending_blobs")

    def writer(n: int) -> None:
        for i in range(WRITES):
            with engine.write() as tx:
                tx.run("INSERT INTO pending_blobs(blob_id, created) VALUES (?, ?)", (f"{n}-{i}", i))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    wal = tmp_path / "meta.db-wal"
    assert wal.stat().st_size < BOUND
    engine.close()
