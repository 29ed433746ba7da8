"""HTTP for the providers, written once for sync and async callers.

A provider describes its wire exchange as a generator ("sans-I/O"): it yields a `Request`, a
`Sleep` or a `SourceCredentials` step and receives the `Response`, None or the `Credentials`
back (a transport failure is thrown into it as `TransportError`, a source's failure as its
CredentialsError). `run_sync` drives it with an
`httpx.Client` and `time.sleep`; `run_async` with an `httpx.AsyncClient` and `asyncio.sleep`,
so the async path never blocks the event loop and the protocol logic exists once.

One short-lived client per exchange: refreshes are rare, and nothing (connection pools, event
loop bindings) survives a fork or outlives the loop that made it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import ssl
import time
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from ossbox.credentials.errors import CredentialsError, CredentialsFetchError, redact
from ossbox.credentials.snapshot import Credentials
from ossbox.signing.http import pop_encode

if TYPE_CHECKING:
    from types import TracebackType

T = TypeVar("T")

USER_AGENT = "ossbox-credentials"


@dataclass(frozen=True, slots=True)
class HttpOptions:
    """Timeouts in seconds; `verify` is True, False or a CA bundle path; proxies are explicit
    (the environment's HTTP(S)_PROXY is not consulted, so metadata calls never leave the host).
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    verify: bool | str = True
    proxy: str | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` tries with exponential backoff (`backoff` × 2ⁿ, ±50 % jitter), all within
    `budget` seconds; connection failures, 5xx and 429 are retried."""

    attempts: int = 3
    backoff: float = 0.2
    budget: float = 10.0


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None  # a read timeout tighter than the options' (retry budgets)


def service_url(endpoint: str, what: str) -> str:
    """A service's base URL: `host[:port]` means https (as the official clients), or a full
    http(s) URL; `what` names the setting in the error."""
    if "://" not in endpoint:
        return f"https://{endpoint}/"
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{what} must be a host or an http(s) URL, not {endpoint!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"


def rpc_get(base_url: str, params: Mapping[str, str]) -> Request:
    """A signed RPC call as the official SDKs send it: GET, the parameters in the query."""
    query = "&".join(f"{pop_encode(k)}={pop_encode(v)}" for k, v in params.items())
    return Request("GET", f"{base_url}?{query}", {"Accept": "application/json"})


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body's JSON; ValueError if it is none (nested too deeply included)."""
        try:
            return json.loads(self.body)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None

    def json_object(self, provider: str, sender: str) -> dict[str, Any]:
        """The body as a JSON object, else CredentialsFetchError naming `sender`."""
        try:
            body = self.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise CredentialsFetchError(provider, f"{sender} did not answer with a JSON object")
        return body


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


class CredentialsSource(Protocol):
    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials: ...

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials: ...


@dataclass(frozen=True, slots=True)
class SourceCredentials:
    """Ask the driver for another provider's credentials (sync or async, as the caller is)."""

    source: CredentialsSource


class TransportError(Exception):
    """No HTTP answer: connection refused, timeout, TLS failure. Carries no URL."""


Step = Request | Sleep | SourceCredentials
Reply = Response | Credentials | TransportError | CredentialsError | None
Exchange = Generator[Step, Any, T]


# -- drivers ------------------------------------------------------------------------------------


def run_sync(exchange: Exchange[T], options: HttpOptions) -> T:
    with _SyncSession(options) as session:
        reply: Reply = None
        while True:
            try:
                step = _advance(exchange, reply)
            except StopIteration as stop:
                result: T = stop.value
                return result
            reply = session.perform(step)


async def run_async(exchange: Exchange[T], options: HttpOptions) -> T:
    async with _AsyncSession(options) as session:
        reply: Reply = None
        while True:
            try:
                step = _advance(exchange, reply)
            except StopIteration as stop:
                result: T = stop.value
                return result
            reply = await session.perform(step)


def _advance(exchange: Exchange[T], reply: Reply) -> Step:
    if isinstance(reply, Exception):
        return exchange.throw(reply)
    return exchange.send(reply)


def _trust(options: HttpOptions) -> ssl.SSLContext | bool:
    """What an https call verifies against: the given bundle, else OpenSSL's SSL_CERT_FILE
    (read now, as the Tea SDKs honour it), else httpx's default roots; or nothing."""
    bundle = options.verify if isinstance(options.verify, str) else None
    if options.verify is True:
        bundle = os.environ.get("SSL_CERT_FILE") or None
    return ssl.create_default_context(cafile=bundle) if bundle else bool(options.verify)


def _client_args(options: HttpOptions, url: str) -> dict[str, Any]:
    verify = _trust(options) if url.startswith("https:") else False
    timeout = httpx.Timeout(
        connect=options.connect_timeout,
        read=options.read_timeout,
        write=options.read_timeout,
        pool=options.connect_timeout,
    )
    return {
        "verify": verify,
        "proxy": options.proxy,
        "trust_env": False,
        "timeout": timeout,
        "follow_redirects": False,
        "headers": {"User-Agent": USER_AGENT},
    }


def _timeout(options: HttpOptions, request: Request) -> httpx.Timeout:
    read = (
        options.read_timeout
        if request.timeout is None
        else min(request.timeout, options.read_timeout)
    )
    connect = min(options.connect_timeout, read)
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def _transport_error(exc: Exception) -> TransportError:
    # httpx messages name the failure ("Connection refused", "timed out"), not the URL.
    return TransportError(f"{type(exc).__name__}: {exc}".rstrip(": "))


class _SyncSession:
    def __init__(self, options: HttpOptions) -> None:
        self._options = options
        self._client: httpx.Client | None = None

    def __enter__(self) -> _SyncSession:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()

    def perform(self, step: Step) -> Reply:
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        if isinstance(step, SourceCredentials):
            try:
                return step.source.get_credentials()
            except CredentialsError as exc:
                return exc
        if self._client is None:
            self._client = httpx.Client(**_client_args(self._options, step.url))
        try:
            answer = self._client.request(
                step.method,
                step.url,
                headers=dict(step.headers),
                timeout=_timeout(self._options, step),
            )
        except (httpx.TransportError, ssl.SSLError, OSError) as exc:
            return _transport_error(exc)
        return Response(answer.status_code, answer.content)


class _AsyncSession:
    def __init__(self, options: HttpOptions) -> None:
        self._options = options
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> _AsyncSession:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def perform(self, step: Step) -> Reply:
        if isinstance(step, Sleep):
            await asyncio.sleep(step.seconds)
            return None
        if isinstance(step, SourceCredentials):
            try:
                return await step.source.get_credentials_async()
            except CredentialsError as exc:
                return exc
        if self._client is None:
            # Building the TLS context reads the CA bundle: do it off the loop.
            args = await asyncio.to_thread(_client_args, self._options, step.url)
            self._client = httpx.AsyncClient(**args)
        try:
            answer = await self._client.request(
                step.method,
                step.url,
                headers=dict(step.headers),
                timeout=_timeout(self._options, step),
            )
        except (httpx.TransportError, ssl.SSLError, OSError) as exc:
            return _transport_error(exc)
        return Response(answer.status_code, answer.content)


# -- building blocks for exchanges ----------------------------------------------------------------


def _retryable(status: int) -> bool:
    return status >= 500 or status == 429


def with_retries(
    request: Request, policy: RetryPolicy, *, provider: str, started: float | None = None
) -> Exchange[Response]:
    """Send `request` until it gets a non-retryable answer, within `policy`.

    Returns the last Response (the caller judges its status); raises CredentialsFetchError
    (retryable=True, status None) when no answer came back at all.
    """
    start = time.monotonic() if started is None else started
    deadline = start + policy.budget
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        reply: Response | None = None
        failure = "the retry budget was spent"
        if remaining > 0:
            bounded = Request(request.method, request.url, request.headers, remaining)
            try:
                reply = yield bounded
            except TransportError as exc:
                failure = str(exc)
            else:
                if not _retryable(reply.status):
                    return reply
        delay = policy.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        if attempt >= policy.attempts or time.monotonic() + delay >= deadline:
            if reply is not None:
                return reply
            raise CredentialsFetchError(
                provider,
                f"no answer after {attempt} attempt(s): {failure}",
                retryable=True,
            )
        yield Sleep(delay)


def upstream_error(
    provider: str, response: Response, *, what: str, secrets: tuple[str | None, ...] = ()
) -> CredentialsFetchError:
    """The upstream's error as CredentialsFetchError: its Code, Message and RequestId (JSON
    bodies, as STS, metadata and credentials URIs send them), with known secrets redacted."""
    code = message = request_id = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = _str_or_none(body.get("Code"))
        message = _str_or_none(body.get("Message"))
        request_id = _str_or_none(body.get("RequestId"))
    reason = what if not message else f"{what}: {_scrub_message(message, secrets)}"
    return CredentialsFetchError(
        provider,
        reason,
        status=response.status,
        code=code,
        request_id=request_id,
        retryable=_retryable(response.status),
    )


def _scrub_message(message: str, secrets: tuple[str | None, ...]) -> str:
    # POP gateways echo the string to sign, which holds the key id and the token.
    head, sep, _ = message.partition("string to sign is:")
    message = head + "(string to sign omitted)" if sep else message
    return redact(message, secrets)[:500]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
