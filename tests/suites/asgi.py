"""Drive the ASGI application in process, as uvicorn would: fast enough for fuzzing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from ossbox.server.app import OssboxApp
from ossbox.server.bootstrap import open_server
from ossbox.server.config import ServerConfig
from ossbox.signing.oss_v1 import sign_v1_header
from tests.conftest import ACCOUNT_ID, REGION, ROOT_AK, ROOT_SK

BUCKET = "fuzz"

HANG_SECONDS = 10.0
STATUSES: dict[int, int] = {}


def start_status(sent: list[dict[str, Any]]) -> int:
    return int(next(m for m in sent if m["type"] == "http.response.start")["status"])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def _call(
    app: OssboxApp, method: str, target: str, headers: list[tuple[str, str]], body: bytes
) -> Answer:
    raw_path, _, query = target.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path, errors="replace"),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 9000),
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop() if pending else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    STATUSES[start_status(sent)] = STATUSES.get(start_status(sent), 0) + 1
    start = next(m for m in sent if m["type"] == "http.response.start")
    answer_headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]}
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(start["status"], answer_headers, content)


def call(
    loop: asyncio.AbstractEventLoop,
    app: OssboxApp,
    method: str,
    target: str,
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> Answer:
    """One request; raises TimeoutError if the app hangs on it."""
    coroutine = _call(app, method, target, headers or [], body)
    return loop.run_until_complete(asyncio.wait_for(coroutine, HANG_SECONDS))


def call_once(
    app: OssboxApp, method: str, target: str, headers: list[tuple[str, str]] | None = None
) -> Answer:
    """One request on an event loop of its own (for tests outside the suites)."""
    coroutine = _call(app, method, target, headers or [], b"")
    return asyncio.run(asyncio.wait_for(coroutine, HANG_SECONDS))


@dataclass
class World:
    """An app served in process on DIR, with bucket BUCKET (holding `obj`) and one multipart
    upload of `mp` started, requests signed V1 as the root account."""

    app: OssboxApp
    loop: asyncio.AbstractEventLoop
    upload_id: str = ""

    @property
    def data_dir(self) -> Path:
        return self.app.config.data_dir

    def send(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> Answer:
        """A request that must not fail the server: no 5xx, no traceback."""
        answer = call(self.loop, self.app, method, target, headers, body)
        assert answer.status < 500, (method, target, headers, answer.status, answer.body[:400])
        assert b"Traceback" not in answer.body
        return answer

    def signed(
        self,
        method: str,
        key: str | None,
        query: list[tuple[str, str]],
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        check: bool = True,
    ) -> Answer:
        extra = dict(headers or {})
        if body:
            extra["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
            extra.setdefault("Content-Type", "application/xml")
        signed = sign_v1_header(
            method=method,
            bucket=BUCKET,
            key=key,
            query=query,
            headers=extra,
            access_key_id=ROOT_AK,
            access_key_secret=ROOT_SK,
            now=datetime.now(UTC),
        )
        path = f"/{BUCKET}/{quote(key)}" if key else f"/{BUCKET}"
        request = (method, target(path, query), list(signed.items()), body)
        if check:
            return self.send(*request)
        return call(self.loop, self.app, *request)

    def send_unchecked(self, method: str, key: str, body: bytes = b"") -> Answer:
        """A signed object request whose answer may be anything (fault injection)."""
        return self.signed(method, key, [], body, {"Content-Type": "text/plain"}, check=False)

    def close(self) -> None:
        self.loop.close()
        self.app.store.close()


def target(path: str, query: list[tuple[str, str]]) -> str:
    if not query:
        return path
    parts = [quote(n, safe="") + (f"={quote(v, safe='')}" if v else "") for n, v in query]
    return path + "?" + "&".join(parts)


def open_world(data_dir: Path, *, oidc_issuer: str = "") -> World:
    env = {
        "OSSBOX_ROOT_ACCESS_KEY_ID": ROOT_AK,
        "OSSBOX_ROOT_ACCESS_KEY_SECRET": ROOT_SK,
        "OSSBOX_ACCOUNT_ID": ACCOUNT_ID,
    }
    config = ServerConfig(data_dir=data_dir, region=REGION, oidc_issuer=oidc_issuer)
    w = World(open_server(config, env), asyncio.new_event_loop())
    if w.signed("GET", None, [], check=False).status == 404:  # first open: the fixtures
        assert w.signed("PUT", None, []).status == 200
        assert w.signed("PUT", "obj", [], b"x", {"Content-Type": "text/plain"}).status == 200
        started = w.signed("POST", "mp", [("uploads", "")])
        w.upload_id = started.body.split(b"<UploadId>")[1].split(b"<")[0].decode()
    return w
