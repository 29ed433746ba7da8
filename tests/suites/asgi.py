"""Drive the ASGI application in process, as uvicorn would: fast enough for fuzzing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ossbox.server.app import OssboxApp

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
