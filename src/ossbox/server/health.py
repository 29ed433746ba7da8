"""`/_ossbox/health`: is this process ready to serve? 200 when every check passes, else 503.

Checks: the metadata store answers a read and still takes writes (it refuses every write after
a failed fsync of its WAL, until the process restarts); the blob directory takes a new file
(created, fsynced and removed in DIR/tmp, where uploads are staged); the data directory's file
system has at least `min_free_bytes` free. Blocking: run it in a worker thread.
"""

from __future__ import annotations

import os
from typing import Any

from ossbox.store import Store

DEFAULT_MIN_FREE_BYTES = 64 * 1024 * 1024
_PROBE_KEY = "ossbox-health-probe"


def _metadata(store: Store) -> str:
    try:
        store.meta.get_access_key(_PROBE_KEY)
    except Exception as err:  # any failure of the store means "not ready"
        return f"unreachable: {type(err).__name__}"
    if store.meta.writes_refused:
        return "refusing writes after a failed WAL fsync, until the process restarts"
    return "ok"


def _writable(store: Store) -> str:
    probe = store.blobs.tmp_dir / f"health-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as err:
        return f"not writable: {err.strerror}"
    return "ok"


def check(
    store: Store, min_free_bytes: int = DEFAULT_MIN_FREE_BYTES
) -> tuple[bool, dict[str, Any]]:
    """(ready, report)."""
    try:
        free = store.blobs.free_bytes()
    except OSError:
        free = 0
    report: dict[str, Any] = {
        "metadata": _metadata(store),
        "blobs": _writable(store),
        "diskFreeBytes": free,
        "disk": "ok" if free >= min_free_bytes else f"low: under {min_free_bytes} bytes free",
    }
    ready = all(report[name] == "ok" for name in ("metadata", "blobs", "disk"))
    return ready, report
