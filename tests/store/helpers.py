"""Helpers shared by the store tests."""

from __future__ import annotations

from ossbox.store import Store
from ossbox.store.base import ObjectVersion, Segment


def put(store: Store, bucket: str, key: str, data: bytes = b"x", **fields: object) -> ObjectVersion:
    """Write `data` as a blob and store it as a new version of `key`."""
    info = store.blobs.write_bytes(data)
    version = ObjectVersion(
        bucket=bucket,
        key=key,
        size=info.size,
        etag=info.md5_hex,
        crc64=info.crc64,
        segments=(Segment(blob_id=info.blob_id, size=info.size),),
        **fields,  # type: ignore[arg-type]
    )
    return store.meta.put_object(version)


def read(store: Store, version: ObjectVersion) -> bytes:
    return b"".join(store.blobs.read_segments(version.segments, 0, version.size))


def blob_files(store: Store) -> set[str]:
    return {p.name for p in store.blobs.blob_dir.glob("*/*")}
