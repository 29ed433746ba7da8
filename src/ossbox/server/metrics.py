"""Request metrics in the Prometheus text exposition format (version 0.0.4), hand-written.

Why not `prometheus-client`: its multiprocess mode is chosen by an environment variable read
when the library is imported and keeps one mmap file per metric per process; ossbox must not
read the environment at import, and what it exports is five metric families. So each process
counts in plain dicts (only the event loop thread writes them), publishes a JSON snapshot to
DIR/metrics/<pid>.json every second (`MetricsPublisher`), and a scrape of any worker adds up
its own live counters and the snapshots of the other running processes. A worker's counters
start from zero when it restarts, as Prometheus expects of a restarted target; snapshots of
processes no longer running are removed by the next scrape.

Labels are bounded: `action` is a known RAM action name or "other", `code` an error code this
server emits ("" for success), so a client cannot create series at will.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ossbox.atomic_files import write_private
from ossbox.server.processes import pid_running

log = logging.getLogger("ossbox.metrics")

METRICS_DIR = "metrics"
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STS_ISSUING = {
    "sts:AssumeRole": "AssumeRole",
    "sts:AssumeRoleWithOIDC": "AssumeRoleWithOIDC",
    "credentials-uri": "CredentialsUri",
    "imds:GetRoleCredentials": "Imds",
}

Counts = dict[str, float]  # a label set, serialized as `k="v",...`, -> value


def _labels(**pairs: str) -> str:
    return ",".join(f'{k}="{_escape(v)}"' for k, v in pairs.items())


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """One process's counters. `observe` is called once per request, on the event loop."""

    def __init__(self) -> None:
        self.requests: Counts = {}
        self.bytes_in: Counts = {}
        self.bytes_out: Counts = {}
        self.auth_failures: Counts = {}
        self.sts_issued: Counts = {}
        self.latency_buckets: dict[str, list[int]] = {}
        self.latency_sum: Counts = {}
        self.latency_count: Counts = {}
        # How many audit events this process dropped, read when a snapshot is taken.
        self.audit_dropped: Callable[[], int] = lambda: 0

    def observe(
        self,
        family: str,
        action: str,
        status: int,
        code: str,
        seconds: float,
        bytes_in: int,
        bytes_out: int,
        auth_failure: str = "",
    ) -> None:
        key = _labels(family=family, action=action, status=str(status), code=code)
        self.requests[key] = self.requests.get(key, 0) + 1
        fam = _labels(family=family)
        self.bytes_in[fam] = self.bytes_in.get(fam, 0) + bytes_in
        self.bytes_out[fam] = self.bytes_out.get(fam, 0) + bytes_out
        counts = self.latency_buckets.setdefault(fam, [0] * len(BUCKETS))
        for i, bound in enumerate(BUCKETS):
            if seconds <= bound:
                counts[i] += 1
        self.latency_sum[fam] = self.latency_sum.get(fam, 0) + seconds
        self.latency_count[fam] = self.latency_count.get(fam, 0) + 1
        if auth_failure:
            reason = _labels(family=family, reason=auth_failure)
            self.auth_failures[reason] = self.auth_failures.get(reason, 0) + 1
        issued = STS_ISSUING.get(action) or STS_ISSUING.get(family)
        if issued is not None and status == 200:
            kind = _labels(via=issued)
            self.sts_issued[kind] = self.sts_issued.get(kind, 0) + 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "bytes_in": dict(self.bytes_in),
            "bytes_out": dict(self.bytes_out),
            "auth_failures": dict(self.auth_failures),
            "sts_issued": dict(self.sts_issued),
            # dict() and list() copy atomically under the GIL; a comprehension over the live
            # dict would not (the publisher thread reads while the event loop counts).
            "latency_buckets": {k: list(v) for k, v in dict(self.latency_buckets).items()},
            "latency_sum": dict(self.latency_sum),
            "latency_count": dict(self.latency_count),
            "audit_dropped": {"": self.audit_dropped()},
        }


