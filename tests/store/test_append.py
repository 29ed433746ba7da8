from __future__ import annotations

import pytest

from ossbox.store import Store
from ossbox.store.base import (
    TYPE_APPENDABLE,
    VERSIONING_ENABLED,
    ObjectNotAppendable,
    ObjectVersion,
    PositionNotEqualToLength,
    Segment,
)
from ossbox.store.blobs import crc64
from tests.store.helpers import blob_files, put, read


def append(store: Store, bucket: str, key: str, position: int, data: bytes) -> ObjectVersion:
    info = store.blobs.write_bytes(data)
    template = ObjectVersion(bucket=bucket, key=key, etag=f"E{position}", content_type="text/plain")
    return store.meta.append_object(
        template,
        position=position,
        segment=Segment(blob_id=info.blob_id, size=info.size),
        segment_crc64=info.crc64,
    )


def test_append_creates_then_grows(store: Store, bucket: str) -> None:
    first = append(store, bucket, "log", 0, b"hello ")
    assert first.object_type == TYPE_APPENDABLE and first.size == 6
    second = append(store, bucket, "log", 6, b"world")
    assert second.size == 11 and second.version_id == first.version_id
    assert second.crc64 == crc64(b"hello world") and second.etag == "E6"
    assert second.content_type == "text/plain"
    assert read(store, second) == b"hello world"
    assert store.meta.pending_blobs() == []


def test_wrong_position_reports_current_length_and_disowns_blob(store: Store, bucket: str) -> None:
    with pytest.raises(PositionNotEqualToLength) as err:
        append(store, bucket, "log", 3, b"x")
    assert err.value.current_length == 0
    append(store, bucket, "log", 0, b"abc")
    with pytest.raises(PositionNotEqualToLength) as err:
        append(store, bucket, "log", 2, b"x")
    assert err.value.current_length == 3
    assert len(blob_files(store)) == 1 and store.meta.pending_blobs() == []


def test_normal_object_is_not_appendable(store: Store, bucket: str) -> None:
    put(store, bucket, "k", b"abc")
    with pytest.raises(ObjectNotAppendable):
        append(store, bucket, "k", 3, b"x")
    assert len(blob_files(store)) == 1


def test_append_after_delete_marker_starts_over(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    old = append(store, bucket, "log", 0, b"abc")
    store.meta.delete_object(bucket, "log")
    fresh = append(store, bucket, "log", 0, b"new")
    assert fresh.version_id != old.version_id and read(store, fresh) == b"new"
    kept = store.meta.get_object(bucket, "log", old.version_id)
    assert kept is not None and read(store, kept) == b"abc"
