"""The `Range` header of GetObject, with OSS's two behaviours.

OSS serves one byte range. By default a range it cannot serve exactly (bad syntax, an end or a
start past the end of the object, a suffix longer than the object) is ignored and the whole
object comes back with 200. With `x-oss-range-behavior: standard` it follows RFC 7233 instead:
an end past EOF is clamped (206), a start past EOF is 416 InvalidRange with
`Content-Range: bytes */<size>`. Of several ranges OSS serves the first (default behaviour);
the standard behaviour refuses them with 416.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ossbox.server.errors import OssError

_SPEC_RE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, stop) of an object of `size` bytes."""

    start: int
    stop: int
    size: int

    @property
    def content_range(self) -> str:
        return f"bytes {self.start}-{self.stop - 1}/{self.size}"

    @property
    def length(self) -> int:
        return self.stop - self.start


def invalid_range(size: int) -> OssError:
    return OssError(
        416,
        "InvalidRange",
        "The requested range cannot be satisfied.",
        headers={"Content-Range": f"bytes */{size}"},
    )


def parse_range(header: str | None, size: int, *, standard: bool = False) -> ByteRange | None:
    """The range to serve, or None for the whole object (200); raises InvalidRange (416)."""
    if header is None:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes" or not specs:
        return None
    parts = specs.split(",")
    if len(parts) > 1 and standard:
        raise invalid_range(size)
    match = _SPEC_RE.match(parts[0])
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":
        return _suffix(int(last), size, standard=standard)
    start = int(first)
    stop = size if last == "" else int(last) + 1
    if last != "" and stop <= start:
        return None  # syntactically invalid (end before start): ignored in both behaviours
    return _bounded(start, stop, size, standard=standard)


def _suffix(length: int, size: int, *, standard: bool) -> ByteRange | None:
    """`bytes=-n`: the last n bytes."""
    if length == 0:
        if standard:
            raise invalid_range(size)
        return None
    if length > size:
        if not standard:
            return None
        length = size
    if size == 0:
        raise invalid_range(size)
    return ByteRange(size - length, size, size)


def _bounded(start: int, stop: int, size: int, *, standard: bool) -> ByteRange | None:
    if start >= size:
        if standard:
            raise invalid_range(size)
        return None
    if stop > size:
        if not standard:
            return None
        stop = size
    return ByteRange(start, stop, size)
