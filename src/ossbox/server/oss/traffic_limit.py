"""Single-connection bandwidth throttling: `x-oss-traffic-limit` (bit/s).

OSS takes the limit as a request header or a URL parameter (a signed URL's), not both, on
PutObject, AppendObject, PostObject, CopyObject, UploadPart, UploadPartCopy and GetObject, and
admits 819200..838860800 (100 KB/s..100 MB/s); anything else is refused (EC 0004-00000501 /
0004-00000502). Uploads are throttled as the body is read, downloads as it is sent: no byte is
passed on before `bytes * 8 / limit` seconds have gone by since the transfer began, so a
transfer takes size/limit. Pacing sleeps with asyncio; the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from ossbox.server.context import AsgiReceive, RequestContext, parse_uint
from ossbox.server.errors import OssError
from ossbox.server.response import Response

PARAM = "x-oss-traffic-limit"
MIN_BPS = 819_200
MAX_BPS = 838_860_800
# Operations whose data transfer the limit paces (CopyObject and UploadPartCopy move no bytes
# over the connection, so for them it is only validated).
UPLOADS = frozenset({"PutObject", "AppendObject", "UploadPart", "PostObject"})
DOWNLOADS = frozenset({"GetObject"})
VALIDATED = UPLOADS | DOWNLOADS
# A download is paced in pieces of about 1/20 s of transfer, so the rate is smooth at 100 KB/s
# and the sleeps few at 100 MB/s.
_MIN_PIECE, _MAX_PIECE = 16 * 1024, 1024 * 1024


def _invalid(message: str, value: str, ec: str) -> OssError:
    # UNCONFIRMED wording: OSS documents the cases (EC 0004-00000501/502), not the message.
    return OssError(
        400,
        "InvalidArgument",
        message,
        extra={"ArgumentName": PARAM, "ArgumentValue": value, "EC": ec},
    )


def requested_limit(ctx: RequestContext) -> int | None:
    """The limit in bit/s the request asks for, None when it asks for none."""
    header, param = ctx.header(PARAM), ctx.query.get(PARAM)
    if header is not None and param is not None:
        message = "x-oss-traffic-limit cannot be both a header and a URL parameter."
        raise _invalid(message, param, "0004-00000501")
    raw = header if header is not None else param
    return None if raw is None else parse_limit(raw)


def parse_limit(raw: str) -> int:
    """A limit's value (header, URL parameter or PostObject form field), checked for range."""
    value = parse_uint(raw.strip())
    if value is None or not MIN_BPS <= value <= MAX_BPS:
        message = f"Invalid traffic limit: it must be an integer from {MIN_BPS} to {MAX_BPS}."
        raise _invalid(message, raw, "0004-00000502")
    return value


class Pacer:
    """Releases bytes no faster than `bits_per_second` from the moment it is created."""

    def __init__(self, bits_per_second: int) -> None:
        self._bytes_per_second = bits_per_second / 8
        self._start = time.monotonic()
        self._passed = 0

    async def wait_for(self, size: int) -> None:
        """Sleep until `size` more bytes may pass, then count them as passed."""
        self._passed += size
        delay = self._start + self._passed / self._bytes_per_second - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def throttled_receive(receive: AsgiReceive, bits_per_second: int) -> AsgiReceive:
    """`receive` that hands each body chunk on only when the limit allows it."""
    pacer = Pacer(bits_per_second)

    async def paced() -> dict[str, Any]:
        message = await receive()
        body = message.get("body", b"")
        if body:
            await pacer.wait_for(len(body))
        return message

    return paced


async def throttled_body(
    body: bytes | AsyncIterator[bytes] | Iterator[bytes], bits_per_second: int
) -> AsyncIterator[bytes]:
    """A response body re-cut into small pieces, each sent only when the limit allows it."""
    pacer = Pacer(bits_per_second)
    size = min(max(bits_per_second // 8 // 20, _MIN_PIECE), _MAX_PIECE)
    async for chunk in _chunks(body):
        for at in range(0, len(chunk), size):
            piece = chunk[at : at + size]
            await pacer.wait_for(len(piece))
            yield piece


async def _chunks(body: bytes | AsyncIterator[bytes] | Iterator[bytes]) -> AsyncIterator[bytes]:
    if isinstance(body, bytes):
        yield body
    elif isinstance(body, AsyncIterator):
        async for chunk in body:
            yield chunk
    else:
        for chunk in body:
            yield chunk


def pace_request(ctx: RequestContext, operation: str) -> int | None:
    """Validate the request's limit for `operation` and pace its upload; the limit, if any."""
    if operation not in VALIDATED:
        return None
    limit = requested_limit(ctx)
    if limit is not None and operation in UPLOADS:
        ctx.receive = throttled_receive(ctx.receive, limit)
    return limit


def pace_response(response: Response, operation: str, limit: int | None) -> None:
    """Pace a download's body (only a successful one: errors go out at once)."""
    if limit is None or operation not in DOWNLOADS or response.status not in (200, 206):
        return
    body = response.stream if response.stream is not None else response.body
    sized = any(name.lower() == "content-length" for name, _ in response.headers)
    if response.stream is None and not sized:
        response.headers.append(("Content-Length", str(len(response.body))))
    response.stream, response.body = throttled_body(body, limit), b""
