"""Credentials given up front: an AccessKey, an STS token, a bearer token."""

from __future__ import annotations

from datetime import datetime

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.providers.base import check_min_ttl
from ossbox.credentials.snapshot import Credentials


class _Fixed:
    """A provider returning one snapshot; `min_ttl` is checked against its expiration."""

    name = "static"

    def __init__(self, creds: Credentials, clock: Clock) -> None:
        self._creds = creds
        self._clock = clock

    @property
    def access_key_id(self) -> str:
        return self._creds.access_key_id

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        return check_min_ttl(self._creds, min_ttl, self._clock())

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return self.get_credentials(min_ttl=min_ttl)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._creds!r})"


def _require(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} must not be empty")
    return value


class StaticAKProvider(_Fixed):
    """A long-term AccessKey pair."""

    name = "static_ak"

    def __init__(self, access_key_id: str, access_key_secret: str, *, clock: Clock = system_clock):
        creds = Credentials(
            _require(access_key_id, "access_key_id"),
            _require(access_key_secret, "access_key_secret"),
            provider=self.name,
        )
        super().__init__(creds, clock)


class StaticSTSProvider(_Fixed):
    """An STS token obtained elsewhere; it cannot be refreshed, so `min_ttl` may refuse it."""

    name = "static_sts"

    def __init__(
        self,
        access_key_id: str,
        access_key_secret: str,
        security_token: str,
        *,
        expiration: datetime | None = None,
        clock: Clock = system_clock,
    ) -> None:
        creds = Credentials(
            _require(access_key_id, "access_key_id"),
            _require(access_key_secret, "access_key_secret"),
            _require(security_token, "security_token"),
            expiration,
            self.name,
        )
        super().__init__(creds, clock)


class BearerTokenProvider(_Fixed):
    """A bearer token (Cloud Call Center); `Credentials.bearer_token` carries it, the key
    fields are empty. OSS does not accept bearer tokens: the OSS adapters refuse them."""

    name = "bearer"

    def __init__(
        self, bearer_token: str, *, expiration: datetime | None = None, clock: Clock = system_clock
    ) -> None:
        token = _require(bearer_token, "bearer_token")
        creds = Credentials("", "", None, expiration, self.name, bearer_token=token)
        super().__init__(creds, clock)
