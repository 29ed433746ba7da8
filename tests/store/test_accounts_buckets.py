from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from ossbox.store import Store
from ossbox.store.base import (
    AccessKey,
    Bucket,
    BucketAlreadyExists,
    BucketNotEmpty,
    NoSuchBucket,
)
from ossbox.store.crypto import SealError
from tests.store.helpers import put

SECRET = "VerySecretAccessKeySecret0123456789"


def root_key(ak: str = "LTAI5tTestKey") -> AccessKey:
    return AccessKey(
        access_key_id=ak,
        secret=SECRET,
        account_id="1234",
        principal_type="root",
        principal_name="",
        created=datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    )


def test_access_key_round_trip_and_listing(store: Store) -> None:
    store.meta.create_account("1234")
    store.meta.put_access_key(root_key())
    user = AccessKey(
        access_key_id="LTAI5tUser",
        secret="s2",
        account_id="1234",
        principal_type="user",
        principal_name="alice",
    )
    store.meta.put_access_key(user)
    assert store.meta.get_access_key("LTAI5tTestKey") == root_key()
    assert store.meta.get_access_key("nope") is None
    users = store.meta.list_access_keys("1234", principal_type="user", principal_name="alice")
    assert users == [user]
    assert len(store.meta.list_access_keys("1234")) == 2
    assert store.meta.set_access_key_status("LTAI5tUser", "Inactive")
    key = store.meta.get_access_key("LTAI5tUser")
    assert key is not None and key.status == "Inactive"
    assert store.meta.delete_access_key("LTAI5tUser")
    assert not store.meta.delete_access_key("LTAI5tUser")
    assert not store.meta.set_access_key_status("LTAI5tUser", "Active")


def test_secret_is_never_in_repr(store: Store) -> None:
    assert SECRET not in repr(root_key())


def test_secret_is_encrypted_at_rest(store: Store) -> None:
    store.meta.create_account("1234")
    store.meta.put_access_key(root_key())
    store.meta.close()
    raw = b"".join(p.read_bytes() for p in store.meta.path.parent.glob("meta.db*"))  # type: ignore[attr-defined]
    assert b"LTAI5tTestKey" in raw  # the file is readable: the check below means something
    assert SECRET.encode() not in raw


def test_tampered_secret_is_an_error(store: Store) -> None:
    store.meta.create_account("1234")
    store.meta.put_access_key(root_key())
    conn = sqlite3.connect(store.meta.path)  # type: ignore[attr-defined]
    (sealed,) = conn.execute("SELECT sealed_secret FROM access_keys").fetchone()
    tampered = bytes([sealed[0]]) + bytes([sealed[1] ^ 1]) + sealed[2:]
    conn.execute("UPDATE access_keys SET sealed_secret = ?", (tampered,))
    conn.commit()
    conn.close()
    with pytest.raises(SealError):
        store.meta.get_access_key("LTAI5tTestKey")
    # A secret moved to another key id does not open either (aad binds the id).
    conn = sqlite3.connect(store.meta.path)  # type: ignore[attr-defined]
    conn.execute("UPDATE access_keys SET sealed_secret = ?", (sealed,))
    conn.execute("UPDATE access_keys SET access_key_id = 'other'")
    conn.commit()
    conn.close()
    with pytest.raises(SealError):
        store.meta.get_access_key("other")


def test_account_create_is_idempotent(store: Store) -> None:
    a = store.meta.create_account("42")
    assert store.meta.create_account("42") == a == store.meta.get_account("42")
    assert store.meta.get_account("43") is None


def test_bucket_create_conflict_update_delete(store: Store) -> None:
    b = Bucket(name="bkt", owner_id="1", region="cn-hangzhou", tags={"a": "b"})
    assert store.meta.create_bucket(b) == b
    assert store.meta.get_bucket("bkt") == b
    with pytest.raises(BucketAlreadyExists) as err:
        store.meta.create_bucket(Bucket(name="bkt", owner_id="2", region="r"))
    assert err.value.owner_id == "1"
    updated = store.meta.update_bucket(
        "bkt",
        acl="public-read",
        versioning="Enabled",
        policy='{"Statement":[]}',
        configs={"cors": "<x/>"},
    )
    assert store.meta.get_bucket("bkt") == updated
    assert updated.acl == "public-read" and updated.tags == {"a": "b"}
    with pytest.raises(TypeError):
        store.meta.update_bucket("bkt", owner_id="2")
    with pytest.raises(NoSuchBucket):
        store.meta.update_bucket("missing", acl="private")
    put(store, "bkt", "k")
    with pytest.raises(BucketNotEmpty):
        store.meta.delete_bucket("bkt")
    store.meta.delete_object("bkt", "k")  # leaves a delete marker: still not empty
    with pytest.raises(BucketNotEmpty):
        store.meta.delete_bucket("bkt")
    for v in store.meta.list_object_versions("bkt").entries:
        store.meta.delete_object("bkt", "k", v.version_id)
    store.meta.delete_bucket("bkt")
    with pytest.raises(NoSuchBucket):
        store.meta.delete_bucket("bkt")


def test_naive_datetimes_are_rejected(store: Store) -> None:
    with pytest.raises(ValueError):
        store.meta.create_account("1", created=datetime(2024, 1, 1))
