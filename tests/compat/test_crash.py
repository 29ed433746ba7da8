"""kill -9 in the middle of concurrent uploads: what was acknowledged survives, nothing is torn.

A server of its own (on its own data dir) takes PutObject and multipart uploads from several
oss2 threads (one PUT deliberately stalls half-way through its body, so an unfinished write is
certainly on disk); it is killed with SIGKILL while requests are in flight, then restarted on
the same data dir. Every upload that got a 200 must read back intact (oss2 checks the CRC-64),
every object that is listed must be exactly one that was sent, and crash recovery must have
emptied DIR/tmp.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import oss2
import pytest
from oss2.models import PartInfo

from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

KB = 1024
MB = 1024 * KB
PUT_SIZES = [0, 1, 4 * KB, 100 * KB, MB, 3 * MB + 5]
PART_SIZE = 256 * KB
BUCKET = "crash-test"
WRITERS = 4
RUN_SECONDS = 2.0  # uploads in flight before the kill


class Ledger:
    """What each thread sent and which uploads the server acknowledged (thread-safe)."""

    def __init__(self) -> None:
        self.sent: dict[str, bytes] = {}
        self.acked: set[str] = set()
        self._lock = threading.Lock()

    def record_sent(self, key: str, data: bytes) -> None:
        with self._lock:
            self.sent[key] = data

    def record_acked(self, key: str) -> None:
        with self._lock:
            self.acked.add(key)


def _crashable(stop: threading.Event, worker: Callable[[int], None]) -> Callable[[], None]:
    """Run `worker(n)` for n = 0, 1, ... until `stop` is set or the server goes away."""

    def run() -> None:
        n = 0
        while not stop.is_set():
            try:
                worker(n)
            except (oss2.exceptions.RequestError, oss2.exceptions.ServerError):
                return  # the connection died with the server
            n += 1

    return run


def _put_worker(bucket: oss2.Bucket, ledger: Ledger, writer: int) -> Callable[[int], None]:
    def put(n: int) -> None:
        key = f"put/{writer}/{n}"
        data = os.urandom(PUT_SIZES[(writer + n) % len(PUT_SIZES)])
        ledger.record_sent(key, data)
        if bucket.put_object(key, data).status == 200:
            ledger.record_acked(key)

    return put


def _multipart_worker(
    bucket: oss2.Bucket, ledger: Ledger, prefix: str = "multipart"
) -> Callable[[int], None]:
    def upload(n: int) -> None:
        key = f"{prefix}/{n}"
        data = os.urandom(3 * PART_SIZE + 17)
        ledger.record_sent(key, data)
        upload_id = bucket.init_multipart_upload(key).upload_id
        parts = []
        for number, offset in enumerate(range(0, len(data), PART_SIZE), start=1):
            chunk = data[offset : offset + PART_SIZE]
            result = bucket.upload_part(key, upload_id, number, chunk)
            parts.append(PartInfo(number, result.etag, size=len(chunk), part_crc=result.crc))
        if bucket.complete_multipart_upload(key, upload_id, parts).status == 200:
            ledger.record_acked(key)

    return upload


def _stalled_worker(
    bucket: oss2.Bucket, ledger: Ledger, release: threading.Event
) -> Callable[[], None]:
    """One PUT whose body stops half-way until the kill: surely mid-flight when it comes."""

    def body() -> Iterator[bytes]:
        yield ledger.sent["stalled"][:MB]
        release.wait(30)
        yield ledger.sent["stalled"][MB:]

    def put() -> None:
        ledger.record_sent("stalled", os.urandom(2 * MB))
        with contextlib.suppress(oss2.exceptions.RequestError, oss2.exceptions.ServerError):
            bucket.put_object("stalled", body())

    return put


def _run_until_killed(server: LiveServer, ledger: Ledger, data_dir: Path) -> None:
    bucket = oss2_bucket(server, BUCKET)
    bucket.create_bucket()
    stop, release = threading.Event(), threading.Event()
    workers = [_crashable(stop, _put_worker(bucket, ledger, w)) for w in range(WRITERS)]
    workers.append(_crashable(stop, _multipart_worker(bucket, ledger)))
    workers.append(_stalled_worker(bucket, ledger, release))
    threads = [threading.Thread(target=worker, daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    time.sleep(RUN_SECONDS)
    stop.set()
    server.kill()
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert list((data_dir / "tmp").iterdir()), "no upload was mid-body at the kill"


def test_kill_9_mid_upload_keeps_acknowledged_objects_and_tears_none(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    ledger = Ledger()
    first = LiveServer(data_dir)
    first.start()
    try:
        _run_until_killed(first, ledger, data_dir)
    finally:
        first.kill()
    assert len(ledger.acked) >= WRITERS, "too few uploads finished before the kill to judge"
    assert set(ledger.sent) - ledger.acked, "nothing was in flight at the kill"

    restarted = LiveServer(data_dir)
    restarted.start()
    try:
        assert list((data_dir / "tmp").iterdir()) == [], "recovery left unfinished writes"
        _check_survivors(oss2_bucket(restarted, BUCKET), ledger)
    finally:
        restarted.stop()


def _check_survivors(bucket: oss2.Bucket, ledger: Ledger) -> None:
    for key in sorted(ledger.acked):
        assert bucket.get_object(key).read() == ledger.sent[key], key
    for listed in oss2.ObjectIterator(bucket):
        assert listed.key in ledger.sent, f"{listed.key} was never uploaded"
        data = ledger.sent[listed.key]
        assert listed.size == len(data), f"{listed.key} is torn"
        assert bucket.get_object(listed.key).read() == data, f"{listed.key} is torn"
