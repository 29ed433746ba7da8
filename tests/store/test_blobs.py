from __future__ import annotations

import hashlib
import os
import stat

import pytest

from ossbox.store import Store
from ossbox.store.base import BlobMissing, Segment
from ossbox.store.blobs import CHUNK_SIZE, crc64, crc64_combine, remove_tmp_of
from tests.store.helpers import blob_files

CHECK = b"123456789"


def test_crc64_is_oss_crc64ecma() -> None:
    # CRC-64/XZ check value; OSS's x-oss-hash-crc64ecma uses these parameters.
    assert crc64(CHECK) == 0x995DC9BBDF1939FA
    assert crc64_combine(crc64(b"1234"), crc64(b"56789"), 5) == crc64(CHECK)
    assert crc64_combine(crc64(CHECK), crc64(b""), 0) == crc64(CHECK)


def test_writer_streams_digests_and_commits(store: Store) -> None:
    chunks = [os.urandom(1000), b"", os.urandom(70_000)]
    data = b"".join(chunks)
    with store.blobs.writer() as w:
        for c in chunks:
            w.write(c)
        info = w.commit()
    assert info.size == len(data)
    assert info.md5_hex == hashlib.md5(data).hexdigest().upper()
    assert info.crc64 == crc64(data)
    assert store.blobs.read_all(info.blob_id) == data
    path = store.blobs.path(info.blob_id)
    assert path.parent.name == info.blob_id[:2]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(store.blobs.tmp_dir.iterdir()) == []
    assert store.meta.pending_blobs() == [info.blob_id]  # until metadata references it


def test_writer_abort_and_exception_leave_nothing(store: Store) -> None:
    w = store.blobs.writer()
    w.write(b"abc")
    w.abort()
    with pytest.raises(RuntimeError), store.blobs.writer() as w2:
        w2.write(b"abc")
        raise RuntimeError("client went away")
    assert list(store.blobs.tmp_dir.iterdir()) == []
    assert blob_files(store) == set()
    assert store.meta.pending_blobs() == []


def test_open_range_chunks_are_bounded(store: Store) -> None:
    data = os.urandom(CHUNK_SIZE * 2 + 10)
    info = store.blobs.write_bytes(data)
    chunks = list(store.blobs.open_range(info.blob_id, 5, len(data) - 3))
    assert all(len(c) <= CHUNK_SIZE for c in chunks)
    assert b"".join(chunks) == data[5:-3]
    assert list(store.blobs.open_range(info.blob_id, 7, 7)) == []


def test_read_segments_spans_boundaries(store: Store) -> None:
    parts = [b"hello ", b"", b"segmented ", b"world"]
    segs = tuple(Segment(blob_id=store.blobs.write_bytes(p).blob_id, size=len(p)) for p in parts)
    whole = b"".join(parts)
    for start in range(len(whole) + 1):
        for stop in range(start, len(whole) + 1):
            got = b"".join(store.blobs.read_segments(segs, start, stop))
            assert got == whole[start:stop], (start, stop)


def test_open_file_survives_unlink(store: Store) -> None:
    info = store.blobs.write_bytes(b"still readable")
    it = store.blobs.open_range(info.blob_id, 0, info.size)
    store.blobs.delete(info.blob_id)
    assert b"".join(it) == b"still readable"
    with pytest.raises(BlobMissing):
        store.blobs.open_range(info.blob_id, 0, 1)


def test_clone_is_an_independent_pending_blob(store: Store) -> None:
    info = store.blobs.write_bytes(b"original")
    copy = store.blobs.clone(info.blob_id)
    assert copy != info.blob_id
    assert set(store.meta.pending_blobs()) == {info.blob_id, copy}
    store.blobs.delete(info.blob_id)
    assert store.blobs.read_all(copy) == b"original"


def test_malformed_blob_ids_are_rejected(store: Store) -> None:
    with pytest.raises(ValueError):
        store.blobs.path("../../etc/passwd")


def test_clone_falls_back_to_copy_without_hard_links(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = store.blobs.write_bytes(b"copied")

    def no_links(src: object, dst: object) -> None:
        raise PermissionError("hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    copy = store.blobs.clone(info.blob_id)
    assert store.blobs.read_all(copy) == b"copied"
    assert stat.S_IMODE(store.blobs.path(copy).stat().st_mode) == 0o600
    assert list(store.blobs.tmp_dir.iterdir()) == []


def test_clone_of_a_missing_blob_leaves_no_pending_record(store: Store) -> None:
    info = store.blobs.write_bytes(b"gone")
    store.blobs.delete(info.blob_id)
    with pytest.raises(BlobMissing):
        store.blobs.clone(info.blob_id)
    assert store.meta.pending_blobs() == []


def test_a_dead_writers_temp_files_are_told_apart_by_pid(store: Store) -> None:
    writer = store.blobs.writer()
    writer.write(b"in flight")
    stray = store.blobs.tmp_dir / f"{'ab' * 16}.999999999.tmp"  # a dead worker's
    stray.write_bytes(b"x")
    assert remove_tmp_of(store.blobs.tmp_dir, 999999999) == 1
    assert not stray.exists()
    mine = f"{writer.blob_id}.{os.getpid()}.tmp"
    assert [p.name for p in store.blobs.tmp_dir.iterdir()] == [mine]
    writer.abort()


def test_an_aborted_write_on_a_full_disk_leaves_no_temp_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    writer = store.blobs.writer()
    writer.write(b"buffered, never flushed")
    file = writer._file
    assert file is not None

    class FullDisk:
        def __getattr__(self, name: str) -> object:
            return getattr(file, name)

        def close(self) -> None:
            file.close()
            raise OSError(errno.ENOSPC, "No space left on device")

    writer._file = FullDisk()  # type: ignore[assignment]
    writer.abort()
    assert list(store.blobs.tmp_dir.iterdir()) == []
