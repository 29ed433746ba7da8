"""Blob files: DIR/blobs/<2 hex>/<id>, written via DIR/tmp, immutable once committed.

A blob becomes durable in this order: data fsynced in DIR/tmp -> recorded as pending in the
journal (the metadata store) -> renamed into place -> directory fsynced. The metadata write
that references it clears the pending record; recovery deletes pending blobs nobody
references, so a crash at any point leaves nothing behind that cannot be cleaned.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from ossbox.atomic_files import fsync_dir
from ossbox.store.base import BlobInfo, BlobJournal, BlobMissing, Segment

if TYPE_CHECKING:
    from ossbox.store.base import BlobStoreProtocol
from ossbox.store.crc import crc64, crc64_combine

__all__ = [
    "CHUNK_SIZE",
    "BlobStore",
    "BlobWriter",
    "crc64",
    "crc64_combine",
    "new_blob_id",
    "remove_tmp_of",
]

CHUNK_SIZE = 256 * 1024
# Blob writes stop this short of a full disk, so that the metadata database can still write:
# deleting objects (which is how space is freed) must not fail for want of space.
RESERVED_BYTES = 8 * 1024 * 1024


def new_blob_id() -> str:
    return secrets.token_hex(16)


def _tmp_name(stem: str) -> str:
    """A temp file's name carries its writer's pid, so a dead worker's files can be told apart
    from those of the processes still writing (`remove_tmp_of`)."""
    return f"{stem}.{os.getpid()}.tmp"


def remove_tmp_of(tmp_dir: Path, pid: int) -> int:
    """Delete the unfinished writes of process `pid` (which must be dead); returns how many."""
    count = 0
    for entry in tmp_dir.glob(f"*.{pid}.tmp"):
        entry.unlink(missing_ok=True)
        count += 1
    return count


def _check_id(blob_id: str) -> str:
    if len(blob_id) != 32 or not all(c in "0123456789abcdef" for c in blob_id):
        raise ValueError("malformed blob id")
    return blob_id


class BlobStore:
    """Blob files under `root`; `journal` records blobs that are on disk but not referenced."""

    def __init__(self, root: Path, journal: BlobJournal) -> None:
        self.root = root
        self.blob_dir = root / "blobs"
        self.tmp_dir = root / "tmp"
        self._journal = journal
        self._create_dirs()

    def _create_dirs(self) -> None:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        if (self.blob_dir / "ff").is_dir():
            return
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        for i in range(256):  # "ff" last: its presence means all exist
            (self.blob_dir / f"{i:02x}").mkdir(exist_ok=True)
        fsync_dir(self.blob_dir)
        fsync_dir(self.root)

    def path(self, blob_id: str) -> Path:
        return self.blob_dir / blob_id[:2] / _check_id(blob_id)

    def free_bytes(self) -> int:
        """Free space in the data directory's file system (what an unprivileged writer gets)."""
        stat = os.statvfs(self.root)
        return stat.f_bavail * stat.f_frsize

    def check_space(self, more: int = 0) -> None:
        """Raise ENOSPC if writing `more` bytes would eat into RESERVED_BYTES."""
        if self.free_bytes() - more < RESERVED_BYTES:
            raise OSError(errno.ENOSPC, "no space left for objects in the data directory")

    # writing

    def writer(self) -> BlobWriter:
        return BlobWriter(self)

    def write_bytes(self, data: bytes) -> BlobInfo:
        """Convenience: one committed blob holding `data`."""
        with self.writer() as w:
            w.write(data)
            return w.commit()

    def _publish(self, blob_id: str, tmp_path: Path) -> None:
        """Journal `blob_id` as pending, then rename the (fsynced) temp file into place."""
        self._journal.add_pending_blob(blob_id)
        final = self.path(blob_id)
        os.replace(tmp_path, final)
        fsync_dir(final.parent)

    def clone(self, blob_id: str) -> str:
        """A new pending blob with the same bytes: a hard link, else a copy."""
        src = self.path(blob_id)
        if not src.exists():
            raise BlobMissing(f"blob {blob_id} is missing")
        new_id = new_blob_id()
        self._journal.add_pending_blob(new_id)
        dst = self.path(new_id)
        try:
            self._link_or_copy(src, dst)
        except FileNotFoundError:
            self._journal.forget_blob(new_id)
            raise BlobMissing(f"blob {blob_id} is missing") from None
        fsync_dir(dst.parent)
        return new_id

    def _link_or_copy(self, src: Path, dst: Path) -> None:
        try:
            os.link(src, dst)
            return
        except FileNotFoundError:
            raise
        except OSError:
            pass  # no hard links here: copy instead
        tmp = self.tmp_dir / _tmp_name(dst.name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, open(src, "rb") as source:
            shutil.copyfileobj(source, out, CHUNK_SIZE)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst)

    # reading

    def size(self, blob_id: str) -> int:
        try:
            return self.path(blob_id).stat().st_size
        except FileNotFoundError:
            raise BlobMissing(f"blob {blob_id} is missing") from None

    def open_range(self, blob_id: str, start: int, stop: int) -> Iterator[bytes]:
        """Bytes [start, stop) in chunks of at most CHUNK_SIZE.

        The file is opened now (so a blob retired after this call is still readable through
        the iterator); raises BlobMissing if it is gone already.
        """
        if start < 0 or stop < start:
            raise ValueError("invalid byte range")
        try:
            f = open(self.path(blob_id), "rb")  # noqa: SIM115 - closed by the generator
        except FileNotFoundError:
            raise BlobMissing(f"blob {blob_id} is missing") from None
        return _read_file(f, start, stop)

    def read_segments(
        self, segments: tuple[Segment, ...], start: int, stop: int
    ) -> Iterator[bytes]:
        """Bytes [start, stop) of an object made of consecutive segments.

        The first segment's file is opened eagerly; the rest as iteration reaches them.
        """
        pieces: list[tuple[str, int, int]] = []
        offset = 0
        for seg in segments:
            lo, hi = max(start, offset), min(stop, offset + seg.size)
            if lo < hi:
                pieces.append((seg.blob_id, lo - offset, hi - offset))
            offset += seg.size
        if not pieces:
            return iter(())
        first = self.open_range(*pieces[0])
        return self._chain(first, pieces[1:])

    def _chain(self, first: Iterator[bytes], rest: list[tuple[str, int, int]]) -> Iterator[bytes]:
        yield from first
        for blob_id, lo, hi in rest:
            yield from self.open_range(blob_id, lo, hi)

    def read_all(self, blob_id: str) -> bytes:
        return b"".join(self.open_range(blob_id, 0, self.size(blob_id)))

    # deleting

    def unlink(self, blob_id: str) -> None:
        """Remove the file only (missing is fine); the caller clears the metadata record."""
        self.path(blob_id).unlink(missing_ok=True)

    def delete(self, blob_id: str) -> None:
        """Remove an unreferenced blob (e.g. written but never stored) and its journal entry."""
        self.unlink(blob_id)
        self._journal.forget_blob(blob_id)

    def clear_tmp(self) -> int:
        """Delete everything in DIR/tmp (unfinished writes); returns how many entries."""
        count = 0
        for entry in self.tmp_dir.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            count += 1
        return count


