"""RAM role ARN: STS AssumeRole (RPC, POP HMAC-SHA1 signed) from an AccessKey or any provider.

The wire call is the one alibabacloud-credentials makes (official-clients.md §4.6): a GET on the
STS endpoint with Action=AssumeRole, Format=JSON, Version=2015-04-01, DurationSeconds, RoleArn,
RoleSessionName, [Policy], [ExternalId] and the signature parameters; chained credentials add
their SecurityToken. The STS endpoint is, in order: `sts_endpoint` (a host, or a full
http(s):// URL), else `sts[-vpc].<sts_region>.aliyuncs.com`, else `sts.aliyuncs.com`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ossbox.credentials.clock import Clock, system_clock, to_datetime
from ossbox.credentials.files import FileCache
from ossbox.credentials.http import (
    CredentialsSource,
    Exchange,
    HttpOptions,
    Request,
    Response,
    RetryPolicy,
    SourceCredentials,
    rpc_get,
    service_url,
    upstream_error,
    with_retries,
)
from ossbox.credentials.providers.base import HttpProvider, RefreshPolicy
from ossbox.credentials.providers.static import StaticAKProvider, StaticSTSProvider
from ossbox.credentials.snapshot import Credentials
from ossbox.credentials.wire import account_from_arn, credentials_from_fields
from ossbox.signing.rpc import sign_rpc

STS_VERSION = "2015-04-01"
MIN_DURATION = 900
DEFAULT_DURATION = 3600
_STS_RETRIES = RetryPolicy(attempts=2, backoff=0.5, budget=20.0)


def sts_base_url(endpoint: str | None = None, region: str | None = None, vpc: bool = False) -> str:
    """The STS URL to call, by the official library's rules (https unless a URL says http)."""
    if endpoint:
        return service_url(endpoint, "sts_endpoint")
    if region:
        return f"https://sts{'-vpc' if vpc else ''}.{region}.aliyuncs.com/"
    return "https://sts.aliyuncs.com/"


@dataclass(frozen=True, slots=True)
class RoleSession:
    """What AssumeRole and AssumeRoleWithOIDC share: the role, the session, the endpoint."""

    role_arn: str
    role_session_name: str | None = None  # None: "ossbox-<epoch ms>" at each call
    duration_seconds: int = DEFAULT_DURATION
    policy: str | None = None
    sts_endpoint: str | None = None
    sts_region: str | None = None
    enable_vpc: bool = False

    def __post_init__(self) -> None:
        if not self.role_arn:
            raise ValueError("role_arn must not be empty")
        if self.duration_seconds < MIN_DURATION:
            raise ValueError(f"duration_seconds must be at least {MIN_DURATION}")
        sts_base_url(self.sts_endpoint, self.sts_region, self.enable_vpc)  # validate early

    @property
    def url(self) -> str:
        return sts_base_url(self.sts_endpoint, self.sts_region, self.enable_vpc)

    def identity(self) -> dict[str, Any]:
        return {
            "role_arn": self.role_arn,
            "role_session_name": self.role_session_name,
            "duration_seconds": self.duration_seconds,
            "policy": self.policy,
            "url": self.url,
        }

    def params(self, action: str, now: float) -> dict[str, str]:
        params = {
            "Action": action,
            "Format": "JSON",
            "Version": STS_VERSION,
            "DurationSeconds": str(self.duration_seconds),
            "RoleArn": self.role_arn,
            "RoleSessionName": self.role_session_name or f"ossbox-{int(now * 1000)}",
        }
        if self.policy:
            params["Policy"] = self.policy
        return params

    def request(self, params: dict[str, str]) -> Request:
        return rpc_get(self.url, params)


def sts_exchange(
    session: RoleSession, params: dict[str, str], provider: str, secrets: tuple[str | None, ...]
) -> Exchange[Credentials]:
    """Send one STS call and read its `Credentials` (shared by AssumeRole and the OIDC flavour)."""
    response: Response = yield from with_retries(
        session.request(params), _STS_RETRIES, provider=provider
    )
    if response.status != 200:
        raise upstream_error(provider, response, what=f"{params['Action']} failed", secrets=secrets)
    body = response.json_object(provider, "STS")
    account = account_from_arn((body.get("AssumedRoleUser") or {}).get("Arn"))
    return credentials_from_fields(body.get("Credentials"), provider, account_id=account)


class RamRoleArnProvider(HttpProvider):
    """Assume `role_arn` with the credentials of `source` (or of the given AccessKey / STS token).

    ```
    RamRoleArnProvider("acs:ram::123:role/r", access_key_id=..., access_key_secret=...,
                       policy=..., external_id=..., sts_endpoint="http://127.0.0.1:8080")
    RamRoleArnProvider("acs:ram::123:role/r2", source=RamRoleArnProvider(...))  # chained
    ```
    """

    name = "ram_role_arn"

    def __init__(
        self,
        role_arn: str,
        *,
        source: CredentialsSource | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        security_token: str | None = None,
        role_session_name: str | None = None,
        duration_seconds: int = DEFAULT_DURATION,
        policy: str | None = None,
        external_id: str | None = None,
        sts_endpoint: str | None = None,
        sts_region: str | None = None,
        enable_vpc: bool = False,
        http: HttpOptions | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
        cache: FileCache | None = None,
    ) -> None:
        self._session = RoleSession(
            role_arn,
            role_session_name,
            duration_seconds,
            policy,
            sts_endpoint,
            sts_region,
            enable_vpc,
        )
        self._source = _source(source, access_key_id, access_key_secret, security_token)
        self._external_id = external_id
        super().__init__(http=http, clock=clock, refresh=refresh, cache=cache)

    @property
    def role_arn(self) -> str:
        return self._session.role_arn

    def _cache_identity(self) -> dict[str, Any]:
        source = self._source
        caller = getattr(source, "access_key_id", None) or getattr(source, "name", "source")
        return {
            **self._session.identity(),
            "kind": self.name,
            "external_id": self._external_id,
            "source": caller,
        }

    def _exchange(self) -> Exchange[Credentials]:
        source: Credentials = yield SourceCredentials(self._source)
        now = self._clock()
        params = self._session.params("AssumeRole", now)
        if self._external_id:
            params["ExternalId"] = self._external_id
        signed = sign_rpc(
            "GET",
            params,
            access_key_id=source.access_key_id,
            access_key_secret=source.access_key_secret,
            security_token=source.security_token,
            now=to_datetime(now),
            nonce=uuid.uuid4().hex,
        )
        secrets = (source.access_key_secret, source.security_token)
        creds = yield from sts_exchange(self._session, signed, self.name, secrets)
        return creds


def _source(
    source: CredentialsSource | None,
    access_key_id: str | None,
    access_key_secret: str | None,
    security_token: str | None,
) -> CredentialsSource:
    if source is not None:
        if access_key_id or access_key_secret or security_token:
            raise ValueError("give either source= or an AccessKey, not both")
        return source
    if not access_key_id or not access_key_secret:
        raise ValueError("RamRoleArnProvider needs source= or access_key_id and access_key_secret")
    if security_token:
        return StaticSTSProvider(access_key_id, access_key_secret, security_token)
    return StaticAKProvider(access_key_id, access_key_secret)
