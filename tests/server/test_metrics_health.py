"""Metrics exposition and aggregation across processes; the health checks."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ossbox.server.health import check
from ossbox.server.metrics import Metrics, MetricsPublisher, exposition, merge, render
from ossbox.store import open_store
from tests.suites.asgi import call_once


def _samples(text: str) -> dict[str, float]:
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def test_requests_latency_and_failures_render_as_prometheus_text() -> None:
    metrics = Metrics()
    metrics.observe("oss", "oss:GetObject", 200, "", 0.003, 0, 4096)
    metrics.observe(
        "oss",
        "oss:GetObject",
        403,
        "SignatureDoesNotMatch",
        0.02,
        0,
        600,
        auth_failure="SignatureDoesNotMatch",
    )
    metrics.observe("sts", "sts:AssumeRole", 200, "", 0.01, 0, 900)
    samples = _samples(render(merge([metrics.snapshot()])))
    ok = 'ossbox_requests_total{family="oss",action="oss:GetObject",status="200",code=""}'
    assert samples[ok] == 1
    assert samples['ossbox_auth_failures_total{family="oss",reason="SignatureDoesNotMatch"}'] == 1
    assert samples['ossbox_sts_credentials_issued_total{via="AssumeRole"}'] == 1
    assert samples['ossbox_response_bytes_total{family="oss"}'] == 4696
    assert samples['ossbox_request_duration_seconds_bucket{family="oss",le="0.005"}'] == 1
    assert samples['ossbox_request_duration_seconds_bucket{family="oss",le="0.025"}'] == 2
    assert samples['ossbox_request_duration_seconds_bucket{family="oss",le="+Inf"}'] == 2
    assert samples['ossbox_request_duration_seconds_count{family="oss"}'] == 2


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.observe("oss", 'a"b\\c\nd', 200, "", 0.001, 0, 0)
    assert 'action="a\\"b\\\\c\\nd"' in render(merge([metrics.snapshot()]))


def test_a_scrape_adds_the_snapshots_of_other_running_processes(tmp_path: Path) -> None:
    mine, theirs = Metrics(), Metrics()
    mine.observe("oss", "oss:PutObject", 200, "", 0.001, 10, 0)
    theirs.observe("oss", "oss:PutObject", 200, "", 0.001, 5, 0)
    sibling = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / f"{sibling.pid}.json").write_text(json.dumps(theirs.snapshot()))
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        (tmp_path / f"{dead.pid}.json").write_text(json.dumps(theirs.snapshot()))
        samples = _samples(exposition(mine, tmp_path))
    finally:
        sibling.kill()
        sibling.wait()
    assert samples['ossbox_request_bytes_total{family="oss"}'] == 15  # mine + the live sibling
    assert not (tmp_path / f"{dead.pid}.json").exists()  # a dead process's snapshot is dropped


def test_the_publisher_writes_and_removes_this_process_snapshot(tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.observe("ram", "ram:ListUsers", 200, "", 0.001, 0, 10)
    publisher = MetricsPublisher(metrics, tmp_path, interval=60)
    publisher.start()
    publisher.publish()
    snapshot = json.loads((tmp_path / f"{os.getpid()}.json").read_text())
    assert sum(snapshot["requests"].values()) == 1
    publisher.close()
    assert not (tmp_path / f"{os.getpid()}.json").exists()


def test_health_is_ready_with_a_working_store(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        ready, report = check(store)
    finally:
        store.close()
    assert ready and report["metadata"] == report["blobs"] == report["disk"] == "ok"
    assert report["diskFreeBytes"] > 0


def test_health_is_not_ready_when_blobs_cannot_be_written_or_disk_is_low(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    try:
        ready, report = check(store, min_free_bytes=2**62)
        assert not ready and report["disk"].startswith("low")
        store.blobs.tmp_dir.rmdir()
        store.blobs.tmp_dir.write_text("not a directory")  # refuses root too
        ready, report = check(store)
        assert not ready and report["blobs"].startswith("not writable")
        store.close()
        ready, report = check(store)
        assert not ready and report["metadata"].startswith("unreachable")
    finally:
        store.close()


def test_the_health_endpoint_answers_503_when_not_ready(tmp_path: Path) -> None:
    from ossbox.server.bootstrap import open_server
    from ossbox.server.config import ServerConfig

    env = {"OSSBOX_ACCOUNT_ID": "1234567890123456"}
    app = open_server(ServerConfig(data_dir=tmp_path, min_free_bytes=2**62), env)
    try:
        health = call_once(app, "GET", "/_ossbox/health")
        assert health.status == 503 and json.loads(health.body)["status"] == "unavailable"
        metrics = call_once(app, "GET", "/_ossbox/metrics")
        assert metrics.status == 200 and b"ossbox_requests_total" in metrics.body
    finally:
        app.store.close()


def test_health_reports_a_store_that_refuses_writes_after_a_failed_wal_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ossbox.server.bootstrap import open_server
    from ossbox.server.config import ServerConfig
    from ossbox.store import sqlite_engine

    env = {"OSSBOX_ACCOUNT_ID": "1234567890123456"}
    app = open_server(ServerConfig(data_dir=tmp_path, min_free_bytes=0), env)
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("-wal"):
            raise OSError(errno.EIO, "injected fsync failure")
        real_fsync(fd)

    try:
        assert call_once(app, "GET", "/_ossbox/health").status == 200
        monkeypatch.setattr(sqlite_engine.os, "fsync", failing_fsync)
        with pytest.raises(OSError):
            app.store.meta.add_pending_blob("x")
        monkeypatch.setattr(sqlite_engine.os, "fsync", real_fsync)
        health = call_once(app, "GET", "/_ossbox/health")
        report = json.loads(health.body)
        assert health.status == 503 and report["status"] == "unavailable"
        assert report["checks"]["metadata"].startswith("refusing writes")
        assert report["checks"]["blobs"] == report["checks"]["disk"] == "ok"
    finally:
        app.store.close()


def test_the_snapshot_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        publisher = MetricsPublisher(Metrics(), tmp_path / "metrics", interval=60)
        publisher.start()
        publisher.publish()
        path = tmp_path / "metrics" / f"{os.getpid()}.json"
        assert path.stat().st_mode & 0o777 == 0o600
        publisher.close()
    finally:
        os.umask(old)