def _read_file(f: BinaryIO, start: int, stop: int) -> Iterator[bytes]:
    with f:
        f.seek(start)
        remaining = stop - start
        while remaining > 0:
            chunk = f.read(min(CHUNK_SIZE, remaining))
            if not chunk:
                raise BlobMissing("blob is shorter than its recorded size")
            remaining -= len(chunk)
            yield chunk


class BlobWriter:
    """Streams one blob into DIR/tmp, tracking size, MD5 and CRC-64 as chunks arrive.

    Use as a context manager: leaving the block without commit() aborts.
    """

    def __init__(self, store: BlobStore) -> None:
        self._store = store
        self.blob_id = new_blob_id()
        self._tmp = store.tmp_dir / _tmp_name(self.blob_id)
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._crc = 0
        self.size = 0
        self._info: BlobInfo | None = None

    @property
    def crc64(self) -> int:
        return self._crc

    def write(self, chunk: bytes) -> None:
        self._store.check_space(len(chunk))
        self._require_open().write(chunk)
        self._md5.update(chunk)
        self._crc = crc64(chunk, self._crc)
        self.size += len(chunk)

    def commit(self) -> BlobInfo:
        """Make the blob durable and pending; returns its id and digests."""
        if self._info is not None:
            return self._info
        f = self._require_open()
        f.flush()
        os.fsync(f.fileno())
        f.close()
        self._file = None
        self._store._publish(self.blob_id, self._tmp)
        self._info = BlobInfo(
            blob_id=self.blob_id, size=self.size, md5=self._md5.digest(), crc64=self._crc
        )
        return self._info

    def abort(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            # On a full disk, closing flushes what is still buffered and fails again; the file
            # is closed all the same, and the temp file must still go.
            with contextlib.suppress(OSError):
                file.close()
        if self._info is None:
            self._tmp.unlink(missing_ok=True)

    def _require_open(self) -> BinaryIO:
        if self._file is None:
            raise ValueError("blob writer is closed")
        return self._file

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._info is None:
            self.abort()


if TYPE_CHECKING:

    def _conforms(store: BlobStore) -> BlobStoreProtocol:
        return store  # mypy checks BlobStore against the documented surface
