"""The refresh engine on a fake clock: windows, single flight, failures, min_ttl, asyncio."""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ossbox.credentials.clock import FakeClock
from ossbox.credentials.errors import CredentialsExpiringError, CredentialsFetchError
from ossbox.credentials.refresh import RefreshableCredentials
from ossbox.credentials.snapshot import Credentials
from tests.credentials.helpers import CountingFetch, creds

HOUR = 3600.0


def engine(fetch: CountingFetch, **kw: float) -> RefreshableCredentials:
    return RefreshableCredentials(fetch, clock=fetch.clock, name="test", **kw)


def test_first_call_fetches_then_the_value_is_cached() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    assert e.cached is None and fetch.calls == 0  # nothing happens at construction
    first = e.get_credentials()
    assert e.get_credentials() is first and fetch.calls == 1
    fetch.clock.advance(HOUR - 15 * 60 - 1)  # just before the advisory window
    assert e.get_credentials() is first and fetch.calls == 1


def test_advisory_window_one_caller_refreshes_others_keep_the_value() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    old = e.get_credentials()
    fetch.clock.advance(HOUR - 10 * 60)  # advisory (15 min) but not mandatory (5 min)
    fetch.gate, fetch.entered = threading.Event(), threading.Event()
    with ThreadPoolExecutor(1) as pool:
        refreshing = pool.submit(e.get_credentials)
        assert fetch.entered.wait(5)
        for _ in range(20):  # every other caller gets the valid value at once
            assert e.get_credentials() is old
        fetch.gate.set()
        new = refreshing.result(5)
    assert new is not old and fetch.calls == 2 and e.get_credentials() is new


def test_mandatory_window_every_caller_waits_for_one_refresh() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    old = e.get_credentials()
    fetch.clock.advance(HOUR - 60)  # inside the 5 min mandatory window
    fetch.gate, fetch.entered = threading.Event(), threading.Event()
    with ThreadPoolExecutor(16) as pool:
        results = [pool.submit(e.get_credentials) for _ in range(16)]
        assert fetch.entered.wait(5)
        assert not any(r.done() for r in results)  # all are waiting
        fetch.gate.set()
        got = {r.result(5) for r in results}
    assert len(got) == 1 and old not in got and fetch.calls == 2


def test_failures_are_absorbed_while_valid_and_raised_after_expiry(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch, retry_gap=10)
    old = e.get_credentials()
    fetch.fail = True
    fetch.clock.advance(HOUR - 10 * 60)  # advisory
    with caplog.at_level(logging.WARNING):
        assert e.get_credentials() is old
    assert "refresh failed" in caplog.text and "secret-1" not in caplog.text
    assert fetch.calls == 2
    assert e.get_credentials() is old and fetch.calls == 2  # no retry within the gap
    fetch.clock.advance(11)
    assert e.get_credentials() is old and fetch.calls == 3  # one retry after the gap
    fetch.clock.advance(10 * 60 - 60)  # mandatory, still valid: still absorbed
    assert e.get_credentials() is old
    fetch.clock.advance(61)  # expired
    with pytest.raises(CredentialsFetchError, match="upstream down"):
        e.get_credentials()
    fetch.fail = False
    assert e.get_credentials().access_key_id != old.access_key_id


def test_an_upstream_that_returns_expired_credentials_is_an_error() -> None:
    clock = FakeClock()
    e = RefreshableCredentials(lambda: creds(1, clock() - 1), clock=clock, name="stale")
    with pytest.raises(CredentialsFetchError, match="expired credentials"):
        e.get_credentials()


def test_short_sessions_shrink_the_windows() -> None:
    fetch = CountingFetch(FakeClock(), lifetime=900)  # the STS minimum
    e = engine(fetch)
    e.get_credentials()
    fetch.clock.advance(440)  # advisory at most half the lifetime: 450 s before expiry
    e.get_credentials()
    assert fetch.calls == 1
    fetch.clock.advance(20)
    e.get_credentials()
    assert fetch.calls == 2


def test_credentials_without_expiration_are_never_refreshed() -> None:
    clock = FakeClock()
    calls = []
    e = RefreshableCredentials(lambda: calls.append(1) or creds(1, None), clock=clock)
    e.get_credentials()
    clock.advance(10**9)
    e.get_credentials(min_ttl=10**6)
    assert len(calls) == 1


def test_min_ttl_forces_a_refresh_or_refuses() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    e.get_credentials()
    fetch.clock.advance(HOUR / 2)  # 30 min left, outside every window
    assert e.get_credentials(min_ttl=20 * 60).access_key_id.endswith("0001")
    fresh = e.get_credentials(min_ttl=45 * 60)
    assert fresh.access_key_id.endswith("0002") and fetch.calls == 2
    with pytest.raises(CredentialsExpiringError, match="less than the 7200 s"):
        e.get_credentials(min_ttl=2 * HOUR)


