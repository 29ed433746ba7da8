"""The audit log on disk: JSON lines in DIR/audit/, one segment file per process at a time.

Durability policy (group commit): the event loop only serializes an event and appends it to
an in-memory queue; a background thread writes everything queued with one `write()` and one
`fdatasync()` every `flush_interval` seconds (default 0.05 s), or sooner when `batch` events
are waiting. An event is therefore on disk at most about one flush interval after its
response was sent; a crash (kill -9, power loss) loses at most that window. `fsync=False`
leaves the flushing to the kernel.

Several processes (workers) may share DIR: each writes only its own segments, named
`<UTC start time>-<pid>.jsonl`, so lines never interleave and no lock is needed. A segment is
closed and a new one begun when it passes `max_segment_bytes`; then the oldest closed segments
(of any process) are deleted while the directory holds more than `retain_bytes`. A segment is
closed if a newer one of the same pid exists or its pid is no longer running.

If the disk cannot keep up, at most `max_pending` events wait in memory; beyond that new
events are dropped and counted (`dropped`, exported as a metric), so the server never blocks.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ossbox.atomic_files import fsync_dir
from ossbox.server.processes import pid_running

log = logging.getLogger("ossbox.audit")

AUDIT_DIR = "audit"
SUFFIX = ".jsonl"


def encode_event(event: dict[str, Any]) -> str:
    """One event as its JSON line (without the newline): the audit file's and the access log's."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def audit_dir(data_dir: Path) -> Path:
    return data_dir / AUDIT_DIR


def _pid_of(path: Path) -> int | None:
    pid = path.stem.rpartition("-")[2]
    return int(pid) if pid.isdigit() else None


def segments(directory: Path) -> list[Path]:
    """Every segment, oldest first (names start with their UTC start time)."""
    try:
        return sorted(p for p in directory.iterdir() if p.name.endswith(SUFFIX))
    except FileNotFoundError:
        return []


def prune(directory: Path, retain_bytes: int) -> list[Path]:
    """Delete the oldest closed segments while the directory holds more than `retain_bytes`."""
    files = segments(directory)
    newest: dict[int | None, Path] = {_pid_of(p): p for p in files}
    open_files = {p for pid, p in newest.items() if pid is not None and pid_running(pid)}
    sizes = {p: _size(p) for p in files}
    total, removed = sum(sizes.values()), []
    for path in files:
        if total <= retain_bytes:
            break
        if path in open_files:
            continue
        path.unlink(missing_ok=True)  # another process may have pruned it first
        total -= sizes[path]
        removed.append(path)
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class AuditWriter:
    def __init__(
        self,
        directory: Path,
        *,
        flush_interval: float = 0.05,
        batch: int = 512,
        max_segment_bytes: int = 64 * 1024 * 1024,
        retain_bytes: int = 1024 * 1024 * 1024,
        fsync: bool = True,
        max_pending: int = 100_000,
    ) -> None:
        self.directory = directory
        self.flush_interval = flush_interval
        self.batch = batch
        self.max_segment_bytes = max_segment_bytes
        self.retain_bytes = retain_bytes
        self.fsync = fsync
        self.max_pending = max_pending
        self.dropped = 0
        self.written = 0
        self._pending: collections.deque[bytes] = collections.deque()
        self._wake = threading.Event()
        self._lock = threading.Lock()  # one flush at a time
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._fd = -1
        self._size = 0
        self.path: Path | None = None

    # --- the event loop's side: never blocks on I/O ----------------------------------------

    def write(self, event: dict[str, Any]) -> None:
        self.write_line(encode_event(event))

    def write_line(self, line: str) -> None:
        """Queue one event already encoded by `encode_event`."""
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            return
        self._pending.append(line.encode() + b"\n")
        if len(self._pending) >= self.batch:
            self._wake.set()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._open_segment()
        self._thread = threading.Thread(target=self._run, name="ossbox-audit", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Flush everything queued, fsync, and stop the thread."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def flush(self) -> None:
        """Write and (per policy) fsync what is queued. Called by the thread, at close, and
        before the process reads its own log (LookupEvents)."""
        with self._lock:
            if not self._pending or self._fd < 0:
                return
            chunks = []
            while self._pending:
                chunks.append(self._pending.popleft())
            data = b"".join(chunks)
            try:
                self._write_all(data)
            except OSError as err:
                self.dropped += len(chunks)
                log.error("audit: writing %d events failed: %s", len(chunks), err.strerror)
                return
            self.written += len(chunks)
            if self._size >= self.max_segment_bytes:
                self._rotate()

    # --- the thread's side -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            self.flush()

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        if self.fsync:
            os.fdatasync(self._fd)
        self._size += len(data)

    def _open_segment(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.path = self.directory / f"{stamp}-{os.getpid()}{SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        self._fd = os.open(self.path, flags, 0o600)
        self._size = os.fstat(self._fd).st_size
        if self.fsync:  # the new name must survive a crash too
            fsync_dir(self.directory)

    def _rotate(self) -> None:
        os.close(self._fd)
        self._open_segment()
        prune(self.directory, self.retain_bytes)
