"""ECS RAM role: STS credentials from the instance metadata service (official-clients.md §4.7).

1. `PUT /latest/api/token` (header X-aliyun-ecs-metadata-token-ttl-seconds) gives the IMDSv2
   token, cached until 60 s before its TTL ends. In strict mode (`strict_imdsv2`, like
   ALIBABA_CLOUD_IMDSV1_DISABLED=true) a refused token is an error; otherwise the provider falls
   back to IMDSv1 (no token header) and logs that once.
2. Without a configured role name, `GET /latest/meta-data/ram/security-credentials/` names the
   role; it is discovered once and cached.
3. `GET /latest/meta-data/ram/security-credentials/<role>` answers
   `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration", ...}`.

Every call is retried with jittered exponential backoff, all calls of one refresh within one
time budget. With `unreachable_is_unavailable` (the default chain's implicit probe), a metadata
service that never answers means "not on ECS": CredentialsUnavailable, so the chain moves on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsFetchError, CredentialsUnavailable
from ossbox.credentials.http import (
    Exchange,
    HttpOptions,
    Request,
    Response,
    RetryPolicy,
    with_retries,
)
from ossbox.credentials.providers.base import HttpProvider, RefreshPolicy
from ossbox.credentials.snapshot import Credentials
from ossbox.credentials.wire import credentials_from_fields

DEFAULT_ENDPOINT = "http://100.100.100.200"
TOKEN_PATH = "/latest/api/token"  # noqa: S105 - a path, not a secret
ROLES_PATH = "/latest/meta-data/ram/security-credentials/"
TOKEN_HEADER = "X-aliyun-ecs-metadata-token"  # noqa: S105
TOKEN_TTL_HEADER = "X-aliyun-ecs-metadata-token-ttl-seconds"  # noqa: S105
DEFAULT_TOKEN_TTL = 21600
TOKEN_MARGIN = 60.0
METADATA_HTTP = HttpOptions(connect_timeout=1.0, read_timeout=1.0)
METADATA_RETRIES = RetryPolicy(attempts=3, backoff=0.2, budget=10.0)

_log = logging.getLogger(__name__)


class EcsRamRoleProvider(HttpProvider):
    name = "ecs_ram_role"

    def __init__(
        self,
        role_name: str | None = None,
        *,
        endpoint: str = DEFAULT_ENDPOINT,
        strict_imdsv2: bool = False,
        token_ttl: int = DEFAULT_TOKEN_TTL,
        retries: RetryPolicy = METADATA_RETRIES,
        unreachable_is_unavailable: bool = False,
        http: HttpOptions = METADATA_HTTP,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
    ) -> None:
        if "://" not in endpoint:
            endpoint = f"http://{endpoint}"
        self._endpoint = endpoint.rstrip("/")
        self._role = role_name or None
        self._strict = strict_imdsv2
        self._token_ttl = token_ttl
        self._retries = retries
        self._probe = unreachable_is_unavailable
        self._token: tuple[str, float] | None = None  # (token, valid until, epoch seconds)
        self._v1_logged = False
        super().__init__(http=http, clock=clock, refresh=refresh)

    @property
    def role_name(self) -> str | None:
        """The configured or discovered role name (None until discovered)."""
        return self._role

    def _exchange(self) -> Exchange[Credentials]:
        started = time.monotonic()
        try:
            token = yield from self._metadata_token(started)
            role = self._role
            if role is None:
                role = yield from self._discover_role(token, started)
            body = yield from self._get_json(ROLES_PATH + quote(role, safe=""), token, started)
        except CredentialsFetchError as exc:
            if self._probe and exc.status is None and exc.retryable:
                raise CredentialsUnavailable(
                    f"{self.name}: no metadata service at {self._endpoint} ({exc.reason})"
                ) from None
            raise
        if body.get("Code") != "Success":
            raise CredentialsFetchError(
                self.name, f"the metadata service refused role {role!r}", code=str(body.get("Code"))
            )
        return credentials_from_fields(body, self.name)

    # -- the three calls ------------------------------------------------------------------------

    def _metadata_token(self, started: float) -> Exchange[str | None]:
        cached = self._token
        if cached is not None and self._clock() < cached[1]:
            return cached[0]
        request = Request(
            "PUT", self._endpoint + TOKEN_PATH, {TOKEN_TTL_HEADER: str(self._token_ttl)}
        )
        reason: str
        try:
            response: Response = yield from self._send(request, started)
        except CredentialsFetchError as exc:
            if self._strict:
                raise
            reason = exc.reason
        else:
            token = response.text().strip()
            if response.status == 200 and token:
                self._token = (token, self._clock() + self._token_ttl - TOKEN_MARGIN)
                return token
            if self._strict:
                raise CredentialsFetchError(
                    self.name,
                    "the metadata service refused an IMDSv2 token and strict mode forbids IMDSv1",
                    status=response.status,
                )
            reason = f"HTTP {response.status}"
        if not self._v1_logged:
            _log.warning("%s: no IMDSv2 token (%s); falling back to IMDSv1", self.name, reason)
            self._v1_logged = True
        return None

    def _discover_role(self, token: str | None, started: float) -> Exchange[str]:
        response: Response = yield from self._send(self._get(ROLES_PATH, token), started)
        if response.status != 200:
            raise CredentialsFetchError(
                self.name, "cannot list the instance's RAM role", status=response.status
            )
        lines = response.text().split()
        if not lines:
            raise CredentialsFetchError(self.name, "no RAM role is attached to this instance")
        self._role = lines[0]
        return self._role

    def _get_json(self, path: str, token: str | None, started: float) -> Exchange[dict[str, Any]]:
        response: Response = yield from self._send(self._get(path, token), started)
        if response.status == 401 and token is not None:
            self._token = None  # an expired or revoked token: fetch a new one next time
        if response.status != 200:
            what = "role not found" if response.status == 404 else "credentials request failed"
            raise CredentialsFetchError(self.name, what, status=response.status)
        return response.json_object(self.name, "the metadata service")

    def _get(self, path: str, token: str | None) -> Request:
        headers = {} if token is None else {TOKEN_HEADER: token}
        return Request("GET", self._endpoint + path, headers)

    def _send(self, request: Request, started: float) -> Exchange[Response]:
        response: Response = yield from with_retries(
            request, self._retries, provider=self.name, started=started
        )
        return response


def probe_policy(budget: float = 1.0) -> RetryPolicy:
    """The default chain's implicit probe: one quick attempt per call, `budget` in all."""
    return replace(METADATA_RETRIES, attempts=1, budget=budget)