def test_invalidate_drops_the_cached_value() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    e.get_credentials()
    e.invalidate()
    assert e.cached is None
    assert e.get_credentials().access_key_id.endswith("0002")


def test_windows_are_validated() -> None:
    with pytest.raises(ValueError):
        RefreshableCredentials(lambda: creds(1, None), advisory=60, mandatory=120)


# -- asyncio -------------------------------------------------------------------------------------


def test_async_callers_share_one_refresh_with_threads() -> None:
    fetch = CountingFetch(FakeClock())
    e = engine(fetch)
    fetch.gate = threading.Event()

    async def main() -> set[Credentials]:
        tasks = [asyncio.ensure_future(e.get_credentials_async()) for _ in range(50)]
        await asyncio.sleep(0.01)
        with ThreadPoolExecutor(4) as pool:
            threads = [pool.submit(e.get_credentials) for _ in range(4)]
            await asyncio.sleep(0.05)
            assert not any(t.done() for t in tasks) and not any(t.done() for t in threads)
            fetch.gate.set()  # type: ignore[union-attr]
            got = set(await asyncio.gather(*tasks))
            got |= {t.result(5) for t in threads}
        return got

    got = asyncio.run(main())
    assert len(got) == 1 and fetch.calls == 1


def test_async_path_runs_a_sync_fetch_in_a_worker_thread() -> None:
    seen: list[str] = []
    clock = FakeClock()

    def fetch() -> Credentials:
        seen.append(threading.current_thread().name)
        return creds(1, clock() + HOUR)

    e = RefreshableCredentials(fetch, clock=clock)
    asyncio.run(e.get_credentials_async())
    assert seen and seen[0] != threading.main_thread().name


def test_async_fetch_is_awaited_on_the_loop() -> None:
    clock = FakeClock()
    sync_calls: list[int] = []

    async def fetch_async() -> Credentials:
        await asyncio.sleep(0)
        return creds(7, clock() + HOUR)

    e = RefreshableCredentials(
        lambda: sync_calls.append(1) or creds(1, None), fetch_async=fetch_async, clock=clock
    )
    assert asyncio.run(e.get_credentials_async()).access_key_id.endswith("0007")
    assert not sync_calls


def test_async_errors_reach_every_waiter_after_expiry() -> None:
    fetch = CountingFetch(FakeClock())
    fetch.fail = True
    e = engine(fetch)

    async def main() -> list[BaseException | Credentials]:
        return await asyncio.gather(
            *(e.get_credentials_async() for _ in range(10)), return_exceptions=True
        )

    results = asyncio.run(main())
    assert all(isinstance(r, CredentialsFetchError) for r in results) and fetch.calls == 1


def test_a_cancelled_leader_does_not_strand_the_other_waiters() -> None:
    clock = FakeClock()
    release = asyncio.Event

    async def main() -> Credentials:
        gate = release()

        async def fetch_async() -> Credentials:
            await gate.wait()
            return creds(1, clock() + HOUR)

        e = RefreshableCredentials(lambda: creds(0, None), fetch_async=fetch_async, clock=clock)
        leader = asyncio.ensure_future(e.get_credentials_async())
        await asyncio.sleep(0)
        follower = asyncio.ensure_future(e.get_credentials_async())
        await asyncio.sleep(0)
        leader.cancel()
        await asyncio.sleep(0)
        gate.set()
        return await asyncio.wait_for(follower, 5)

    assert asyncio.run(main()).access_key_id.endswith("0001")


def test_a_sync_call_inside_the_loop_does_not_deadlock_on_an_async_refresh() -> None:
    clock = FakeClock()
    sync_calls: list[int] = []

    async def main() -> Credentials:
        gate = asyncio.Event()

        async def fetch_async() -> Credentials:
            await gate.wait()
            return creds(1, clock() + HOUR)

        def fetch() -> Credentials:
            sync_calls.append(1)
            return creds(2, clock() + HOUR)

        e = RefreshableCredentials(fetch, fetch_async=fetch_async, clock=clock)
        pending = asyncio.ensure_future(e.get_credentials_async())
        await asyncio.sleep(0)
        got = e.get_credentials()  # e.g. oss-v2's async client calling get_credentials()
        gate.set()
        await pending
        return got

    assert asyncio.run(main()).access_key_id.endswith("0002") and sync_calls == [1]


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    lifetime=st.floats(min_value=60, max_value=12 * HOUR),
    steps=st.lists(st.floats(min_value=0, max_value=2 * HOUR), min_size=1, max_size=30),
)
def test_property_never_returns_expired_and_never_refreshes_early(
    lifetime: float, steps: list[float]
) -> None:
    fetch = CountingFetch(FakeClock(), lifetime=lifetime)
    e = engine(fetch)
    for step in steps:
        fetch.clock.advance(step)
        before = e.cached
        got = e.get_credentials()
        now = fetch.clock()
        assert got.ttl(now) > 0
        if before is not None and before.ttl(now) > min(15 * 60, lifetime / 2):
            assert got is before  # outside the advisory window: no refresh
