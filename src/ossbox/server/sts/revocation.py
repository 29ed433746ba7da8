"""Revoking a role's sessions: STS credentials of a role issued before a cutoff are refused.

The cutoffs are a store-level setting (`MetadataStore.revoke_role_sessions`, written by
`ossbox sts revoke-sessions`), so every server process sharing the store obeys them. A process
re-reads them at most once per `REFRESH_SECONDS`: that is how long a revocation may take to
reach a running server. Role names match case-insensitively, as RAM's names do.
"""

from __future__ import annotations

import time
import weakref
from datetime import datetime

from ossbox.server.sts.tokens import RoleSession
from ossbox.store.base import MetadataStore

REFRESH_SECONDS = 1.0


class _Cutoffs:
    """One store's cutoffs, as last read."""

    def __init__(self) -> None:
        self.read_at = float("-inf")
        self.by_role: dict[tuple[str, str], datetime] = {}


_caches: weakref.WeakKeyDictionary[MetadataStore, _Cutoffs] = weakref.WeakKeyDictionary()


def is_revoked(meta: MetadataStore, session: RoleSession) -> bool:
    """Was `session` issued before its role's revocation cutoff? (At most one small read per
    REFRESH_SECONDS, inline: cheaper than a hop to a worker thread.)"""
    cache = _caches.setdefault(meta, _Cutoffs())
    if time.monotonic() - cache.read_at >= REFRESH_SECONDS:
        cache.by_role = _by_role(meta.role_session_revocations())
        cache.read_at = time.monotonic()
    cutoff = cache.by_role.get((session.account_id, session.role_name.lower()))
    return cutoff is not None and session.issued_at < cutoff


def forget(meta: MetadataStore) -> None:
    """Re-read the cutoffs on the next check (after a revocation made in this process)."""
    _caches.pop(meta, None)


def _by_role(cutoffs: dict[tuple[str, str], datetime]) -> dict[tuple[str, str], datetime]:
    """Keyed by (account, lower-case role name); the latest cutoff wins."""
    merged: dict[tuple[str, str], datetime] = {}
    for (account, role), cutoff in cutoffs.items():
        key = (account, role.lower())
        merged[key] = max(cutoff, merged.get(key, cutoff))
    return merged
