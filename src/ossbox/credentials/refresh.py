"""The refresh engine: one cached `Credentials` snapshot, refreshed single-flight.

Windows (botocore's design), measured back from the snapshot's expiration:
- before the advisory window the cached value is returned without any lock;
- inside the advisory window one caller refreshes while every other caller keeps the cached
  value; a failure is logged and absorbed;
- inside the mandatory window every caller waits for the one in-flight refresh;
- a failed refresh is absorbed while the cached value is still valid (callers keep it, and no
  new attempt starts for `retry_gap` seconds); past expiry the error is raised.

Both windows shrink with short lifetimes (advisory at most half of it, mandatory a quarter), so
a 900 s STS session is not refreshed on every call.

One in-flight state serves threads and asyncio alike: a thread waits on a `threading.Event`, a
coroutine awaits a future of its own loop (settled with `call_soon_threadsafe`), and nothing
holds a lock across I/O, so there are no lock timeouts that could turn into a stampede. The
async path never blocks its loop: the provider's async fetch runs as a task, or its sync fetch
in a worker thread. After `os.fork()` the child gets fresh locks and no in-flight refresh (the
hook is registered on first use, never at import).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import threading
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsExpiringError, CredentialsFetchError
from ossbox.credentials.snapshot import Credentials

Fetch = Callable[[], Credentials]
AsyncFetch = Callable[[], Awaitable[Credentials]]
# (fresh credentials, now) -> epoch seconds from which a refresh is advised anyway: credentials
# that do not expire but change upstream (a rotated AccessKey) are polled this way.
Advise = Callable[[Credentials, float], float]

DEFAULT_ADVISORY = 15 * 60.0
DEFAULT_MANDATORY = 5 * 60.0
DEFAULT_RETRY_GAP = 10.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _State:
    creds: Credentials
    advisory_at: float  # epoch seconds from which one caller refreshes
    mandatory_at: float  # epoch seconds from which every caller waits for a refresh
    expires_at: float


class _Flight:
    """One refresh in progress, shared by every caller that waits for it."""

    __slots__ = ("done", "error", "loop", "result", "task", "waiters")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Credentials | None = None
        self.error: Exception | None = None
        self.waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.loop: asyncio.AbstractEventLoop | None = None  # set when a task drives it
        self.task: asyncio.Task[None] | None = None


class RefreshableCredentials:
    """Cached credentials from `fetch`, refreshed as described in the module docstring.

    `fetch` is called from whichever thread leads a refresh; `fetch_async`, when given, is
    awaited by coroutines (otherwise `fetch` runs in a worker thread for them). Nothing is
    fetched, started or registered before the first `get_credentials*()` call.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        fetch_async: AsyncFetch | None = None,
        advisory: float = DEFAULT_ADVISORY,
        mandatory: float = DEFAULT_MANDATORY,
        retry_gap: float = DEFAULT_RETRY_GAP,
        clock: Clock = system_clock,
        name: str = "refreshable",
        advise: Advise | None = None,
    ) -> None:
        if not 0 <= mandatory <= advisory:
            raise ValueError("windows must satisfy 0 <= mandatory <= advisory")
        self.name = name
        self._fetch = fetch
        self._fetch_async = fetch_async
        self._advisory = advisory
        self._mandatory = mandatory
        self._retry_gap = retry_gap
        self._clock = clock
        self._advise = advise
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._flight: _Flight | None = None
        self._failed_at = -math.inf
        self._fork_safe = False

    # -- public API -----------------------------------------------------------------------------

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        """The cached credentials, refreshed first when needed.

        `min_ttl` asks for credentials valid at least that many more seconds (e.g. the lifetime
        of a URL about to be signed): a refresh is forced when the cached ones would expire
        sooner, and CredentialsExpiringError is raised when even fresh ones would.
        """
        state, now = self._state, self._clock()
        if state is not None and now < state.advisory_at and state.expires_at - now >= min_ttl:
            return state.creds
        return self._get_slow(now, min_ttl)

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        """As `get_credentials`, awaiting the refresh instead of blocking the event loop."""
        state, now = self._state, self._clock()
        if state is not None and now < state.advisory_at and state.expires_at - now >= min_ttl:
            return state.creds
        return await self._get_slow_async(now, min_ttl)

    @property
    def cached(self) -> Credentials | None:
        """The cached snapshot, whatever its age; never fetches."""
        state = self._state
        return None if state is None else state.creds

    def invalidate(self) -> None:
        """Drop the cached value (e.g. after the server said InvalidAccessKeyId)."""
        with self._lock:
            self._state = None
            self._failed_at = -math.inf

    # -- planning (under the lock, never across I/O) -----------------------------------------

    def _plan(
        self, now: float, min_ttl: float, loop: asyncio.AbstractEventLoop | None
    ) -> Credentials | tuple[_Flight, bool, asyncio.Future[None] | None]:
        """Return the value to use, or (flight, am-I-the-leader, future-to-await)."""
        with self._lock:
            state = self._state
            usable = state is not None and state.expires_at - now >= max(min_ttl, 1e-9)
            if usable and state is not None:
                if now < state.advisory_at:
                    return state.creds
                if self._flight is not None and now < state.mandatory_at:
                    return state.creds  # advisory: someone else is already refreshing
                if self._flight is None and now - self._failed_at < self._retry_gap:
                    return state.creds  # a refresh just failed; keep the valid value a while
            leader = self._flight is None
            if leader:
                self._flight = _Flight()
                self._flight.loop = loop
            flight = self._flight
            assert flight is not None
            future = None
            if loop is not None:
                future = loop.create_future()
                flight.waiters.append((loop, future))
            return flight, leader, future

    def _make_state(self, creds: Credentials, now: float) -> _State:
        expires_at = creds.expires_at
        lifetime = expires_at - now
        advisory = min(self._advisory, lifetime / 2)
        mandatory = min(self._mandatory, lifetime / 4)
        advisory_at = expires_at - advisory
        if self._advise is not None:
            advisory_at = min(advisory_at, self._advise(creds, now))
        return _State(creds, advisory_at, expires_at - mandatory, expires_at)

    # -- completing a refresh -------------------------------------------------------------------

    def _finish(
        self, flight: _Flight, creds: Credentials | None, exc: BaseException | None
    ) -> None:
        now = self._clock()
        if exc is None and creds is not None and creds.expires_at <= now:
            exc = CredentialsFetchError(self.name, "the upstream returned expired credentials")
        with self._lock:
            if exc is None and creds is not None:
                self._state = self._make_state(creds, now)
                self._failed_at = -math.inf
                flight.result = creds
            else:
                self._failed_at = now
                flight.error = (
                    exc
                    if isinstance(exc, Exception)
                    else CredentialsFetchError(self.name, "the refresh was interrupted")
                )
            if self._flight is flight:
                self._flight = None
            waiters, flight.waiters = flight.waiters, []
            flight.done.set()
        for loop, future in waiters:
            # A closed loop raises RuntimeError: nobody is waiting there any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future)

    def _outcome(self, flight: _Flight, min_ttl: float, *, leader: bool) -> Credentials:
        now = self._clock()
        if flight.error is None:
            creds = flight.result
            assert creds is not None
            if creds.ttl(now) < min_ttl:
                raise CredentialsExpiringError(
                    f"{self.name}: fresh credentials are valid {creds.ttl(now):.0f} s, "
                    f"less than the {min_ttl:.0f} s asked for"
                )
            return creds
        state = self._state
        if state is not None and state.expires_at - now >= max(min_ttl, 1e-9):
            if leader:
                _log.warning(
                    "%s: refresh failed, keeping credentials valid for %.0f s more: %s",
                    self.name,
                    state.expires_at - now,
                    flight.error,
                )
            return state.creds
        raise flight.error

    # -- the slow paths -----------------------------------------------------------------------

    def _get_slow(self, now: float, min_ttl: float) -> Credentials:
        self._register_for_fork()
        plan = self._plan(now, min_ttl, None)
        if isinstance(plan, Credentials):
            return plan
        flight, leader, _ = plan
        if not leader and not flight.done.is_set():
            if flight.loop is not None and flight.loop is _running_loop():
                # A task of this very thread's loop drives the refresh: waiting would deadlock,
                # so this (sync call inside async code) refreshes on its own.
                flight, leader = _Flight(), True
            else:
                flight.done.wait()
        if leader:
            self._drive_sync(flight)
        return self._outcome(flight, min_ttl, leader=leader)

    async def _get_slow_async(self, now: float, min_ttl: float) -> Credentials:
        self._register_for_fork()
        loop = asyncio.get_running_loop()
        plan = self._plan(now, min_ttl, loop)
        if isinstance(plan, Credentials):
            return plan
        flight, leader, future = plan
        assert future is not None
        if leader:
            flight.task = loop.create_task(self._drive_async(flight))
        await future
        return self._outcome(flight, min_ttl, leader=leader)

    def _drive_sync(self, flight: _Flight) -> None:
        try:
            creds = self._fetch()
        except BaseException as exc:
            self._finish(flight, None, exc)
            if not isinstance(exc, Exception):
                raise
        else:
            self._finish(flight, creds, None)

    async def _drive_async(self, flight: _Flight) -> None:
        try:
            if self._fetch_async is not None:
                creds = await self._fetch_async()
            else:
                creds = await asyncio.to_thread(self._fetch)
        except BaseException as exc:
            self._finish(flight, None, exc)
            if not isinstance(exc, Exception):
                raise
        else:
            self._finish(flight, creds, None)

    # -- fork safety ----------------------------------------------------------------------------

    def _register_for_fork(self) -> None:
        if not self._fork_safe:
            _track(self)
            self._fork_safe = True

    def _reset_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._flight = None


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


# Engines in use, reset in a forked child. The fork hook is registered on first use only.
_engines: weakref.WeakSet[RefreshableCredentials] = weakref.WeakSet()
_registry_lock = threading.Lock()
_fork_hook_registered = False


def _track(engine: RefreshableCredentials) -> None:
    global _fork_hook_registered
    with _registry_lock:
        _engines.add(engine)
        if not _fork_hook_registered:
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_registered = True


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for engine in list(_engines):
        engine._reset_after_fork()
