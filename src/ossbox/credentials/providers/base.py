"""What every provider is, and the base that gives a fetch function the refresh engine."""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsExpiringError
from ossbox.credentials.files import FileCache, cache_key
from ossbox.credentials.http import Exchange, HttpOptions, run_async, run_sync
from ossbox.credentials.refresh import (
    DEFAULT_ADVISORY,
    DEFAULT_MANDATORY,
    DEFAULT_RETRY_GAP,
    RefreshableCredentials,
)
from ossbox.credentials.snapshot import Credentials


@runtime_checkable
class CredentialsProvider(Protocol):
    """Anything that hands out `Credentials`, sync and async.

    `name` is the provider's short name ("env", "ram_role_arn", ...), the last element of the
    `Credentials.provider` path of what it returns.
    """

    @property
    def name(self) -> str: ...

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials: ...

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials: ...


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """The engine's windows, in seconds (see ossbox.credentials.refresh)."""

    advisory: float = DEFAULT_ADVISORY
    mandatory: float = DEFAULT_MANDATORY
    retry_gap: float = DEFAULT_RETRY_GAP


def check_min_ttl(creds: Credentials, min_ttl: float, now: float) -> Credentials:
    """For providers that cannot refresh: refuse credentials that expire too soon."""
    if min_ttl > 0 and creds.ttl(now) < min_ttl:
        raise CredentialsExpiringError(
            f"{creds.provider}: credentials are valid {creds.ttl(now):.0f} s, "
            f"less than the {min_ttl:.0f} s asked for, and this provider cannot refresh them"
        )
    return creds


class RefreshingProvider(ABC):
    """A provider whose credentials come from `_fetch()` and are kept by the refresh engine.

    Subclasses implement `_fetch` (sync) and may override `_fetch_async`; without it the sync
    fetch runs in a worker thread for async callers.
    """

    name = "refreshing"

    def __init__(
        self,
        *,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
        cache: FileCache | None = None,
    ) -> None:
        policy = refresh or RefreshPolicy()
        self._clock = clock
        self._cache = cache
        self._cache_min_ttl = max(2 * policy.mandatory, 60.0)
        identity = self._cache_identity()
        if cache is not None and identity is None:
            raise ValueError(f"{self.name} credentials cannot be cached")
        self._cache_key = None if identity is None else cache_key(identity)
        self._engine = RefreshableCredentials(
            self._fetch_cached,
            fetch_async=self._fetch_async_cached if self._has_async_fetch() else None,
            advisory=policy.advisory,
            mandatory=policy.mandatory,
            retry_gap=policy.retry_gap,
            clock=clock,
            name=self.name,
            advise=self._advise_refresh_at,
        )

    def _advise_refresh_at(self, creds: Credentials, now: float) -> float:
        """Epoch seconds from which to refresh even if `creds` are far from expiring."""
        return math.inf

    @abstractmethod
    def _fetch(self) -> Credentials: ...

    async def _fetch_async(self) -> Credentials:
        raise NotImplementedError

    def _has_async_fetch(self) -> bool:
        return type(self)._fetch_async is not RefreshingProvider._fetch_async

    # -- the optional FileCache (see ossbox.credentials.files) ---------------------------------

    def _cache_identity(self) -> dict[str, Any] | None:
        """The configuration that determines the credentials (no secrets); None: not cacheable."""
        return None

    def _cache_hit(self) -> Credentials | None:
        if self._cache is None or self._cache_key is None:
            return None
        cached = self._cache.load(self._cache_key)
        if cached is None or cached.ttl(self._clock()) < self._cache_min_ttl:
            return None
        return cached

    def _cache_store(self, creds: Credentials) -> None:
        if self._cache is not None and self._cache_key is not None:
            self._cache.store(self._cache_key, creds)

    def _fetch_cached(self) -> Credentials:
        creds = self._cache_hit()
        if creds is None:
            creds = self._fetch()
            self._cache_store(creds)
        return creds

    async def _fetch_async_cached(self) -> Credentials:
        if self._cache is None:
            return await self._fetch_async()
        creds = await asyncio.to_thread(self._cache_hit)  # file I/O off the loop
        if creds is None:
            creds = await self._fetch_async()
            await asyncio.to_thread(self._cache_store, creds)
        return creds

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        return self._engine.get_credentials(min_ttl=min_ttl)

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return await self._engine.get_credentials_async(min_ttl=min_ttl)

    def invalidate(self) -> None:
        """Forget the cached credentials; the next call fetches new ones."""
        self._engine.invalidate()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class HttpProvider(RefreshingProvider):
    """A refreshing provider whose fetch is one HTTP exchange (see ossbox.credentials.http)."""

    def __init__(
        self,
        *,
        http: HttpOptions | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
        cache: FileCache | None = None,
    ) -> None:
        self._http = http or HttpOptions()
        super().__init__(clock=clock, refresh=refresh, cache=cache)

    @abstractmethod
    def _exchange(self) -> Exchange[Credentials]: ...

    def _fetch(self) -> Credentials:
        return run_sync(self._exchange(), self._http)

    async def _fetch_async(self) -> Credentials:
        return await run_async(self._exchange(), self._http)


class Prefixed:
    """`inner`'s credentials with `prefix/` in front of their provider path (e.g. the chain's
    "default/env"); the re-labelled snapshot is cached while `inner` returns the same one."""

    def __init__(self, inner: CredentialsProvider, prefix: str) -> None:
        self.inner = inner
        self.prefix = prefix
        self._last: tuple[Credentials, Credentials] | None = None

    @property
    def name(self) -> str:
        return f"{self.prefix}/{self.inner.name}"

    def _label(self, creds: Credentials) -> Credentials:
        last = self._last
        if last is not None and last[0] is creds:
            return last[1]
        labelled = creds.with_provider(f"{self.prefix}/{creds.provider}")
        self._last = (creds, labelled)
        return labelled

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        return self._label(self.inner.get_credentials(min_ttl=min_ttl))

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return self._label(await self.inner.get_credentials_async(min_ttl=min_ttl))

    def __repr__(self) -> str:
        return f"Prefixed({self.inner!r}, {self.prefix!r})"
