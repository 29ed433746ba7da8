"""Single flight under load, a slow upstream, event-loop lag, fork and multiprocessing spawn."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from ossbox.credentials import Credentials, CustomProvider, RamRoleArnProvider
from ossbox.credentials.chain import DefaultCredentialsChain
from ossbox.credentials.clock import FakeClock
from ossbox.credentials.refresh import RefreshableCredentials
from tests.credentials.fakes import FakeServer, FakeSts, serving
from tests.credentials.helpers import CountingFetch, creds

AK, SK = "LTAIconcurrency01", "concurrency-secret"
ROLE = "acs:ram::1234567890123456:role/r"


# A fetch run on the event loop would stall it for the whole upstream delay (0.3 s); the bound
# sits below that with room for a loaded CI machine's scheduling noise.
UPSTREAM_DELAY = 0.3
STALL_BOUND = 0.2


@pytest.fixture
def slow_sts() -> Iterator[FakeServer]:  # answers after UPSTREAM_DELAY
    with serving(FakeSts(secrets={AK: SK}), delay=UPSTREAM_DELAY) as server:
        yield server


def role_provider(server: FakeServer, clock: FakeClock) -> RamRoleArnProvider:
    return RamRoleArnProvider(
        ROLE, access_key_id=AK, access_key_secret=SK, sts_endpoint=server.url, clock=clock
    )


def stampede(provider: RamRoleArnProvider, coroutines: int, threads: int) -> tuple[set[str], float]:
    """Everyone asks at once; returns the key ids they got and the worst event-loop lag."""
    go = threading.Event()
    results: list[Credentials] = []

    def in_thread() -> None:
        go.wait()
        results.append(provider.get_credentials())

    workers = [threading.Thread(target=in_thread) for _ in range(threads)]
    for worker in workers:
        worker.start()

    async def main() -> float:
        start = asyncio.Event()
        lag = 0.0
        stop = False

        async def ticker() -> None:
            nonlocal lag
            while not stop:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                lag = max(lag, time.perf_counter() - before - 0.005)

        async def ask() -> Credentials:
            await start.wait()
            return await provider.get_credentials_async()

        tick = asyncio.ensure_future(ticker())
        tasks = [asyncio.ensure_future(ask()) for _ in range(coroutines)]
        await asyncio.sleep(0.05)
        go.set()
        start.set()
        results.extend(await asyncio.gather(*tasks))
        stop = True
        await tick
        return lag

    lag = asyncio.run(main())
    for worker in workers:
        worker.join(10)
    assert len(results) == coroutines + threads
    return {r.access_key_id for r in results}, lag


def test_1000_coroutines_and_64_threads_cause_one_upstream_call(slow_sts: FakeServer) -> None:
    clock = FakeClock(time.time())
    provider = role_provider(slow_sts, clock)
    first = provider.get_credentials()
    clock.advance(3600 - 120)  # inside the mandatory window: everyone must wait
    keys, lag = stampede(provider, coroutines=1000, threads=64)
    assert len(slow_sts.seen) == 2  # the first fetch, then exactly one refresh
    assert keys == {"STS.NUCe0002"} and first.access_key_id == "STS.NUCe0001"
    assert lag < STALL_BOUND, f"the event loop stalled for {lag * 1000:.0f} ms"


def test_the_first_fetch_is_single_flight_too(slow_sts: FakeServer) -> None:
    keys, lag = stampede(role_provider(slow_sts, FakeClock(time.time())), 300, 16)
    assert len(slow_sts.seen) == 1 and keys == {"STS.NUCe0001"} and lag < STALL_BOUND


def test_a_10_second_upstream_causes_no_stampede() -> None:
    """The upstream "takes 10 s" on the injected clock (and 0.5 s of real time, so callers
    pile up): the official library's 5 s lock timeout would let waiters refresh on their own."""
    clock = FakeClock()
    fetch = CountingFetch(clock)

    def slow() -> Credentials:
        time.sleep(0.5)
        clock.advance(10)
        return fetch()

    engine = RefreshableCredentials(slow, clock=clock)
    engine.get_credentials()
    clock.advance(3600 - 100)  # mandatory window, 100 s left
    with_threads = [threading.Thread(target=engine.get_credentials) for _ in range(64)]

    async def main() -> None:
        await asyncio.gather(*(engine.get_credentials_async() for _ in range(200)))

    for t in with_threads:
        t.start()
    asyncio.run(main())
    for t in with_threads:
        t.join(10)
    assert fetch.calls == 2


def test_a_sync_only_provider_never_blocks_the_loop() -> None:
    def blocking_source() -> Credentials:
        time.sleep(UPSTREAM_DELAY)  # e.g. a secrets-manager SDK call
        return creds(1, time.time() + 3600)

    provider = CustomProvider(blocking_source)

    async def main() -> float:
        lag, done = 0.0, False

        async def ticker() -> None:
            nonlocal lag
            while not done:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                lag = max(lag, time.perf_counter() - before - 0.005)

        tick = asyncio.ensure_future(ticker())
        await asyncio.gather(*(provider.get_credentials_async() for _ in range(100)))
        done = True
        await tick
        return lag

    assert asyncio.run(main()) < STALL_BOUND


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_fresh_refresh_state() -> None:
    parent = os.getpid()
    clock = FakeClock()
    gate = threading.Event()
    calls: list[int] = []

    def fetch() -> Credentials:
        calls.append(os.getpid())
        if os.getpid() == parent:
            gate.wait(10)  # the parent's refresh is in flight while we fork
        return creds(len(calls), clock() + 3600)

    engine = RefreshableCredentials(fetch, clock=clock)
    leader = threading.Thread(target=engine.get_credentials)
    leader.start()
    while not calls:
        time.sleep(0.01)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the parent's in-flight refresh does not exist here
        try:
            got = engine.get_credentials()
            os.write(write, got.access_key_id.encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0):
        time.sleep(0.02)
    else:
        if time.monotonic() >= deadline:
            os.kill(pid, 9)
            pytest.fail("the child hung on the parent's in-flight refresh")
    child_key = os.read(read, 100).decode()
    os.close(read)
    gate.set()
    leader.join(5)
    assert child_key.startswith("STS.KEY") and engine.get_credentials().access_key_id


def _chain_in_child() -> str:
    return DefaultCredentialsChain().get_credentials().provider


def _creds_in_child() -> Credentials:
    return Credentials("LTAIchild", "child-secret")


def test_multiprocessing_spawn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIspawn")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "spawn-secret")
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        assert pool.submit(_chain_in_child).result(60) == "default/env"
        with pytest.raises(TypeError, match="refuse to be pickled"):
            pool.submit(_creds_in_child).result(60)  # secrets never cross a pickle
    with pytest.raises(TypeError):
        pickle.dumps(Credentials("a", "b"))
