"""CRC-64/XZ, the checksum OSS reports as ``x-oss-hash-crc64ecma`` (unsigned, decimal)."""

from __future__ import annotations

import anycrc

_MODEL = anycrc.Model("CRC64-XZ")


def crc64(data: bytes | memoryview, init: int = 0) -> int:
    """CRC of `data`, continuing from `init` (the CRC of the bytes before it)."""
    return int(_MODEL.calc(data, init))


def crc64_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC of A+B from crc(A), crc(B) and len(B) (multipart completion, appends)."""
    if len2 == 0:
        return crc1
    return int(_MODEL.combine(crc1, crc2, len2))
