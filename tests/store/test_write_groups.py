"""Group commit of write transactions: blocks that queue while one runs join its transaction."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ossbox.store.sqlite_engine import SqliteEngine, Tx

INSERT = "INSERT INTO pending_blobs(blob_id, created) VALUES (?, 0)"


def _rows(engine: SqliteEngine) -> set[str]:
    with engine.read() as tx:
        return {r[0] for r in tx.rows("SELECT blob_id FROM pending_blobs")}


def _run_group(
    engine: SqliteEngine, joiners: list[Callable[[Tx], None]]
) -> tuple[BaseException | None, list[BaseException | None]]:
    """The first block writes 'first' and holds the lock until every joiner waits for it; then
    each joiner's block runs. Returns what the first block and each joiner raised."""
    outcome: dict[int, BaseException | None] = {}

    def first() -> None:
        try:
            with engine.write() as tx:
                tx.run(INSERT, ("first",))
                deadline = time.monotonic() + 10
                while engine._waiting < len(joiners) and time.monotonic() < deadline:
                    time.sleep(0.001)
            outcome[-1] = None
        except BaseException as exc:
            outcome[-1] = exc

    def joiner(i: int) -> None:
        try:
            with engine.write() as tx:
                joiners[i](tx)
            outcome[i] = None
        except BaseException as exc:
            outcome[i] = exc

    leader = threading.Thread(target=first)
    leader.start()
    while not engine._write_lock.locked():
        time.sleep(0.001)
    threads = [threading.Thread(target=joiner, args=(i,)) for i in range(len(joiners))]
    for thread in threads:
        thread.start()
    for thread in [leader, *threads]:
        thread.join()
    return outcome[-1], [outcome[i] for i in range(len(joiners))]


def _insert(name: str) -> Callable[[Tx], None]:
    def block(tx: Tx) -> None:
        tx.run(INSERT, (name,))

    return block


@pytest.fixture
def engine(tmp_path: Path) -> SqliteEngine:
    return SqliteEngine(tmp_path / "meta.db")


def test_queued_blocks_share_one_commit(engine: SqliteEngine) -> None:
    before = engine._committed
    first, rest = _run_group(engine, [_insert("a"), _insert("b"), _insert("c")])
    assert first is None and rest == [None, None, None]
    assert _rows(engine) == {"first", "a", "b", "c"}
    assert engine._committed == before + 1  # one BEGIN ... COMMIT for the four blocks


def test_a_failing_block_rolls_back_only_itself(engine: SqliteEngine) -> None:
    def fails(tx: Tx) -> None:
        tx.run(INSERT, ("doomed",))
        raise ValueError("refused")

    first, rest = _run_group(engine, [_insert("a"), fails, _insert("c")])
    assert first is None and rest[0] is None and rest[2] is None
    assert isinstance(rest[1], ValueError)
    assert _rows(engine) == {"first", "a", "c"}


def test_a_block_that_loses_the_transaction_fails_the_blocks_before_it(
    engine: SqliteEngine,
) -> None:
    """SQLite rolls the whole transaction back on some errors (a full disk): the blocks that
    had joined it must not be told they committed."""

    def loses_all(tx: Tx) -> None:
        tx.run(INSERT, ("lost",))
        tx.conn.execute("ROLLBACK")  # what SQLite does itself on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")

    first, rest = _run_group(engine, [loses_all])
    assert isinstance(first, sqlite3.OperationalError)
    assert isinstance(rest[0], sqlite3.OperationalError)
    assert _rows(engine) == set()
    with engine.write() as tx:  # the lock and the writer connection are usable again
        tx.run(INSERT, ("after",))
    assert _rows(engine) == {"after"}
