"""Rotating RAM-credential secrets: on demand (RotateSecret, `ossbox kms rotate`), lazily when
a due secret is read, and on schedule by the serving process's background task.

Every path ends in `KmsStore.rotate`, whose due check runs inside the write transaction:
however many processes share the data directory, a due secret rotates once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from ossbox.server.keygen import new_access_key_id, new_access_key_secret
from ossbox.store.base import AccessKey
from ossbox.store.kms import KmsStore, KmsStoreError, RamSecret, RotationFailed

MAX_SLEEP = 1.0  # how late a rotation may be when another process created the secret
MIN_SLEEP = 0.05
RETRY_FAILED = 60.0  # seconds before a failed automatic rotation is tried again

log = logging.getLogger("ossbox.kms")


def new_user_key(account_id: str, user_name: str, now: datetime) -> AccessKey:
    return AccessKey(
        access_key_id=new_access_key_id(),
        secret=new_access_key_secret(),
        account_id=account_id,
        principal_type="user",
        principal_name=user_name,
        created=now.replace(microsecond=0),
    )


def rotate_now(
    store: KmsStore, account_id: str, name: str, now: datetime, version_id: str | None = None
) -> RamSecret:
    return store.rotate(account_id, name, now, new_user_key, version_id=version_id)


def rotate_if_due(secret: RamSecret, store: KmsStore, now: datetime) -> RamSecret:
    """The secret after its automatic rotation, if one is due (lazy rotation on read)."""
    if not secret.due(now):
        return secret
    try:
        rotated = store.rotate_if_due(secret.account_id, secret.name, now, new_user_key)
    except RotationFailed as err:  # the schedule slips; the current version stays in use
        _defer(store, secret.account_id, secret.name, now, err)
        return secret
    if rotated is not None:
        return rotated
    fresh = store.get_secret(secret.account_id, secret.name)  # another process rotated it
    return fresh or secret


def rotate_due(store: KmsStore, now: datetime) -> int:
    """Rotate every secret that is due. A failure (the RAM user is gone, or holds two keys of
    its own) is logged by name and tried again RETRY_FAILED seconds later; meanwhile the
    current version stays the one to use."""
    rotated = 0
    for account_id, name in store.due_secrets(now):
        try:
            if store.rotate_if_due(account_id, name, now, new_user_key) is not None:
                rotated += 1
        except KmsStoreError as err:
            _defer(store, account_id, name, now, err)
    return rotated


def _defer(store: KmsStore, account_id: str, name: str, now: datetime, err: Exception) -> None:
    log.warning("automatic rotation of secret %s failed: %s", name, err)
    store.defer_rotation(account_id, name, now + timedelta(seconds=RETRY_FAILED))


def _sleep_for(store: KmsStore) -> float:
    due = store.next_due()
    if due is None:
        return MAX_SLEEP
    wait = (due - datetime.now(UTC)).total_seconds()
    return min(MAX_SLEEP, max(MIN_SLEEP, wait))


async def rotation_loop(store: KmsStore) -> None:
    """Run until cancelled: rotate secrets as they fall due."""
    while True:
        try:
            await asyncio.to_thread(rotate_due, store, datetime.now(UTC))
            pause = await asyncio.to_thread(_sleep_for, store)
        except Exception:  # the database is busy or closing: try again shortly
            log.exception("automatic rotation pass failed")
            pause = MAX_SLEEP
        await asyncio.sleep(pause)


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
