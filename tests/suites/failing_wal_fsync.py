"""`ossbox`, with every fsync of a metadata WAL failing (EIO) while a file `fail-wal-fsync`
sits beside it: the faults suite's injection for a live server. Workers forked by
`--workers` inherit it. Run as a script: python failing_wal_fsync.py serve ...
"""

from __future__ import annotations

import errno
import os
import sys

from ossbox.cli.main import main

MARKER = "fail-wal-fsync"
_real_fsync = os.fsync


def _fsync(fd: int) -> None:
    path = os.readlink(f"/proc/self/fd/{fd}")
    if path.endswith("-wal") and os.path.exists(os.path.join(os.path.dirname(path), MARKER)):
        raise OSError(errno.EIO, "injected fsync failure")
    _real_fsync(fd)


if __name__ == "__main__":
    os.fsync = _fsync
    sys.exit(main())
