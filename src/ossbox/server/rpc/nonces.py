"""Replay protection: a SignatureNonce is accepted once while its request could still be valid."""

from __future__ import annotations

import time
from collections import OrderedDict


class NonceCache:
    """Nonces seen in the last `ttl` seconds (the timestamp window), oldest evicted first."""

    def __init__(self, ttl: float = 1800.0, max_entries: int = 1_000_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_use(self, access_key_id: str, nonce: str, now: float | None = None) -> bool:
        """True the first time (key, nonce) is seen; False for a replay."""
        now = time.monotonic() if now is None else now
        while self._seen and (
            next(iter(self._seen.values())) < now or len(self._seen) >= self._max
        ):
            self._seen.popitem(last=False)
        marker = f"{access_key_id}\n{nonce}"
        if marker in self._seen:
            return False
        self._seen[marker] = now + self._ttl
        return True
