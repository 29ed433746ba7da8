"""Everything one request's handler needs: the parsed request, who sent it, the store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ossbox.server.audit.record import AuditRecord
from ossbox.server.errors import OssError
from ossbox.signing.http import HttpRequest

if TYPE_CHECKING:
    from ossbox.server.audit.writer import AuditWriter
    from ossbox.server.auth import Principal
    from ossbox.server.config import ServerConfig
    from ossbox.store import Store
    from ossbox.store.base import Bucket


class AsgiReceive(Protocol):
    async def __call__(self) -> dict[str, Any]: ...


MAX_OBJECT_SIZE = 5 * 1024**3  # PutObject / UploadPart / PostObject limit: 5 GB


def parse_uint(raw: str) -> int | None:
    """A decimal non-negative integer of at most 18 ASCII digits, else None.

    `str.isdigit` alone is not enough: it accepts `²` (which int() rejects) and digit strings
    longer than int() will convert.
    """
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


def incomplete_body() -> OssError:
    return OssError(
        400,
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header.",
    )


@dataclass
class RequestContext:
    request_id: str
    http: HttpRequest
    receive: AsgiReceive
    config: ServerConfig
    store: Store
    now: datetime
    host: str
    bucket: str | None = None
    key: str | None = None
    query: dict[str, str] = field(default_factory=dict)
    principal: Principal | None = None
    bucket_record: Bucket | None = None
    source_ip: str = ""  # the client: the TCP peer, or behind trusted proxies (source_ip.py)
    peer_ip: str = ""  # the TCP peer itself
    audit: AuditRecord = field(default_factory=AuditRecord)
    audit_log: AuditWriter | None = None  # this process's writer (flushed before a lookup)
    _body_consumed: bool = False

    @property
    def method(self) -> str:
        return self.http.method

    def header(self, name: str) -> str | None:
        return self.http.header(name)

    def has(self, param: str) -> bool:
        """Whether a query parameter is present (`?acl`, `?acl=` and `?acl=x` alike)."""
        return param in self.query

    def content_length(self) -> int | None:
        raw = self.header("content-length")
        if raw is None:
            return None
        length = parse_uint(raw)
        if length is None:
            raise OssError(400, "InvalidArgument", "Invalid Content-Length.")
        return length

    async def body_chunks(self, *, limit: int = MAX_OBJECT_SIZE) -> AsyncIterator[bytes]:
        """The request body as it arrives, checked against Content-Length and `limit`.

        Raises IncompleteBody when the client stops short of Content-Length (the caller must
        then discard what it wrote) and EntityTooLarge past `limit`.
        """
        expected = self.content_length()
        if expected is not None and expected > limit:
            raise entity_too_large()
        self._body_consumed = True
        received = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise incomplete_body()
            chunk: bytes = message.get("body", b"")
            if chunk:
                received += len(chunk)
                if received > limit:
                    raise entity_too_large()
                yield chunk
            if not message.get("more_body", False):
                break
        if expected is not None and received != expected:
            raise incomplete_body()

    async def read_body(self, *, limit: int) -> bytes:
        """The whole (small) body: XML documents, JSON policies, forms."""
        return b"".join([chunk async for chunk in self.body_chunks(limit=limit)])


def entity_too_large() -> OssError:
    return OssError(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
