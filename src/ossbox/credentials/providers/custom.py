"""Custom credentials: a callable or an object, sync or async, returning credentials in any of
the shapes Python code meets (ossbox, oss2, alibabacloud-oss-v2, alibabacloud-credentials, a
dict). Results with an expiration are refreshed by the engine; results without one are kept.

Auto-rotated AccessKeys (a secrets-manager secret polled with jitter) are another issue's; they
plug in here: a callable that reads the secret, plus `invalidate()` when OSS answers
InvalidAccessKeyId.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsError, CredentialsFetchError
from ossbox.credentials.providers.base import RefreshingProvider, RefreshPolicy
from ossbox.credentials.snapshot import Credentials
from ossbox.credentials.wire import credentials_from_fields


def coerce_credentials(value: Any, provider: str) -> Credentials:
    """Read credentials from the usual shapes; the provider path becomes `provider`."""
    if isinstance(value, Credentials):
        return value.with_provider(provider)
    if isinstance(value, Mapping):
        return _from_mapping(value, provider)
    if hasattr(value, "get_access_key_id"):
        expiration = value.get_expiration() if hasattr(value, "get_expiration") else None
        return _build(
            value.get_access_key_id(),
            value.get_access_key_secret(),
            value.get_security_token(),
            expiration,
            provider,
        )
    if hasattr(value, "access_key_id"):
        return _build(
            value.access_key_id,
            value.access_key_secret,
            getattr(value, "security_token", None),
            getattr(value, "expiration", None),
            provider,
        )
    raise CredentialsFetchError(provider, f"cannot read credentials from a {type(value).__name__}")


def _from_mapping(value: Mapping[str, Any], provider: str) -> Credentials:
    if "AccessKeyId" in value:
        return credentials_from_fields(
            value, provider, token_required=False, expiration_required=False
        )
    return _build(
        value.get("access_key_id"),
        value.get("access_key_secret"),
        value.get("security_token"),
        value.get("expiration"),
        provider,
    )


def _build(key_id: Any, secret: Any, token: Any, expiration: Any, provider: str) -> Credentials:
    if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
        raise CredentialsFetchError(provider, "the custom source returned no AccessKey")
    return Credentials(key_id, secret, token or None, _expiration(expiration, provider), provider)


def _expiration(value: Any, provider: str) -> datetime | None:
    if value is None or value == 0:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):  # alibabacloud-credentials: epoch seconds
        return datetime.fromtimestamp(value, UTC)
    raise CredentialsFetchError(provider, f"unsupported expiration type {type(value).__name__}")


class CustomProvider(RefreshingProvider):
    """`CustomProvider(fn)`, `CustomProvider(async_fn)` or `CustomProvider(obj)` where obj has
    `get_credentials()` and optionally `get_credentials_async()`."""

    name = "custom"

    def __init__(
        self,
        source: Callable[[], Any] | Any,
        *,
        name: str = "custom",
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
    ) -> None:
        self.name = name
        self._sync: Callable[[], Any] | None
        self._async: Callable[[], Awaitable[Any]] | None
        if hasattr(source, "get_credentials"):
            self._sync = source.get_credentials
            self._async = getattr(source, "get_credentials_async", None)
        elif inspect.iscoroutinefunction(source):
            self._sync, self._async = None, source
        elif callable(source):
            self._sync, self._async = source, None
        else:
            raise TypeError("source must be a callable or have get_credentials()")
        super().__init__(clock=clock, refresh=refresh)

    def _has_async_fetch(self) -> bool:
        return self._async is not None

    def _fetch(self) -> Credentials:
        if self._sync is not None:
            return coerce_credentials(self._sync(), self.name)
        assert self._async is not None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return coerce_credentials(asyncio.run(_awaited(self._async)), self.name)
        raise CredentialsError(
            f"{self.name}: an async-only source cannot be used synchronously inside an event "
            "loop; call get_credentials_async()"
        )

    async def _fetch_async(self) -> Credentials:
        assert self._async is not None
        return coerce_credentials(await self._async(), self.name)


async def _awaited(fn: Callable[[], Awaitable[Any]]) -> Any:
    return await fn()
