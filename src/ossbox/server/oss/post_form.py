"""A streaming multipart/form-data reader for PostObject.

The small fields before `file` are gathered (bounded); the `file` part, which must be the last
field, is handed on as a stream of chunks and never held whole in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from ossbox.server.errors import OssError, invalid_argument

MAX_FIELDS_BYTES = 2 * 1024 * 1024 + 8 * 1024  # form values <= 2 MB, names <= 8 KB
_HEADERS_END = b"\r\n\r\n"


def malformed_post() -> OssError:
    return OssError(
        400,
        "MalformedPOSTRequest",
        "The body of your POST request is not well-formed multipart/form-data.",
    )


def form_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data Content-Type, else 400."""
    if not content_type or not content_type.lower().startswith("multipart/form-data"):
        raise invalid_argument("Content-Type must be multipart/form-data for a POST upload.")
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value.strip('"'):
            return value.strip('"').encode("latin-1")
    raise malformed_post()


@dataclass
class FormStart:
    """The fields before `file` (names lower-cased) and the file part's own headers."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str | None = None
    file_content_type: str | None = None


def _disposition(headers: dict[str, str]) -> tuple[str, str | None]:
    name, filename = None, None
    for param in headers.get("content-disposition", "").split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "name":
            name = value.strip('"')
        elif key.lower() == "filename":
            filename = value.strip('"')
    if name is None:
        raise malformed_post()
    return name, filename


def _part_headers(raw: bytes) -> dict[str, str]:
    headers = {}
    for line in raw.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


class FormReader:
    def __init__(self, chunks: AsyncIterator[bytes], boundary: bytes) -> None:
        self._chunks = chunks
        self._buf = b"\r\n"  # so the first delimiter looks like every other one
        self._delim = b"\r\n--" + boundary
        self._gathered = 0

    async def _fill(self) -> bool:
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            return False
        self._buf += chunk
        return True

    async def _until(self, token: bytes) -> bytes:
        """Bytes up to `token` (consumed), counted against the field budget."""
        while (at := self._buf.find(token)) < 0:
            if len(self._buf) > MAX_FIELDS_BYTES or not await self._fill():
                raise malformed_post()
        data, self._buf = self._buf[:at], self._buf[at + len(token) :]
        self._gathered += at
        if self._gathered > MAX_FIELDS_BYTES:
            raise invalid_argument("Your POST form fields exceed the maximum allowed size.")
        return data

    async def _next_part(self) -> dict[str, str] | None:
        """After a delimiter: the next part's headers, or None at the closing one."""
        while len(self._buf) < 2:
            if not await self._fill():
                raise malformed_post()
        if self._buf.startswith(b"--"):
            return None
        return _part_headers(await self._until(_HEADERS_END))

    async def start(self) -> FormStart:
        """Read the fields up to the `file` part (400 when there is none)."""
        await self._until(self._delim)
        form = FormStart()
        while (headers := await self._next_part()) is not None:
            name, filename = _disposition(headers)
            if name.lower() == "file":
                form.filename = filename or ""
                form.file_content_type = headers.get("content-type")
                return form
            form.fields[name.lower()] = (await self._until(self._delim)).decode("utf-8", "replace")
        raise OssError(
            400,
            "IncorrectNumberOfFilesInPOSTRequest",
            "POST requires exactly one file upload per request.",
        )

    async def file_chunks(self) -> AsyncIterator[bytes]:
        """The `file` part's content as it arrives; what follows it is ignored."""
        keep = len(self._delim) - 1
        while (at := self._buf.find(self._delim)) < 0:
            if len(self._buf) > keep:
                out, self._buf = self._buf[:-keep], self._buf[-keep:]
                yield out
            if not await self._fill():
                raise malformed_post()
        if at:
            yield self._buf[:at]
        self._buf = b""
        async for _ in self._chunks:  # drain: the file is the last field
            pass
