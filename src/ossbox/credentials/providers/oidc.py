"""OIDC role ARN (RRSA): STS AssumeRoleWithOIDC, unsigned, with a service-account token.

The token is read again at every refresh (Kubernetes rotates the projected file), from
`oidc_token_file`, or taken from `oidc_token` (a string, or a callable returning one, for
tokens handed over in ALIBABA_CLOUD_OIDC_TOKEN).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ossbox.credentials.clock import Clock, system_clock, to_datetime
from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.files import FileCache
from ossbox.credentials.http import Exchange, HttpOptions
from ossbox.credentials.providers.base import HttpProvider, RefreshPolicy
from ossbox.credentials.providers.sts import DEFAULT_DURATION, RoleSession, sts_exchange
from ossbox.credentials.snapshot import Credentials
from ossbox.signing.rpc import format_timestamp


class OidcRoleArnProvider(HttpProvider):
    name = "oidc_role_arn"

    def __init__(
        self,
        role_arn: str,
        oidc_provider_arn: str,
        *,
        oidc_token_file: str | Path | None = None,
        oidc_token: str | Callable[[], str] | None = None,
        role_session_name: str | None = None,
        duration_seconds: int = DEFAULT_DURATION,
        policy: str | None = None,
        sts_endpoint: str | None = None,
        sts_region: str | None = None,
        enable_vpc: bool = False,
        http: HttpOptions | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
        cache: FileCache | None = None,
    ) -> None:
        if not oidc_provider_arn:
            raise ValueError("oidc_provider_arn must not be empty")
        if (oidc_token_file is None) == (oidc_token is None):
            raise ValueError("give exactly one of oidc_token_file and oidc_token")
        self._session = RoleSession(
            role_arn,
            role_session_name,
            duration_seconds,
            policy,
            sts_endpoint,
            sts_region,
            enable_vpc,
        )
        self._provider_arn = oidc_provider_arn
        self._token_file = None if oidc_token_file is None else Path(oidc_token_file)
        self._token = oidc_token
        super().__init__(http=http, clock=clock, refresh=refresh, cache=cache)

    def _cache_identity(self) -> dict[str, Any]:
        return {
            **self._session.identity(),
            "kind": self.name,
            "oidc_provider_arn": self._provider_arn,
            "token_file": str(self._token_file),
        }

    def _read_token(self) -> str:
        if self._token_file is not None:
            try:
                # A small local file (a projected service-account token): read inline.
                token = self._token_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CredentialsFetchError(
                    self.name, f"cannot read the OIDC token file {self._token_file}: {exc.strerror}"
                ) from None
        else:
            token = (self._token() if callable(self._token) else self._token or "").strip()
        if not token:
            raise CredentialsFetchError(self.name, "the OIDC token is empty")
        return token

    def _exchange(self) -> Exchange[Credentials]:
        token = self._read_token()
        now = self._clock()
        params = self._session.params("AssumeRoleWithOIDC", now)
        params["OIDCProviderArn"] = self._provider_arn
        params["OIDCToken"] = token
        params["Timestamp"] = format_timestamp(to_datetime(now))
        creds = yield from sts_exchange(self._session, params, self.name, (token,))
        return creds
