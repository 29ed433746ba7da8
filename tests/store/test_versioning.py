"""put/delete semantics per versioning state, delete markers, promotion, blob retirement."""

from __future__ import annotations

import pytest

from ossbox.store import Store
from ossbox.store.base import (
    NULL_VERSION,
    VERSIONING_ENABLED,
    VERSIONING_SUSPENDED,
    NoSuchBucket,
    ObjectExists,
    ObjectVersion,
    Segment,
)
from tests.store.helpers import blob_files, put, read


def versions(store: Store, bucket: str, key: str) -> list[tuple[str, bool, bool]]:
    page = store.meta.list_object_versions(bucket, prefix=key, max_keys=1000)
    return [(v.version_id, v.is_latest, v.delete_marker) for v in page.entries if v.key == key]


def test_unversioned_put_replaces_null_version_and_retires_blob(store: Store, bucket: str) -> None:
    first = put(store, bucket, "k", b"one", user_meta={"a": "1"}, headers={"cache-control": "no"})
    second = put(store, bucket, "k", b"two")
    assert first.version_id == second.version_id == NULL_VERSION
    assert second.seq > first.seq
    got = store.meta.get_object(bucket, "k")
    assert got is not None and read(store, got) == b"two" and got.user_meta == {}
    assert versions(store, bucket, "k") == [(NULL_VERSION, True, False)]
    assert blob_files(store) == {second.segments[0].blob_id}
    assert store.meta.garbage_blobs() == [] and store.meta.pending_blobs() == []


def test_stored_version_round_trips_all_fields(store: Store, bucket: str) -> None:
    stored = put(
        store,
        bucket,
        "dir/ü.txt",
        b"data",
        content_md5="jdfqkN/DWG1K7DV11Lx+Yw==",
        storage_class="IA",
        acl="public-read",
        content_type="text/plain",
        headers={"content-disposition": "inline"},
        user_meta={"name": "välue"},
        tags={"t": "v"},
        owner_id="1234",
    )
    got = store.meta.get_object(bucket, "dir/ü.txt")
    assert got == stored
    assert got.last_modified.tzinfo is not None


def test_crc64_above_2_63_round_trips(store: Store, bucket: str) -> None:
    info = store.blobs.write_bytes(b"x")
    big = (1 << 64) - 5
    version = ObjectVersion(
        bucket=bucket, key="k", size=1, crc64=big, segments=(Segment(blob_id=info.blob_id, size=1),)
    )
    assert store.meta.put_object(version).crc64 == big


