"""The ASGI application: one listener for OSS, the RPC APIs (STS, RAM) and `/_ossbox/*`.

A request flows: HTTP -> route (internal, RPC or OSS) -> authenticate -> authorize -> handler
-> store -> response. Errors raised anywhere on the way are rendered here, in one place; an
unexpected exception becomes a 500 InternalError with no detail leaked.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any

from ossbox.policy import oss_resource_arn
from ossbox.server.audit.record import AuditRecord
from ossbox.server.auth import ANONYMOUS, authenticate
from ossbox.server.config import ServerConfig
from ossbox.server.context import AsgiReceive, RequestContext
from ossbox.server.credentials_uri import PREFIX as CREDENTIALS_PREFIX
from ossbox.server.credentials_uri import credentials_uri_response
from ossbox.server.errors import OssError, no_such_bucket, unexpected_error
from ossbox.server.health import check as health_check
from ossbox.server.kms.rotation import rotation_loop
from ossbox.server.kms.rotation import stop as stop_rotation
from ossbox.server.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from ossbox.server.observe import Observer
from ossbox.server.oidc.routes import oidc_response
from ossbox.server.oss.addressing import resolve, virtual_host_bucket
from ossbox.server.oss.authorize import authorize
from ossbox.server.oss.cors import actual_request_headers
from ossbox.server.oss.operations import OPTION_OBJECT, find_operation
from ossbox.server.oss.traffic_limit import pace_request, pace_response
from ossbox.server.response import AsgiSend, Response, new_request_id, send_response
from ossbox.server.rpc.dispatch import handle_rpc
from ossbox.server.source_ip import client_ip
from ossbox.signing.http import HttpRequest
from ossbox.store import Store

log = logging.getLogger("ossbox.server")

_NO_BUCKET_LOOKUP = frozenset({"ListBuckets", "PutBucket"})


class _DateCache:
    """RFC 1123 `Date` values, formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._value = second, formatdate(second, usegmt=True)
        return self._value


def _http_request(scope: dict[str, Any]) -> HttpRequest:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    target = raw_path.decode("latin-1")
    if scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    return HttpRequest(scope["method"], target, headers)


