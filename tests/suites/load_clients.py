"""The load suite's clients: threads of oss2 clients in one process (several such processes run
at once, so that 64 clients are not throttled by one interpreter's GIL)."""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field

import oss2

OPS = ("PUT", "GET", "LIST", "DELETE")
WEIGHTS = (35, 35, 15, 15)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPS})
    errors: list[str] = field(default_factory=list)


def _client(bucket: oss2.Bucket, prefix: str, deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    written: dict[str, bytes] = {}
    n = 0
    while time.monotonic() < deadline:
        op = rng.choices(OPS, WEIGHTS)[0] if written else "PUT"
        started = time.perf_counter()
        try:
            if op == "PUT":
                key, data = f"{prefix}/{n}", os.urandom(rng.randint(1, 16) * 1024)
                n += 1
                bucket.put_object(key, data)
                written[key] = data
            elif op == "GET":
                key = rng.choice(list(written))
                if bucket.get_object(key).read() != written[key]:
                    tally.errors.append(f"GET {key}: wrong body")
            elif op == "LIST":
                listed = bucket.list_objects(prefix=prefix + "/", max_keys=20).object_list
                if any(not o.key.startswith(prefix + "/") for o in listed):
                    tally.errors.append(f"LIST {prefix}: foreign keys")
            else:
                key = rng.choice(list(written))
                bucket.delete_object(key)
                del written[key]
        except Exception as exc:  # every failure is a finding: the suite wants zero
            tally.errors.append(f"{op}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        tally.latencies[op].append((time.perf_counter() - started) * 1000)


def run_clients(
    endpoint: str,
    region: str,
    bucket_name: str,
    credentials: tuple[str, str, str],
    prefix: str,
    threads: int,
    seconds: float,
) -> Tally:
    """`threads` clients, each with its own connection pool, for `seconds`."""
    auth = oss2.StsAuth(*credentials)
    tally = Tally()
    start_at = time.monotonic() + 0.5
    deadline = start_at + seconds

    def one(i: int) -> None:
        bucket = oss2.Bucket(auth, endpoint, bucket_name, region=region, session=oss2.Session())
        time.sleep(max(0.0, start_at - time.monotonic()))
        _client(bucket, f"{prefix}-{i}", deadline, tally, seed=hash((prefix, i)))

    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return tally
