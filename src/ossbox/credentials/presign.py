"""Signed URLs that do not outlive their credentials.

A URL signed with STS credentials dies with the session, whatever its own expiry says (OSS
checks both). These helpers make the URL lifetime and the credential lifetime agree: `refresh`
(the default) refreshes first when the cached credentials would expire before the URL, and
raises CredentialsExpiringError when even fresh ones cannot cover it; `cap` shortens the URL to
what the credentials allow instead.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Literal

from ossbox.credentials.errors import CredentialsExpiringError
from ossbox.credentials.providers.base import CredentialsProvider

Mode = Literal["refresh", "cap"]
_MARGIN = 5.0  # seconds of clock slack between us and OSS


def _seconds(expires: float | timedelta) -> float:
    return expires.total_seconds() if isinstance(expires, timedelta) else float(expires)


def url_lifetime(
    provider: CredentialsProvider, expires: float | timedelta, *, mode: Mode = "refresh"
) -> int:
    """The lifetime (seconds) to sign with: `expires` itself after making sure the credentials
    outlive it (mode="refresh"), or `expires` capped to their remaining lifetime (mode="cap")."""
    wanted = _seconds(expires)
    if mode == "refresh":
        provider.get_credentials(min_ttl=wanted + _MARGIN)
        return int(wanted)
    left = provider.get_credentials().ttl(time.time()) - _MARGIN
    if left < 1:
        raise CredentialsExpiringError("the credentials expire before any URL could be used")
    return int(min(wanted, left))


def _provider_of(auth_provider: Any) -> CredentialsProvider:
    inner = getattr(auth_provider, "provider", None)
    if inner is None:
        raise TypeError("the client's credentials provider is not an ossbox adapter")
    provider: CredentialsProvider = inner
    return provider


def oss2_sign_url(
    bucket: Any, method: str, key: str, expires: float, *, mode: Mode = "refresh", **kwargs: Any
) -> str:
    """`bucket.sign_url(method, key, expires, ...)` for a bucket whose auth uses
    `adapters.oss2_provider(...)`, with the credential lifetime checked first."""
    provider = _provider_of(bucket.auth.credentials_provider)
    lifetime = url_lifetime(provider, expires, mode=mode)
    url: str = bucket.sign_url(method, key, lifetime, **kwargs)
    return url


def ossv2_presign(
    client: Any,
    request: Any,
    expires: timedelta,
    *,
    provider: CredentialsProvider,
    mode: Mode = "refresh",
    **kwargs: Any,
) -> Any:
    """`client.presign(request, expires=...)` for an oss-v2 client signing with `provider`
    (through `adapters.ossv2_provider`), with the credential lifetime checked first."""
    lifetime = url_lifetime(provider, expires, mode=mode)
    return client.presign(request, expires=timedelta(seconds=lifetime), **kwargs)
