"""Time as the credentials code sees it: a clock is a callable returning epoch seconds (UTC).

Tests inject a `FakeClock`; everything else calls `time.time` through `system_clock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


def system_clock() -> float:
    return time.time()


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def parse_expiration(text: str) -> datetime:
    """An upstream's `Expiration` (`2026-11-25T05:13:21Z`, offsets and fractions tolerated).

    A value without a zone is read as UTC, which is what every Alibaba Cloud service means.
    Raises ValueError on anything else.
    """
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class FakeClock:
    """A settable clock for tests and benchmarks: `clock()` is `clock.now`; `advance(s)`."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