def merge(snapshots: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    total: dict[str, dict[str, Any]] = {}
    for snap in snapshots:
        for name, series in snap.items():
            into = total.setdefault(name, {})
            for labels, value in series.items():
                if isinstance(value, list):
                    old = into.get(labels, [0] * len(value))
                    into[labels] = [a + b for a, b in zip(old, value, strict=True)]
                else:
                    into[labels] = into.get(labels, 0) + value
    return total


_COUNTERS = (
    ("requests", "ossbox_requests_total", "Requests by API family, RAM action, status, code."),
    ("bytes_in", "ossbox_request_bytes_total", "Request body bytes received, by API family."),
    ("bytes_out", "ossbox_response_bytes_total", "Response body bytes sent, by API family."),
    ("auth_failures", "ossbox_auth_failures_total", "Refused credentials by error code."),
    ("sts_issued", "ossbox_sts_credentials_issued_total", "STS credentials issued."),
    ("audit_dropped", "ossbox_audit_events_dropped_total", "Audit events lost (disk too slow)."),
)


def render(total: Mapping[str, Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for name, metric, text in _COUNTERS:
        lines += [f"# HELP {metric} {text}", f"# TYPE {metric} counter"]
        for labels, value in sorted(total.get(name, {}).items()):
            series = f"{metric}{{{labels}}}" if labels else metric
            lines.append(f"{series} {_number(value)}")
    metric = "ossbox_request_duration_seconds"
    lines += [f"# HELP {metric} Request latency by API family.", f"# TYPE {metric} histogram"]
    for labels, counts in sorted(total.get("latency_buckets", {}).items()):
        for bound, count in zip(BUCKETS, counts, strict=True):
            lines.append(f'{metric}_bucket{{{labels},le="{bound}"}} {count}')
        count_total = total.get("latency_count", {}).get(labels, 0)
        lines.append(f'{metric}_bucket{{{labels},le="+Inf"}} {_number(count_total)}')
        lines.append(f"{metric}_sum{{{labels}}} {total.get('latency_sum', {}).get(labels, 0)!r}")
        lines.append(f"{metric}_count{{{labels}}} {_number(count_total)}")
    return "\n".join(lines) + "\n"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def read_others(directory: Path) -> list[dict[str, Any]]:
    """The snapshots of the other running processes; those of dead ones are removed."""
    snapshots = []
    try:
        files = list(directory.glob("*.json"))
    except OSError:
        return []
    for path in files:
        pid = int(path.stem) if path.stem.isdigit() else None
        if pid is None or pid == os.getpid():
            continue
        if not pid_running(pid):
            path.unlink(missing_ok=True)
            continue
        try:
            snapshots.append(json.loads(path.read_bytes()))
        except (OSError, ValueError):
            continue  # being replaced; its next snapshot counts
    return snapshots


def exposition(metrics: Metrics, directory: Path | None) -> str:
    """This process's live counters plus every other running process's latest snapshot."""
    others = read_others(directory) if directory is not None else []
    return render(merge([metrics.snapshot(), *others]))


class MetricsPublisher:
    """Writes this process's snapshot to DIR/metrics/<pid>.json every `interval` seconds
    (atomically: a temporary file renamed over the old one), from a background thread."""

    def __init__(self, metrics: Metrics, directory: Path, interval: float = 1.0) -> None:
        self.metrics = metrics
        self.directory = directory
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="ossbox-metrics", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        (self.directory / f"{os.getpid()}.json").unlink(missing_ok=True)

    def publish(self) -> None:
        path = self.directory / f"{os.getpid()}.json"
        try:  # rewritten every `interval`: no fsync
            write_private(path, json.dumps(self.metrics.snapshot()).encode(), durable=False)
        except OSError as err:
            log.warning("metrics: cannot publish the snapshot: %s", err.strerror)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.publish()
