"""Load suite: 64 concurrent oss2 clients with STS credentials (AssumeRole), mixed PUT (1-16
KiB), GET (body verified), LIST and DELETE, against `ossbox serve --workers N`: zero errors,
with ops/s and latency percentiles reported per worker count. 10 s per worker count (1, 2) in
CI; 60 s per worker count (1, 2, 4) nightly.
"""

from __future__ import annotations

import multiprocessing
import statistics
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from tests.compat.sts_world import make_world
from tests.conftest import LiveServer
from tests.suites.budget import pick, report
from tests.suites.load_clients import OPS, Tally, run_clients

CLIENTS = 64
PROCESSES = 4
SECONDS = pick(10.0, 60.0)
WORKER_COUNTS = pick([1, 2], [1, 2, 4])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@pytest.fixture(params=WORKER_COUNTS, ids=lambda n: f"{n}-workers")
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path / "data", extra_args=["--workers", str(request.param)])
    live.data_dir.mkdir()
    live.start()
    yield live
    live.stop()


def test_64_sts_clients_mixed_load_has_no_errors(server: LiveServer) -> None:
    world = make_world(server)
    sessions = [world.assume(RoleSessionName=f"load-{p}") for p in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")  # no fork of the test process's threads
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        futures = [
            pool.submit(
                run_clients,
                server.endpoint,
                server.region,
                world.bucket,
                (s["AccessKeyId"], s["AccessKeySecret"], s["SecurityToken"]),
                f"load/p{p}",
                CLIENTS // PROCESSES,
                SECONDS,
            )
            for p, s in enumerate(sessions)
        ]
        tallies: list[Tally] = [f.result(timeout=SECONDS + 120) for f in futures]
    errors = [e for t in tallies for e in t.errors]
    latencies = {op: [ms for t in tallies for ms in t.latencies[op]] for op in OPS}
    every = [ms for op in OPS for ms in latencies[op]]
    workers = server.extra_args[-1]
    report(
        "load",
        workers=int(workers),
        clients=CLIENTS,
        seconds=SECONDS,
        ops=len(every),
        ops_per_second=round(len(every) / SECONDS, 1),
        p50_ms=round(percentile(every, 0.5), 1),
        p99_ms=round(percentile(every, 0.99), 1),
        by_op={
            op: {
                "count": len(v),
                "p50_ms": round(percentile(v, 0.5), 1),
                "p99_ms": round(percentile(v, 0.99), 1),
            }
            for op, v in latencies.items()
        },
        errors=len(errors),
    )
    assert errors == [], errors[:10]
    assert all(latencies[op] for op in OPS), "every operation ran"
    assert statistics.fmean(every) > 0
