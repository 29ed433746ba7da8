"""The KMS store: RAM-credential secrets, their rotation (once per due time, whoever asks),
and ClientKey records."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ossbox.server.kms.rotation import new_user_key, rotate_due
from ossbox.store import Store
from ossbox.store.kms import RotationFailed, SecretExists, SecretNotFound, SqliteKmsStore
from ossbox.store.ram import EntityNotExist
from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore

ACCT = "1234567890123456"
T0 = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def user(store: Store) -> str:
    store.meta.create_account(ACCT)
    store.ram.create_user(ACCT, "app")
    return "app"


def keys(store: Store) -> set[str]:
    return {k.access_key_id for k in store.ram.list_access_keys(ACCT, "app")}


def create(store: Store, name: str = "s", interval: int = 60) -> None:
    store.kms.create_secret(
        ACCT, name, "app", rotation_interval=interval, description="", now=T0, new_key=new_user_key
    )


def test_secret_holds_a_new_key_of_its_user_sealed_at_rest(store: Store, tmp_path: Path) -> None:
    create(store)
    secret = store.kms.get_secret(ACCT, "s")
    assert secret is not None and secret.previous is None
    assert keys(store) == {secret.current.access_key_id}
    assert secret.next_rotation == T0 + timedelta(seconds=60)
    raw = (tmp_path / "data" / DB_FILE).read_bytes()
    assert secret.current.access_key_secret.encode() not in raw
    assert "access_key_secret" not in repr(secret.current).replace("access_key_secret=", "")
    with pytest.raises(SecretExists):
        create(store)


def test_unknown_user_is_refused(store: Store) -> None:
    with pytest.raises(EntityNotExist):
        store.kms.create_secret(
            ACCT, "x", "ghost", rotation_interval=0, description="", now=T0, new_key=new_user_key
        )


def test_rotation_shifts_current_to_previous_and_deletes_the_oldest(store: Store) -> None:
    create(store)
    first = store.kms.get_secret(ACCT, "s")
    assert first is not None
    second = store.kms.rotate(ACCT, "s", T0 + timedelta(seconds=1), new_user_key)
    assert second.previous is not None
    assert second.previous.access_key_id == first.current.access_key_id
    assert second.previous.access_key_secret == first.current.access_key_secret
    assert keys(store) == {first.current.access_key_id, second.current.access_key_id}
    third = store.kms.rotate(ACCT, "s", T0 + timedelta(seconds=2), new_user_key)
    assert keys(store) == {second.current.access_key_id, third.current.access_key_id}
    assert third.next_rotation == T0 + timedelta(seconds=62)
    with pytest.raises(SecretNotFound):
        store.kms.rotate(ACCT, "nope", T0, new_user_key)


def test_rotation_fails_cleanly_when_the_user_holds_the_maximum(store: Store) -> None:
    create(store, interval=0)
    store.ram.create_access_key(new_user_key(ACCT, "app", T0))  # the user's own second key
    before = store.kms.get_secret(ACCT, "s")
    with pytest.raises(RotationFailed):
        store.kms.rotate(ACCT, "s", T0, new_user_key)
    assert store.kms.get_secret(ACCT, "s") == before  # nothing half-done
    assert len(keys(store)) == 2


def test_due_rotation_happens_once_across_processes(store: Store, tmp_path: Path) -> None:
    create(store, interval=10)
    due = T0 + timedelta(seconds=10)
    assert rotate_due(store.kms, due - timedelta(seconds=1)) == 0
    # Eight "processes": separate connections to the same database, all at the due time.
    metas = [SqliteMetadataStore(tmp_path / "data" / DB_FILE, store.master_key) for _ in range(8)]
    barrier = threading.Barrier(len(metas))
    counts: list[int] = []

    def worker(meta: SqliteMetadataStore) -> None:
        kms = SqliteKmsStore(meta._db, store.master_key)
        barrier.wait()
        counts.append(rotate_due(kms, due))

    threads = [threading.Thread(target=worker, args=(m,)) for m in metas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for meta in metas:
        meta.close()
    assert sorted(counts) == [0] * 7 + [1]
    secret = store.kms.get_secret(ACCT, "s")
    assert secret is not None and secret.current.version_id.endswith("2")
    assert secret.next_rotation == due + timedelta(seconds=10)
    assert len(keys(store)) == 2


def test_a_failed_automatic_rotation_is_retried_later_not_at_once(store: Store) -> None:
    create(store, interval=10)
    store.ram.create_access_key(new_user_key(ACCT, "app", T0))  # the user's own second key
    due = T0 + timedelta(seconds=10)
    assert rotate_due(store.kms, due) == 0
    assert store.kms.due_secrets(due + timedelta(seconds=1)) == []
    secret = store.kms.get_secret(ACCT, "s")
    assert secret is not None and secret.next_rotation == due + timedelta(seconds=60)


def test_reading_a_due_secret_rotates_it_first(store: Store) -> None:
    from ossbox.server.kms.rotation import rotate_if_due

    create(store, interval=10)
    secret = store.kms.get_secret(ACCT, "s")
    assert secret is not None
    assert rotate_if_due(secret, store.kms, T0 + timedelta(seconds=9)) is secret
    fresh = rotate_if_due(secret, store.kms, T0 + timedelta(seconds=10))
    assert fresh.previous is not None
    assert fresh.previous.access_key_id == secret.current.access_key_id
    # a reader holding the stale record gets the rotated one, not a second rotation
    again = rotate_if_due(secret, store.kms, T0 + timedelta(seconds=10))
    assert again.current == fresh.current


def test_a_late_deferral_does_not_undo_another_process_rotation(store: Store) -> None:
    # Process A's rotation fails and it defers the secret; meanwhile process B rotated it
    # (its schedule now runs a full interval): A's deferral must not pull it back to +60 s.
    create(store, interval=3600)
    due = T0 + timedelta(seconds=3600)
    rotated = store.kms.rotate_if_due(ACCT, "s", due, new_user_key)  # process B
    assert rotated is not None and rotated.next_rotation == due + timedelta(seconds=3600)
    store.kms.defer_rotation(ACCT, "s", due + timedelta(seconds=60))  # process A, late
    secret = store.kms.get_secret(ACCT, "s")
    assert secret is not None and secret.next_rotation == due + timedelta(seconds=3600)


def test_a_generated_version_id_never_repeats_one_the_secret_holds(store: Store) -> None:
    create(store)  # version ...01
    chosen = f"{3:032d}"  # what the next automatic rotation would generate
    store.kms.rotate(ACCT, "s", T0, new_user_key, version_id=chosen)
    secret = store.kms.rotate(ACCT, "s", T0 + timedelta(seconds=1), new_user_key)
    assert secret.previous is not None and secret.previous.version_id == chosen
    assert secret.current.version_id != chosen