class OssboxApp:
    def __init__(self, config: ServerConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self._dates = _DateCache()
        self._rotation: asyncio.Task[None] | None = None
        self.observer = Observer(config)

    async def __call__(self, scope: dict[str, Any], receive: AsgiReceive, send: AsgiSend) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request_id = new_request_id()
        http = _http_request(scope)
        head = http.method == "HEAD"
        peer = (scope.get("client") or ("", 0))[0]
        record = AuditRecord()

        async def counting_receive() -> dict[str, Any]:
            message = await receive()
            record.bytes_in += len(message.get("body", b""))
            return message

        async def counting_send(message: dict[str, Any]) -> None:
            record.bytes_out += len(message.get("body", b""))
            await send(message)

        ctx = RequestContext(
            request_id=request_id,
            http=http,
            receive=counting_receive,
            config=self.config,
            store=self.store,
            now=datetime.now(UTC),
            host=http.header("host") or self.config.endpoint_host,
            source_ip=client_ip(peer, http.header("x-forwarded-for"), self.config.trusted_proxies),
            peer_ip=peer,
            audit=record,
            audit_log=self.observer.audit,
        )
        try:
            if http.raw_path.startswith("/_ossbox/"):
                response = await self._internal(ctx)
            elif self._is_rpc(ctx):
                response = await handle_rpc(ctx)
            else:
                response = await self._oss(ctx)
        except OssError as err:
            response = self._error_response(err, ctx, head)
        except Exception as exc:
            error = unexpected_error(exc)
            if error.status == 500:
                log.exception("request %s failed", request_id)
            else:
                log.warning("request %s refused: %s", request_id, error.code)
            response = self._error_response(error, ctx, head)
        response.headers += [
            ("Server", "AliyunOSS"),
            ("Date", self._dates.now()),
            ("x-oss-request-id", request_id),
        ]
        try:
            await send_response(counting_send, response, head=head)
        finally:
            self.observer.finish(ctx, response.status)

    def _is_rpc(self, ctx: RequestContext) -> bool:
        """STS/RAM calls: path `/` with an Action (query, form body or x-acs-action header).

        Routed on path and parameters only, never on the Host header.
        """
        http = ctx.http
        if http.raw_path != "/" or virtual_host_bucket(ctx.host, self.config.domains):
            return False
        if http.header("x-acs-action") is not None or any(n == "Action" for n, _ in http.query()):
            return True
        content_type = http.header("content-type") or ""
        return http.method == "POST" and content_type.startswith(
            "application/x-www-form-urlencoded"
        )

    async def _oss(self, ctx: RequestContext) -> Response:
        ctx.bucket, ctx.key = resolve(ctx.http.raw_path, ctx.host, self.config.domains)
        ctx.query = ctx.http.first_query_values()
        operation = find_operation(ctx.method, ctx.bucket, ctx.key, ctx.query)
        ctx.audit.action = operation.action
        if ctx.bucket is not None:
            ctx.audit.resource = oss_resource_arn(self.config.region, "*", ctx.bucket, ctx.key)
        ctx.principal = ANONYMOUS if operation.own_auth else await authenticate(ctx)
        if ctx.bucket is not None and operation.name not in _NO_BUCKET_LOOKUP:
            # A primary-key read in WAL mode never waits on writers and costs less than the
            # hop to a worker thread would, so it runs inline.
            ctx.bucket_record = self.store.meta.get_bucket(ctx.bucket)
            if ctx.bucket_record is None:
                raise no_such_bucket(ctx.bucket)
            found = ctx.bucket_record
            ctx.audit.resource = oss_resource_arn(found.region, found.owner_id, found.name, ctx.key)
        if not operation.own_auth:
            await authorize(ctx, operation)
        limit = pace_request(ctx, operation.name)
        response = await operation.handler(ctx)
        pace_response(response, operation.name, limit)
        if operation is not OPTION_OBJECT:
            response.headers += actual_request_headers(ctx)
        return response

    async def _internal(self, ctx: RequestContext) -> Response:
        ctx.audit.family = "internal"
        if ctx.http.raw_path == "/_ossbox/health" and ctx.method in ("GET", "HEAD"):
            return await self._health()
        if ctx.http.raw_path == "/_ossbox/metrics" and ctx.method in ("GET", "HEAD"):
            # Reads the other processes' snapshot files: off the event loop.
            body = (await asyncio.to_thread(self.observer.exposition)).encode()
            return Response(200, [("Content-Type", METRICS_CONTENT_TYPE)], body)
        if ctx.method == "GET" and ctx.http.raw_path.startswith(CREDENTIALS_PREFIX):
            ctx.audit.family = "credentials-uri"
            request = (ctx.http.raw_path, ctx.source_ip, ctx.http.header("authorization"), ctx.now)
            token = self.config.credentials_uri_token
            return credentials_uri_response(self.store, self.config.data_dir, token, request)
        if ctx.method in ("GET", "HEAD"):
            oidc = oidc_response(self.config, ctx.http.raw_path)
            if oidc is not None:
                ctx.audit.family = "oidc"
                return oidc
        return Response(404, [("Content-Type", "application/json")], b'{"error":"not found"}')

    async def _health(self) -> Response:
        ready, report = await asyncio.to_thread(
            health_check, self.store, self.config.min_free_bytes
        )
        body = {"status": "ok" if ready else "unavailable", "region": self.config.region}
        data = json.dumps({**body, "checks": report}).encode()
        return Response(200 if ready else 503, [("Content-Type", "application/json")], data)

    def _error_response(self, err: OssError, ctx: RequestContext, head: bool) -> Response:
        ctx.audit.error_code = err.code
        host_id = ctx.host
        # A browser can read an error only with the bucket's CORS headers on it.
        headers = [*err.headers.items(), *actual_request_headers(ctx)]
        if head:
            headers.append(("x-oss-err", err.header_form(ctx.request_id, host_id)))
            return Response(err.status, [*headers, ("Content-Length", "0")])
        body = err.to_xml(ctx.request_id, host_id)
        return Response(err.status, [*headers, ("Content-Type", "application/xml")], body)

    async def _lifespan(self, receive: AsgiReceive, send: AsgiSend) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # Secrets Manager: rotate RAM-credential secrets on schedule.
                self._rotation = asyncio.get_running_loop().create_task(
                    rotation_loop(self.store.kms)
                )
                self.observer.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await stop_rotation(self._rotation)
                self.observer.close()
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