def test_enabled_put_keeps_history_newest_first(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    v1, v2, v3 = (put(store, bucket, "k", bytes([i])) for i in range(3))
    ids = [v.version_id for v in (v1, v2, v3)]
    assert len(set(ids)) == 3 and NULL_VERSION not in ids
    assert versions(store, bucket, "k") == [
        (v3.version_id, True, False),
        (v2.version_id, False, False),
        (v1.version_id, False, False),
    ]
    old = store.meta.get_object(bucket, "k", v1.version_id)
    assert old is not None and read(store, old) == b"\x00" and not old.is_latest


def test_enabled_delete_adds_marker_then_version_delete_promotes(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    v1 = put(store, bucket, "k", b"1")
    v2 = put(store, bucket, "k", b"2")
    result = store.meta.delete_object(bucket, "k")
    assert result.delete_marker and result.removed is None
    marker_id = result.version_id
    assert marker_id not in (None, NULL_VERSION, v1.version_id, v2.version_id)
    latest = store.meta.get_object(bucket, "k")
    assert latest is not None and latest.delete_marker and latest.version_id == marker_id
    assert store.meta.list_objects(bucket).entries == []

    # Removing the marker by id brings v2 back as the latest.
    undo = store.meta.delete_object(bucket, "k", marker_id)
    assert undo.delete_marker and undo.removed is not None and undo.version_id == marker_id
    latest = store.meta.get_object(bucket, "k")
    assert latest is not None and latest.version_id == v2.version_id and latest.is_latest

    # Deleting a non-latest version permanently leaves the latest alone and retires its blob.
    gone = store.meta.delete_object(bucket, "k", v1.version_id)
    assert gone.removed is not None and not gone.delete_marker
    assert versions(store, bucket, "k") == [(v2.version_id, True, False)]
    assert v1.segments[0].blob_id not in blob_files(store)

    # Deleting the latest version by id promotes nothing when it is the last one.
    store.meta.delete_object(bucket, "k", v2.version_id)
    assert store.meta.get_object(bucket, "k") is None
    assert blob_files(store) == set()


def test_enabled_delete_of_missing_key_still_adds_marker(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    result = store.meta.delete_object(bucket, "nothing")
    assert result.delete_marker and result.version_id
    assert versions(store, bucket, "nothing") == [(result.version_id, True, True)]


def test_suspended_put_replaces_only_the_null_version(store: Store, bucket: str) -> None:
    n0 = put(store, bucket, "k", b"null-before-versioning")
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    v1 = put(store, bucket, "k", b"v1")
    store.meta.update_bucket(bucket, versioning=VERSIONING_SUSPENDED)
    n1 = put(store, bucket, "k", b"null-suspended")
    assert n1.version_id == NULL_VERSION and n1.is_latest
    assert versions(store, bucket, "k") == [
        (NULL_VERSION, True, False),
        (v1.version_id, False, False),
    ]
    assert n0.segments[0].blob_id not in blob_files(store)
    n2 = put(store, bucket, "k", b"null-again")
    assert versions(store, bucket, "k") == [
        (NULL_VERSION, True, False),
        (v1.version_id, False, False),
    ]
    assert n1.segments[0].blob_id not in blob_files(store)
    assert n2.seq > v1.seq


def test_suspended_delete_replaces_null_version_with_null_marker(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    v1 = put(store, bucket, "k", b"v1")
    store.meta.update_bucket(bucket, versioning=VERSIONING_SUSPENDED)
    n = put(store, bucket, "k", b"null")
    result = store.meta.delete_object(bucket, "k")
    assert result.delete_marker and result.version_id == NULL_VERSION
    assert result.removed is not None and result.removed.seq == n.seq
    assert versions(store, bucket, "k") == [
        (NULL_VERSION, True, True),
        (v1.version_id, False, False),
    ]
    # Deleting the null marker promotes v1.
    store.meta.delete_object(bucket, "k", NULL_VERSION)
    latest = store.meta.get_object(bucket, "k")
    assert latest is not None and latest.version_id == v1.version_id and latest.is_latest


def test_unversioned_delete_removes_and_is_idempotent(store: Store, bucket: str) -> None:
    v = put(store, bucket, "k", b"1")
    result = store.meta.delete_object(bucket, "k")
    assert result.version_id is None and not result.delete_marker
    assert result.removed is not None and result.removed.seq == v.seq
    assert store.meta.get_object(bucket, "k") is None
    again = store.meta.delete_object(bucket, "k")
    assert again.removed is None and not again.delete_marker
    assert blob_files(store) == set()


def test_delete_unknown_version_changes_nothing(store: Store, bucket: str) -> None:
    v = put(store, bucket, "k")
    result = store.meta.delete_object(bucket, "k", "CAEQnope")
    assert result.removed is None
    assert store.meta.get_object(bucket, "k") == v


def test_forbid_overwrite_and_missing_bucket_disown_the_blob(store: Store, bucket: str) -> None:
    put(store, bucket, "k", b"1")
    with pytest.raises(ObjectExists):
        _put_forbidding(store, bucket)
    with pytest.raises(NoSuchBucket):
        put(store, "no-such-bucket", "k", b"3")
    assert len(blob_files(store)) == 1  # only the stored object's blob remains
    assert store.meta.pending_blobs() == [] and store.meta.garbage_blobs() == []


def _put_forbidding(store: Store, bucket: str) -> None:
    info = store.blobs.write_bytes(b"2")
    version = ObjectVersion(
        bucket=bucket, key="k", size=1, segments=(Segment(blob_id=info.blob_id, size=1),)
    )
    store.meta.put_object(version, forbid_overwrite=True)


def test_forbid_overwrite_allows_over_a_delete_marker(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    put(store, bucket, "k")
    store.meta.delete_object(bucket, "k")
    _put_forbidding(store, bucket)
    latest = store.meta.get_object(bucket, "k")
    assert latest is not None and not latest.delete_marker


def test_update_object_meta_targets_one_version(store: Store, bucket: str) -> None:
    store.meta.update_bucket(bucket, versioning=VERSIONING_ENABLED)
    v1 = put(store, bucket, "k", tags={"a": "1"})
    v2 = put(store, bucket, "k")
    updated = store.meta.update_object_meta(bucket, "k", v1.version_id, acl="private", tags={})
    assert updated is not None and updated.acl == "private" and updated.tags == {}
    latest = store.meta.get_object(bucket, "k")
    assert latest == v2
    store.meta.delete_object(bucket, "k")
    assert store.meta.update_object_meta(bucket, "k", acl="private") is None
    assert store.meta.update_object_meta(bucket, "missing", acl="private") is None
