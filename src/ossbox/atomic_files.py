"""Atomic, durable file writes: the one way ossbox puts a key, a token or a snapshot on disk.

A leaf module (standard library only) shared by the credentials toolkit, the server, the store
and the CLI. Files written here are never readable by others and never seen half-written:

- `write_private` replaces the file atomically: a temporary file created with the final mode in
  the same directory, written, fsynced, renamed over the target (readers see the old bytes or the
  new, never a torn or world-readable file), and the directory fsynced.
- `create_private` makes a file that must be written once (a generated key): the same, but
  linked into place, so that of several processes racing, one wins and the others use its file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["create_private", "fsync_dir", "write_private"]


def write_private(path: Path, data: bytes, *, mode: int = 0o600, durable: bool = True) -> None:
    """Replace `path` with `data` atomically (the parent is created 0700 if missing).
    `durable=False` skips the fsyncs, for a file that is rewritten every few seconds anyway."""
    temp = _written_temp(path, data, mode, durable)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def create_private(path: Path, data: bytes) -> bool:
    """Create `path` holding `data` unless it exists; True if this call made it."""
    temp = _written_temp(path, data, 0o600, durable=True)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False  # another process made it first: theirs is the one
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def _written_temp(path: Path, data: bytes, mode: int, durable: bool) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600; a certificate may be 0644
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def fsync_dir(directory: Path) -> None:
    """Make a directory's entries (a rename, link or new file) durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
