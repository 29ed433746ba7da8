"""The audit writer (group commit, rotation, retention across processes), the reader and
`ossbox audit suspicious`'s detection, without a server."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.args import time_or_ago
from ossbox.server.audit.query import Filter, read_events, search
from ossbox.server.audit.suspicious import Thresholds, failure_bursts, find_suspicious
from ossbox.server.audit.writer import AuditWriter, prune, segments

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _event(seconds: float, **fields: Any) -> dict[str, Any]:
    when = T0 + timedelta(seconds=seconds)
    event = {
        "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
        "requestId": f"R{seconds}",
        "action": "oss:GetObject",
        "principalArn": "acs:ram::1:user/alice",
        "accessKeyId": "LTAIalice",
        "sourceIp": "10.0.0.1",
        "authFailure": "",
        "errorCode": "",
    }
    event.update(fields)
    return event


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_writer_appends_json_lines_and_close_flushes_them(tmp_path: Path) -> None:
    writer = AuditWriter(tmp_path, flush_interval=60)  # only close() flushes here
    writer.start()
    for i in range(3):
        writer.write(_event(i))
    writer.close()
    events = list(read_events(tmp_path))
    assert [e["requestId"] for e in events] == ["R0", "R1", "R2"]
    assert writer.written == 3 and writer.dropped == 0
    (path,) = segments(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600 and str(os.getpid()) in path.name


def test_writer_flushes_within_its_interval_without_close(tmp_path: Path) -> None:
    writer = AuditWriter(tmp_path, flush_interval=0.01)
    writer.start()
    writer.write(_event(0))
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while not list(read_events(tmp_path)) and datetime.now(UTC) < deadline:
        pass
    assert [e["requestId"] for e in read_events(tmp_path)] == ["R0"]
    writer.close()


def test_writer_rotates_past_the_segment_size_and_prunes_to_the_retention(tmp_path: Path) -> None:
    writer = AuditWriter(tmp_path, flush_interval=60, max_segment_bytes=400, retain_bytes=1000)
    writer.start()
    for i in range(40):
        writer.write(_event(i))
        writer.flush()
    writer.close()
    files = segments(tmp_path)
    assert len(files) > 1
    assert sum(f.stat().st_size for f in files) <= 1000 + 400  # closed ones pruned to fit
    survivors = [e["requestId"] for e in read_events(tmp_path)]
    assert survivors[-1] == "R39" and "R0" not in survivors  # the oldest went first


def test_prune_keeps_the_open_segment_of_a_running_process(tmp_path: Path) -> None:
    dead = _dead_pid()
    old_dead = tmp_path / f"20260101T000000000000Z-{dead}.jsonl"
    live_old = tmp_path / f"20260101T000001000000Z-{os.getpid()}.jsonl"
    live_open = tmp_path / f"20260101T000002000000Z-{os.getpid()}.jsonl"
    for path in (old_dead, live_old, live_open):
        path.write_bytes(b"x" * 100)
    removed = prune(tmp_path, retain_bytes=0)
    assert removed == [old_dead, live_old]
    assert segments(tmp_path) == [live_open]


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / f"20260101T000000000000Z-{os.getpid()}.jsonl"
    path.write_text(json.dumps(_event(0)) + "\n" + '{"time": "2026-01-0')
    assert [e["requestId"] for e in read_events(tmp_path)] == ["R0"]


def test_search_merges_processes_in_time_order_and_filters(tmp_path: Path) -> None:
    (tmp_path / "20260101T000000000000Z-1.jsonl").write_text(
        json.dumps(_event(2)) + "\n" + json.dumps(_event(0, action="ram:CreateUser")) + "\n"
    )
    (tmp_path / "20260101T000000000000Z-2.jsonl").write_text(
        json.dumps(_event(1, principalArn="acs:ram::1:assumed-role/app/s1")) + "\n"
    )
    assert [e["requestId"] for e in search(tmp_path, Filter())] == ["R0", "R1", "R2"]
    assert [e["requestId"] for e in search(tmp_path, Filter(action="oss:Get*"))] == ["R1", "R2"]
    assert [e["requestId"] for e in search(tmp_path, Filter(principal="app"))] == ["R1"]
    assert [e["requestId"] for e in search(tmp_path, Filter(principal="alice"))] == ["R0", "R2"]
    assert [e["requestId"] for e in search(tmp_path, Filter(principal="user/alice"))] == [
        "R0",
        "R2",
    ]
    since = Filter(since=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=1.5))
    assert [e["requestId"] for e in search(tmp_path, since)] == ["R1"]


def test_a_key_used_from_a_new_ip_after_its_baseline_is_reported_once() -> None:
    events = [
        _event(0),
        _event(1),
        _event(2, sourceIp="10.9.9.9"),
        _event(3, sourceIp="10.9.9.9"),
        _event(4, sourceIp="10.8.8.8", authFailure="SignatureDoesNotMatch"),  # not a use
        _event(5, accessKeyId="LTAIbob", sourceIp="10.7.7.7"),  # bob's baseline
    ]
    (finding,) = find_suspicious(events)
    assert finding["kind"] == "new-source-ip" and finding["sourceIp"] == "10.9.9.9"
    assert finding["knownIps"] == ["10.0.0.1"] and finding["count"] == 2
    assert not find_suspicious(events, since=T0 + timedelta(seconds=10))


def test_twenty_failures_in_a_minute_are_one_burst_nine_are_none() -> None:
    failures = [
        _event(i * 2, authFailure="SignatureDoesNotMatch", errorCode="SignatureDoesNotMatch")
        for i in range(20)
    ]
    bursts = failure_bursts(failures)
    assert {(b["by"], b["value"], b["count"]) for b in bursts} == {
        ("accessKeyId", "LTAIalice", 20),
        ("sourceIp", "10.0.0.1", 20),
    }
    assert not failure_bursts(failures[:9])
    spread = [_event(i * 10, authFailure="InvalidAccessKeyId") for i in range(20)]
    assert not failure_bursts(spread)  # 6 per minute
    assert failure_bursts(spread, Thresholds(burst_threshold=5, burst_window=60))


def test_relative_and_absolute_times() -> None:
    now = datetime.now(UTC)
    assert abs((now - time_or_ago("1h")) - timedelta(hours=1)) < timedelta(seconds=5)
    assert abs((now - time_or_ago("-90s")) - timedelta(seconds=90)) < timedelta(seconds=5)
    assert time_or_ago("2026-01-02T03:04:05") == T0
    with pytest.raises(Exception, match="ISO 8601"):
        time_or_ago("yesterday")


_WRITE_MANY = """
import sys
from pathlib import Path
from ossbox.server.audit.writer import AuditWriter
writer = AuditWriter(Path(sys.argv[1]), flush_interval=0.001, max_segment_bytes=20_000)
writer.start()
for i in range(2000):
    writer.write({"time": "2026-01-02T03:04:05.000Z", "requestId": f"{sys.argv[2]}-{i}",
                  "pad": "x" * (i % 300)})
