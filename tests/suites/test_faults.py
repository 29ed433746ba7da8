"""Faults suite: kill -9 of one worker and of the whole server during writes, a full disk, and
failed fsyncs. Every acknowledged object reads back intact (oss2 checks the CRC-64), no partial
object is ever listed or readable, and the server restarts clean.

The whole-server kill reuses tests/compat/test_crash.py's writers (PUTs of 0 B..3 MiB,
multipart uploads and one PUT stalled half-way) against `--workers 2`; test_crash.py itself
covers the single process.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import oss2
import pytest

from ossbox.cli.workers import EXIT_WRITES_REFUSED
from tests.compat.conftest import oss2_bucket
from tests.compat.test_crash import (
    BUCKET,
    WRITERS,
    Ledger,
    _check_survivors,
    _multipart_worker,
    _put_worker,
    _run_until_killed,
)
from tests.compat.test_workers import workers_of
from tests.conftest import LiveServer
from tests.suites.asgi import call, open_world
from tests.suites.budget import pick, report
from tests.suites.failing_wal_fsync import MARKER

ROUNDS = pick(1, 5)  # kill rounds per scenario


def _resilient(stop: threading.Event, worker: Callable[[int], None], failures: list[str]):  # type: ignore[no-untyped-def]
    """Run worker(n) until `stop`, going on through connections that die with a worker; a
    server error (an HTTP answer with 5xx) is a finding."""

    def run() -> None:
        n = 0
        while not stop.is_set():
            try:
                worker(n)
            except oss2.exceptions.RequestError:
                pass  # the connection died with the killed worker: not acknowledged
            except oss2.exceptions.ServerError as err:
                if err.status >= 500 or err.status < 0:
                    failures.append(f"{err.status} {err.code}")
            n += 1

    return run


def test_kill_9_of_one_worker_during_writes(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = LiveServer(data_dir, extra_args=["--workers", "2"])
    server.start()
    ledger, failures = Ledger(), []
    killed: list[int] = []
    try:
        bucket = oss2_bucket(server, BUCKET)
        bucket.create_bucket()
        for round_ in range(ROUNDS):
            stop = threading.Event()
            writers = [  # keys of their own each round: the ledger holds one body per key
                _put_worker(oss2_bucket(server, BUCKET), ledger, round_ * 100 + w)
                for w in range(WRITERS)
            ]
            writers.append(
                _multipart_worker(oss2_bucket(server, BUCKET), ledger, f"multipart-{round_}")
            )
            threads = [
                threading.Thread(target=_resilient(stop, w, failures), daemon=True) for w in writers
            ]
            for thread in threads:
                thread.start()
            time.sleep(1.5)
            victim = min(workers_of(server))
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            time.sleep(1.5)  # the writers go on against the survivor and the replacement
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            assert not any(thread.is_alive() for thread in threads)
            _wait_for_workers(server, 2, gone=victim)
            assert not list((data_dir / "tmp").glob(f"*.{victim}.tmp")), "dead worker's temp files"
        assert failures == [], failures[:10]
        _check_survivors(oss2_bucket(server, BUCKET), ledger)
    finally:
        server.stop()
    _restart_and_check(data_dir, ledger)
    report(
        "faults",
        scenario="kill -9 of one worker during writes (--workers 2)",
        kills=len(killed),
        acknowledged=len(ledger.acked),
        unacknowledged=len(set(ledger.sent) - ledger.acked),
        survived=True,
    )


def _wait_for_workers(server: LiveServer, count: int, gone: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pids = workers_of(server)
        if len(pids) == count and gone not in pids:
            return
        time.sleep(0.05)
    raise AssertionError(f"worker {gone} was not replaced")


def test_kill_9_of_the_whole_server_with_workers(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    ledger = Ledger()
    for round_ in range(ROUNDS):
        server = LiveServer(data_dir, extra_args=["--workers", "2"])
        server.start()
        try:
            if round_ == 0:
                _run_until_killed(server, ledger, data_dir)
            else:
                _run_more_until_killed(server, ledger, round_)
        finally:
            server.kill()
    assert len(ledger.acked) >= WRITERS
    _restart_and_check(data_dir, ledger)
    report(
        "faults",
        scenario="kill -9 of the whole server during writes (--workers 2)",
        kills=ROUNDS,
        acknowledged=len(ledger.acked),
        unacknowledged=len(set(ledger.sent) - ledger.acked),
        survived=True,
    )


def _restart_and_check(data_dir: Path, ledger: Ledger) -> None:
    """Start `--workers 2` on what the kills left: recovery cleared the unfinished writes and
    every acknowledged object reads back intact."""
    restarted = LiveServer(data_dir, extra_args=["--workers", "2"])
    restarted.start()
    try:
        assert list((data_dir / "tmp").iterdir()) == [], "recovery left unfinished writes"
        _check_survivors(oss2_bucket(restarted, BUCKET), ledger)
    finally:
        restarted.stop()


def _run_more_until_killed(server: LiveServer, ledger: Ledger, round_: int) -> None:
    """Later rounds: the same writers (on fresh keys) on the restarted server, then the kill."""
    stop, failures = threading.Event(), []
    writers = [
        _put_worker(oss2_bucket(server, BUCKET), ledger, round_ * 100 + w) for w in range(WRITERS)
    ]
    threads = [threading.Thread(target=_resilient(stop, w, failures), daemon=True) for w in writers]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == [], failures[:10]


# --------------------------------------------------------------------------------------------
# A full disk: the data directory on a 20 MiB tmpfs


# health would otherwise report the small disk unavailable (under --min-free-mib's 64 MiB)
FULL_DISK_ARGS = ["--workers", "2", "--min-free-mib", "1"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "data"  # the data directory itself; the server log stays outside
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=20m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(
    bucket: oss2.Bucket, ledger: Ledger, size: int, prefix: str
) -> list[oss2.exceptions.ServerError]:
    """PUT objects of `size` until the disk refuses three in a row; returns the refusals."""
    refusals: list[oss2.exceptions.ServerError] = []
    n = 0
    while len(refusals) < 3 and n < 10_000:
        key, data = f"{prefix}/{n}", os.urandom(size)
        n += 1
        ledger.record_sent(key, data)
        try:
            bucket.put_object(key, data)
        except oss2.exceptions.ServerError as err:
            refusals.append(err)
            continue
        ledger.record_acked(key)
        refusals.clear()
    return refusals


def test_a_full_disk_is_refused_cleanly_and_recovered(small_disk: Path) -> None:
    data_dir = small_disk
    ledger = Ledger()
    server = LiveServer(data_dir, extra_args=FULL_DISK_ARGS)
    server.start()
    try:
        bucket = oss2_bucket(server, BUCKET)
        bucket.create_bucket()
        refusals = _fill(bucket, ledger, 1024 * 1024, "big")
        refusals += _fill(bucket, ledger, 4 * 1024, "small")
        assert refusals, "the disk never filled"
        assert {(e.status, e.code) for e in refusals} == {(507, "InsufficientStorage")}
        _check_survivors(bucket, ledger)
        assert list((data_dir / "tmp").iterdir()) == [], "a refused upload left its temp file"
        deleted = sorted(ledger.acked)[: len(ledger.acked) // 2]
        for key in deleted:
            with contextlib.suppress(oss2.exceptions.ServerError):
                bucket.delete_object(key)
    finally:
        server.stop()
    # the same port: the OIDC issuer URL (written at start) stays the same
    restarted = LiveServer(data_dir, port=server.port, extra_args=FULL_DISK_ARGS)
    restarted.start()
    try:
        bucket = oss2_bucket(restarted, BUCKET)
        gone = {key for key in deleted if not bucket.object_exists(key)}
        ledger.acked -= gone
        for key in gone:
            del ledger.sent[key]
        assert gone, "no delete went through on the full disk"
        bucket.put_object("after-restart", b"space again")  # recovery reaped the deleted blobs
        ledger.record_sent("after-restart", b"space again")
        ledger.record_acked("after-restart")
        _check_survivors(bucket, ledger)
    finally:
        restarted.stop()
    report(
        "faults",
        scenario="full disk (20 MiB tmpfs, --workers 2)",
        acknowledged=len(ledger.acked),
        refusals=f"{len(refusals)} x 507 InsufficientStorage",
        survived=True,
    )


# --------------------------------------------------------------------------------------------
# fsync failures, injected in process where each fsync is made (blob data, directory, WAL)


def _fd_path(fd: int) -> str:
    return os.readlink(f"/proc/self/fd/{fd}")


@pytest.mark.parametrize("target", ["blob data", "blob directory", "metadata WAL"])
def test_a_failed_fsync_is_never_acknowledged_and_never_torn(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = open_world(tmp_path / "data")
    real_fsync = os.fsync
    tmp_dir, blob_dir = str(world.data_dir / "tmp"), str(world.data_dir / "blobs")

    def failing_fsync(fd: int) -> None:
        path = _fd_path(fd)
        hit = {
            "blob data": path.startswith(tmp_dir + "/"),
            "blob directory": path.startswith(blob_dir + "/") and os.path.isdir(path),
            "metadata WAL": path.endswith("-wal"),
        }[target]
        if hit:
            raise OSError(errno.EIO, "injected fsync failure")
        real_fsync(fd)

    try:
        monkeypatch.setattr(os, "fsync", failing_fsync)
        failed = world.send_unchecked("PUT", "victim", b"never acknowledged")
        assert failed.status == 500 and b"<Code>InternalError</Code>" in failed.body
        after = world.send_unchecked("GET", "victim")
        assert after.status == 404 or after.body == b"never acknowledged", "torn object"
        monkeypatch.setattr(os, "fsync", real_fsync)
        assert not list((world.data_dir / "tmp").iterdir())
        later = world.send_unchecked("PUT", "later", b"after the fault")
        health = call(world.loop, world.app, "GET", "/_ossbox/health")
        if target == "metadata WAL":
            assert later.status == 500, "a write was acknowledged after a failed WAL fsync"
            assert health.status == 503 and b"refusing writes" in health.body
        else:
            assert later.status == 200
            assert health.status == 200
    finally:
        world.close()
    reopened = open_world(tmp_path / "data")  # the restart
    try:
        assert reopened.signed("PUT", "again", [], b"clean").status == 200
        got = reopened.send_unchecked("GET", "victim")
        assert got.status == 404 or got.body == b"never acknowledged"
        assert reopened.app.store.meta.pending_blobs() == []
    finally:
        reopened.close()
    report("faults", scenario=f"fsync failure: {target}", survived=True)


def test_a_worker_whose_wal_fsync_failed_is_replaced(tmp_path: Path) -> None:
    """--workers 2: the worker that saw the failure stops (its store refuses writes), exits
    with EXIT_WRITES_REFUSED; it and its sibling (same WAL) are replaced; the server takes
    writes again."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    wrapper = Path(__file__).with_name("failing_wal_fsync.py")
    server = LiveServer(data_dir, extra_args=["--workers", "2"], cli=[sys.executable, str(wrapper)])
    server.start()
    try:
        bucket = oss2_bucket(server, BUCKET)
        bucket.create_bucket()
        before = workers_of(server)
        (data_dir / MARKER).touch()
        with pytest.raises(oss2.exceptions.ServerError) as refused:
            bucket.put_object("victim", b"never acknowledged")
        (data_dir / MARKER).unlink()
        assert refused.value.status == 500
        _wait_for_new_workers(server, before)
        log = server.log_file.read_text()
        assert f"exited with status {EXIT_WRITES_REFUSED}" in log
        assert "restarting it as well (shared WAL)" in log
        for n in range(20):  # fresh connections: both workers take some
            fresh = oss2_bucket(server, BUCKET)
            assert fresh.put_object(f"after-{n}", b"taken").status == 200
        assert _health(server) == 200
        got = bucket.get_object("after-0").read()
        assert got == b"taken"
    finally:
        server.stop()
    report("faults", scenario="WAL fsync failure in one worker (--workers 2)", survived=True)


def _wait_for_new_workers(server: LiveServer, before: set[int]) -> None:
    """Until two workers run and none of them is one of `before`."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pids = workers_of(server)
        if len(pids) == 2 and not pids & before:
            return
        time.sleep(0.05)
    raise AssertionError("the workers sharing the failed WAL were not all replaced")


def _health(server: LiveServer) -> int:
    try:
        with urllib.request.urlopen(f"{server.endpoint}/_ossbox/health", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return err.code
