"""ossbox.credentials vs alibabacloud-credentials 1.0.12, in one run, on one in-process fake STS.

    .venv/bin/python benchmarks/credentials.py [--calls 200000] [--rounds 3] [--threads 64]
                                               [--slow 6.0] [--coroutines 1000]

Both sides use their RAM-role-ARN provider (AssumeRole over HTTP, POP-signed) pointed at the
same fake STS (`sts_endpoint='http://127.0.0.1:PORT'`), which counts AssumeRole calls.

1. Cached `get_credentials()` latency (sync, and async with `get_credentials_async()`), after
   a first fetch; best of `--rounds`, alternating contenders.
2. Upstream calls when `--threads` threads ask at once for credentials that must be fetched,
   with the STS answering in 0.2 s and in `--slow` seconds (longer than the official library's
   5 s lock timeout, after which its waiters refresh on their own).
3. The same with coroutines (`--coroutines` for ossbox; the official async path takes a
   threading lock inside the event loop, so it is run with a handful only) and the longest
   event-loop stall, measured by a 5 ms ticker task.
4. STS calls for 1,000 sequential calls with 900 s sessions: the official library treats
   anything within 15 min of expiry as stale, so every call refreshes; ossbox shrinks its
   windows to the session's lifetime.

Absolute times drift on shared machines; the ratios are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from alibabacloud_credentials.provider import RamRoleArnCredentialsProvider

from ossbox.credentials import RamRoleArnProvider

AK, SK = "LTAIbenchmarkKey01", "benchmark-secret"
ROLE = "acs:ram::1234567890123456:role/bench"


class FakeSts:
    """AssumeRole answers (no signature check: both sides sign, neither is judged here)."""

    def __init__(self) -> None:
        self.calls = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                with fake._lock:
                    fake.calls += 1
                    n = fake.calls
                time.sleep(fake.delay)
                lifetime = int(query.get("DurationSeconds", ["3600"])[0])
                expiration = datetime.fromtimestamp(time.time() + lifetime, UTC)
                body = json.dumps(
                    {
                        "RequestId": f"R{n}",
                        "AssumedRoleUser": {"Arn": f"{ROLE}/{query['RoleSessionName'][0]}"},
                        "Credentials": {
                            "AccessKeyId": f"STS.bench{n}",
                            "AccessKeySecret": f"secret{n}",
                            "SecurityToken": f"token{n}",
                            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        },
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()


@dataclass
class Contender:
    name: str
    make: Callable[[], Any]  # a fresh provider with an empty cache


def contenders(sts: FakeSts, duration: int = 3600) -> list[Contender]:
    return [
        Contender(
            "ossbox",
            lambda: RamRoleArnProvider(
                ROLE,
                access_key_id=AK,
                access_key_secret=SK,
                sts_endpoint=sts.url,
                duration_seconds=duration,
            ),
        ),
        Contender(
            "alibabacloud-credentials",
            lambda: RamRoleArnCredentialsProvider(
                access_key_id=AK,
                access_key_secret=SK,
                role_arn=ROLE,
                sts_endpoint=sts.url,
                duration_seconds=duration,
            ),
        ),
    ]


# -- 1. cached latency ---------------------------------------------------------------------------


def cached_sync(provider: Any, calls: int) -> float:
    provider.get_credentials()
    get = provider.get_credentials
    start = time.perf_counter()
    for _ in range(calls):
        get()
    return (time.perf_counter() - start) / calls * 1e9


def cached_async(provider: Any, calls: int) -> float:
    async def run() -> float:
        await provider.get_credentials_async()
        get = provider.get_credentials_async
        start = time.perf_counter()
        for _ in range(calls):
            await get()
        return (time.perf_counter() - start) / calls * 1e9

    return asyncio.run(run())


def best_of(
    rounds: int, sts: FakeSts, measure: Callable[[Any, int], float], calls: int
) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(rounds):
        for c in contenders(sts):
            value = measure(c.make(), calls)
            best[c.name] = min(best.get(c.name, float("inf")), value)
    return best


# -- 2 and 3. concurrent fetches -----------------------------------------------------------------


def threads_at_once(sts: FakeSts, provider: Any, threads: int) -> tuple[int, float]:
    before, go = sts.calls, threading.Event()
    errors: list[BaseException] = []

    def ask() -> None:
        go.wait()
        try:
            provider.get_credentials()
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for w in workers:
        w.start()
    start = time.perf_counter()
    go.set()
    for w in workers:
        w.join()
    if errors:
        print(f"    ({len(errors)} callers failed: {type(errors[0]).__name__})")
    return sts.calls - before, time.perf_counter() - start


def coroutines_at_once(sts: FakeSts, provider: Any, coroutines: int) -> tuple[int, float, float]:
    before = sts.calls

    async def run() -> tuple[float, float]:
        stall, done = 0.0, False

        async def ticker() -> None:
            nonlocal stall
            while not done:
                t = time.perf_counter()
                await asyncio.sleep(0.005)
                stall = max(stall, time.perf_counter() - t - 0.005)

        tick = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.02)
        start = time.perf_counter()
        asks: list[Awaitable[Any]] = [provider.get_credentials_async() for _ in range(coroutines)]
        await asyncio.gather(*asks, return_exceptions=True)
        wall = time.perf_counter() - start
        done = True
        await tick
        return wall, stall

    wall, stall = asyncio.run(run())
    return sts.calls - before, wall, stall


def ratio(theirs: float, ours: float) -> str:
    return f"{theirs / ours:.1f}x" if ours else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--coroutines", type=int, default=1000)
    parser.add_argument("--official-coroutines", type=int, default=4)
    parser.add_argument("--slow", type=float, default=6.0)
    args = parser.parse_args()
    # The official library logs its timeouts with tracebacks through its own handler.
    logging.getLogger("credentials").setLevel(logging.CRITICAL)
    sts = FakeSts()
    ours, theirs = "ossbox", "alibabacloud-credentials"

    print("1. cached get_credentials() latency (ns per call, best of rounds)")
    for label, measure, calls in (
        ("sync ", cached_sync, args.calls),
        ("async", cached_async, args.calls // 4),
    ):
        best = best_of(args.rounds, sts, measure, calls)
        print(
            f"   {label}  ossbox {best[ours]:8.0f}   official {best[theirs]:8.0f}"
            f"   official/ossbox {ratio(best[theirs], best[ours])}"
        )

    print(f"\n2. {args.threads} threads ask at once, nothing cached: STS calls, wall time")
    for delay in (0.2, args.slow):
        sts.delay = delay
        row = {c.name: threads_at_once(sts, c.make(), args.threads) for c in contenders(sts)}
        print(
            f"   STS {delay:4.1f} s   ossbox {row[ours][0]:3d} calls {row[ours][1]:5.1f} s"
            f"   official {row[theirs][0]:3d} calls {row[theirs][1]:5.1f} s"
            f"   calls official/ossbox {ratio(row[theirs][0], row[ours][0])}"
        )

    print("\n3. coroutines ask at once, nothing cached: STS calls, wall time, longest loop stall")
    sts.delay = 0.2
    counts = {ours: args.coroutines, theirs: args.official_coroutines}
    row3 = {c.name: coroutines_at_once(sts, c.make(), counts[c.name]) for c in contenders(sts)}
    for name in (ours, theirs):
        calls, wall, stall = row3[name]
        print(
            f"   {name:25} {counts[name]:5d} coroutines: {calls:3d} STS calls,"
            f" {wall:5.2f} s, loop stalled {stall * 1000:6.0f} ms"
        )
    print(f"   stall official/ossbox {ratio(row3[theirs][2], row3[ours][2])}")

    print("\n4. 1,000 sequential get_credentials() with 900 s sessions (the STS minimum)")
    sts.delay = 0.0
    row4 = {}
    for c in contenders(sts, duration=900):
        provider, before = c.make(), sts.calls
        for _ in range(1000):
            provider.get_credentials()
        row4[c.name] = sts.calls - before
    print(
        f"   STS calls: ossbox {row4[ours]}   official {row4[theirs]}"
        f"   official/ossbox {ratio(row4[theirs], row4[ours])}"
    )
    sts.httpd.shutdown()


if __name__ == "__main__":
    main()
