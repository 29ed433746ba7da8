from __future__ import annotations

import pytest

from ossbox.store import Store
from ossbox.store.base import (
    TYPE_MULTIPART,
    VERSIONING_ENABLED,
    BucketNotEmpty,
    NoSuchBucket,
    NoSuchUpload,
    ObjectVersion,
    Part,
    Segment,
)
from ossbox.store.blobs import crc64, crc64_combine
from tests.store.helpers import blob_files, read


def upload_part(store: Store, upload_id: str, number: int, data: bytes) -> Part:
    info = store.blobs.write_bytes(data)
    part = Part(
        upload_id=upload_id,
        part_number=number,
        size=info.size,
        etag=info.md5_hex,
        crc64=info.crc64,
        content_md5=info.md5_b64,
        blob_id=info.blob_id,
    )
    return store.meta.put_part(part)


def completed_version(upload_bucket: str, key: str, parts: list[Part]) -> ObjectVersion:
    crc = 0
    for p in parts:
        crc = crc64_combine(crc, p.crc64, p.size)
    return ObjectVersion(
        bucket=upload_bucket,
        key=key,
        size=sum(p.size for p in parts),
        etag=f"ABC-{len(parts)}",
        crc64=crc,
        object_type=TYPE_MULTIPART,
        content_type="text/plain",
        segments=tuple(Segment(blob_id=p.blob_id, size=p.size) for p in parts),
    )


def test_multipart_lifecycle(store: Store, bucket: str) -> None:
    template = ObjectVersion(
        bucket=bucket, key="big", content_type="text/plain", user_meta={"m": "1"}
    )
    upload = store.meta.create_upload(template)
    assert len(upload.upload_id) == 32
    got = store.meta.get_upload(upload.upload_id)
    assert got is not None and got.template.user_meta == {"m": "1"} and got.key == "big"

    p1 = upload_part(store, upload.upload_id, 1, b"first-")
    stale = upload_part(store, upload.upload_id, 2, b"stale")
    p2 = upload_part(store, upload.upload_id, 2, b"second-")  # replaces part 2
    p3 = upload_part(store, upload.upload_id, 3, b"third")
    unused = upload_part(store, upload.upload_id, 4, b"unused")
    assert stale.blob_id not in blob_files(store)
    assert [p.part_number for p in store.meta.get_parts(upload.upload_id)] == [1, 2, 3, 4]

    page = store.meta.list_parts(upload.upload_id, max_parts=2)
    assert [p.part_number for p in page.parts] == [1, 2] and page.is_truncated
    assert page.next_part_number_marker == 2
    page = store.meta.list_parts(upload.upload_id, part_number_marker=2, max_parts=2)
    assert [p.part_number for p in page.parts] == [3, 4] and not page.is_truncated

    stored = store.meta.complete_upload(
        upload.upload_id, completed_version(bucket, "big", [p1, p2, p3])
    )
    assert read(store, stored) == b"first-second-third"
    assert stored.crc64 == crc64(b"first-second-third")
    assert stored.object_type == TYPE_MULTIPART and stored.etag == "ABC-3"
    assert store.meta.get_upload(upload.upload_id) is None
    assert unused.blob_id not in blob_files(store)
    assert blob_files(store) == {p1.blob_id, p2.blob_id, p3.blob_id}
    assert store.meta.pending_blobs() == [] and store.meta.garbage_blobs() == []
    with pytest.raises(NoSuchUpload):
        store.meta.list_parts(upload.upload_id)


def test_complete_replacing_an_object_retires_it(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    for _ in range(2):
        upload = store.meta.create_upload(ObjectVersion(bucket=bucket, key="k"))
        part = upload_part(store, upload.upload_id, 1, b"data")
        store.meta.complete_upload(upload.upload_id, completed_version(bucket, "k", [part]))
    page = store.meta.list_object_versions(bucket)
    assert [v.is_latest for v in page.entries] == [True, False]


def test_complete_rejects_foreign_segments_and_wrong_key(store: Store, bucket: str) -> None:
    upload = store.meta.create_upload(ObjectVersion(bucket=bucket, key="k"))
    part = upload_part(store, upload.upload_id, 1, b"data")
    foreign = store.blobs.write_bytes(b"foreign")
    bad = completed_version(bucket, "k", [part])
    bad = ObjectVersion(
        bucket=bucket, key="k", segments=(*bad.segments, Segment(blob_id=foreign.blob_id, size=7))
    )
    with pytest.raises(ValueError):
        store.meta.complete_upload(upload.upload_id, bad)
    with pytest.raises(ValueError):
        store.meta.complete_upload(upload.upload_id, completed_version(bucket, "other", [part]))
    assert store.meta.get_upload(upload.upload_id) is not None  # nothing changed
    assert part.blob_id in blob_files(store)


def test_abort_retires_parts_and_missing_upload_errors(store: Store, bucket: str) -> None:
    upload = store.meta.create_upload(ObjectVersion(bucket=bucket, key="k"))
    upload_part(store, upload.upload_id, 1, b"a")
    upload_part(store, upload.upload_id, 2, b"b")
    store.meta.abort_upload(upload.upload_id)
    assert blob_files(store) == set()
    with pytest.raises(NoSuchUpload):
        store.meta.abort_upload(upload.upload_id)
    with pytest.raises(NoSuchUpload):
        store.meta.complete_upload(upload.upload_id, ObjectVersion(bucket=bucket, key="k"))
    # A part for a vanished upload: the store disowns its blob.
    with pytest.raises(NoSuchUpload):
        upload_part(store, upload.upload_id, 1, b"late")
    assert blob_files(store) == set() and store.meta.pending_blobs() == []
    with pytest.raises(NoSuchBucket):
        store.meta.create_upload(ObjectVersion(bucket="nope", key="k"))


def test_bucket_with_upload_is_not_empty(store: Store, bucket: str) -> None:
    upload = store.meta.create_upload(ObjectVersion(bucket=bucket, key="k"))
    with pytest.raises(BucketNotEmpty):
        store.meta.delete_bucket(bucket)
    store.meta.abort_upload(upload.upload_id)
    store.meta.delete_bucket(bucket)
    assert store.meta.get_bucket(bucket) is None


def test_list_uploads_groups_and_pages(store: Store, bucket: str) -> None:
    ids: dict[str, list[str]] = {}
    for key in ["a/1", "a/2", "b", "b", "c"]:
        up = store.meta.create_upload(ObjectVersion(bucket=bucket, key=key))
        ids.setdefault(key, []).append(up.upload_id)
    page = store.meta.list_uploads(bucket, delimiter="/", max_uploads=2)
    assert page.common_prefixes == ["a/"]
    assert [(u.key, u.upload_id) for u in page.uploads] == [("b", ids["b"][0])]
    assert page.is_truncated
    assert (page.next_key_marker, page.next_upload_id_marker) == ("b", ids["b"][0])
    page = store.meta.list_uploads(
        bucket,
        delimiter="/",
        key_marker=page.next_key_marker or "",
        upload_id_marker=page.next_upload_id_marker or "",
    )
    assert [(u.key, u.upload_id) for u in page.uploads] == [("b", ids["b"][1]), ("c", ids["c"][0])]
    assert not page.is_truncated and page.common_prefixes == []
    page = store.meta.list_uploads(bucket, prefix="a/")
    assert [u.key for u in page.uploads] == ["a/1", "a/2"]
