"""Credentials URI: `GET <uri>` answering
`{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}`.

Plain http is allowed only to loopback and link-local hosts (where a local agent or the
metadata address lives) unless `allow_insecure_http=True`; credentials over the network deserve
TLS. An optional `authorization` value is sent as the Authorization header.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsFetchError
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

URI_RETRIES = RetryPolicy(attempts=3, backoff=0.2, budget=10.0)


def _local_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_link_local or str(address) == "100.100.100.200"


def check_uri(uri: str, *, allow_insecure_http: bool = False) -> str:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the credentials URI must be an http(s) URL")
    if parts.scheme == "http" and not allow_insecure_http and not _local_host(parts.hostname):
        raise ValueError(
            "plain-http credentials URIs are allowed only to loopback or link-local hosts "
            "(pass allow_insecure_http=True to override)"
        )
    return uri


class CredentialsUriProvider(HttpProvider):
    name = "credentials_uri"

    def __init__(
        self,
        uri: str,
        *,
        authorization: str | None = None,
        allow_insecure_http: bool = False,
        retries: RetryPolicy = URI_RETRIES,
        http: HttpOptions | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
    ) -> None:
        self._uri = check_uri(uri, allow_insecure_http=allow_insecure_http)
        self._authorization = authorization
        self._retries = retries
        super().__init__(http=http, clock=clock, refresh=refresh)

    def _exchange(self) -> Exchange[Credentials]:
        headers = {"Accept": "application/json"}
        if self._authorization:
            headers["Authorization"] = self._authorization
        request = Request("GET", self._uri, headers)
        response: Response = yield from with_retries(request, self._retries, provider=self.name)
        if response.status != 200:
            raise CredentialsFetchError(
                self.name, "the credentials URI answered with an error", status=response.status
            )
        body = response.json_object(self.name, "the credentials URI")
        if body.get("Code") != "Success":
            code = body.get("Code")
            raise CredentialsFetchError(
                self.name, "the credentials URI did not answer Success", code=str(code)
            )
        return credentials_from_fields(body, self.name)
