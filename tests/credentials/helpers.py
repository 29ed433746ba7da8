"""Shared helpers for the credentials tests: counting fetchers on a fake clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from ossbox.credentials.clock import FakeClock
from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.snapshot import Credentials


def creds(n: int, expires_at: float | None, provider: str = "test") -> Credentials:
    expiration = None if expires_at is None else datetime.fromtimestamp(expires_at, UTC)
    return Credentials(f"STS.KEY{n:04d}", f"secret-{n}", f"token-{n}", expiration, provider)


class CountingFetch:
    """A fetch returning credentials that live `lifetime` s from the clock's now.

    `gate` (when set) makes each fetch wait until it is opened; `fail` makes it raise.
    """

    def __init__(self, clock: FakeClock, lifetime: float = 3600.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.fail = False
        self.gate: threading.Event | None = None
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self) -> Credentials:
        with self._lock:
            self.calls += 1
            n = self.calls
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "gate never opened"
        if self.fail:
            raise CredentialsFetchError(
                "test", "upstream down", status=503, code="ServiceUnavailable"
            )
        return creds(n, self.clock() + self.lifetime)
