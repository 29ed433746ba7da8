"""Whether another process sharing the data directory is still alive."""

from __future__ import annotations

import os


def pid_running(pid: int) -> bool:
    """True while a process with this id exists (ours included); EPERM means it exists."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
