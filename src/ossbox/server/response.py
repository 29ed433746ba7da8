"""A response as the handlers build it, and how it goes out over ASGI."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


class AsgiSend(Protocol):
    async def __call__(self, message: dict[str, Any], /) -> None: ...


@dataclass
class Response:
    """Status, headers (wire order) and a body: bytes, or chunks for a streamed body.

    A streamed body (`stream`) must come with a Content-Length header set by the handler.
    """

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: AsyncIterator[bytes] | Iterator[bytes] | None = None

    def header(self, name: str, value: str) -> Response:
        self.headers.append((name, value))
        return self


def xml_response(body: str, status: int = 200) -> Response:
    data = body.encode()
    return Response(status, [("Content-Type", "application/xml")], data)


async def send_response(send: AsgiSend, response: Response, *, head: bool = False) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    names = {k for k, _ in response.headers if k.lower() == "content-length"}
    if response.stream is None and not names:
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    if head or response.stream is None:
        await send({"type": "http.response.body", "body": b"" if head else response.body})
        return
    if isinstance(response.stream, AsyncIterator):
        async for chunk in response.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    else:
        for chunk in response.stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def new_request_id() -> str:
    """An `x-oss-request-id` / RequestId: 24 upper-case hex digits."""
    return os.urandom(12).hex().upper()