writer.close()
"""


def test_processes_sharing_the_directory_lose_and_tear_no_line(tmp_path: Path) -> None:
    """What `serve --workers N` relies on: each process appends to its own segments."""
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITE_MANY, str(tmp_path), name])
        for name in ("a", "b", "c")
    ]
    assert [w.wait(60) for w in writers] == [0, 0, 0]
    lines = [line for p in segments(tmp_path) for line in p.read_bytes().splitlines()]
    assert len(lines) == 6000
    ids = {json.loads(line)["requestId"] for line in lines}  # every line parses
    assert ids == {f"{name}-{i}" for name in "abc" for i in range(2000)}
    assert len({p.name.rpartition("-")[2] for p in segments(tmp_path)}) == 3  # one pid each


def test_lookup_attributes_take_the_first_two_indexes_and_ignore_odd_names() -> None:
    from ossbox.server.audit.lookup import _attributes
    from ossbox.server.rpc.errors import RpcError

    params = {
        "LookupAttribute.3.Key": "EventRW",
        "LookupAttribute.3.Value": "Read",
        "LookupAttribute.2.Key": "EventName",
        "LookupAttribute.2.Value": "GetObject",
        "LookupAttribute.1.Key": "User",
        "LookupAttribute.1.Value": "alice",
        "LookupAttribute.².Key": "Nonsense",
        "LookupAttribute..Key": "Nonsense",
    }
    assert _attributes(params) == {"User": "alice", "EventName": "GetObject"}
    with pytest.raises(RpcError, match="unsupported key"):
        _attributes({"LookupAttribute.1.Key": "Password"})


@pytest.mark.parametrize("text", ["99999999999999d", "9" * 5000 + "s", "²d"])
def test_relative_times_out_of_range_are_argument_errors(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        time_or_ago(text)
