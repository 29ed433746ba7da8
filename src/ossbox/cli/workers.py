"""`ossbox serve --workers N`: a supervisor and N worker processes sharing the port and DIR.

The supervisor does the first-start work once, before any worker exists (root account and
AccessKey, master key, OIDC signing key, TLS CA, schema migration, crash recovery), so no two
processes race to create them. It then binds one listening socket per worker on the same port
with SO_REUSEPORT (the kernel spreads new connections evenly across them) and forks the
workers; each opens its own store (SQLite connections never cross a fork) and serves with
uvicorn. Only worker 0 serves the --imds listener, on a socket the supervisor keeps.

Ready means all workers are: they wait at a start barrier until every one has opened the store,
so the first successful health check answers when all N serve. A worker that dies is replaced
in its slot, on the same socket (connections queued on it wait for the replacement), and its
unfinished temp files are deleted. A worker whose store refuses writes (after a failed fsync
of the metadata WAL) shuts down gracefully and exits with EXIT_WRITES_REFUSED; then every
worker is replaced by a process that reopens the store (they all share that WAL). SIGTERM or
SIGINT stops the workers gracefully (in-flight requests get uvicorn's 5 s), then the supervisor
exits. Workers die with the supervisor (PR_SET_PDEATHSIG), so kill -9 of the supervisor takes
the whole server down.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from ossbox.server.config import ServerConfig

if TYPE_CHECKING:
    from ossbox.server.app import OssboxApp

log = logging.getLogger("ossbox.workers")

# A restarted worker spares pending blobs younger than this: another worker may be between
# publishing a blob and the metadata write that references it (milliseconds in practice).
RECOVERY_GRACE = 60.0
START_TIMEOUT = 60.0  # for all workers to open the store at start
STOP_TIMEOUT = 10.0  # after SIGTERM, before SIGKILL (uvicorn's graceful shutdown takes <= 5 s)
MAX_BACKOFF = 5.0  # between restarts of a worker that keeps dying at once
LISTEN_BACKLOG = 2048  # uvicorn's default
_PR_SET_PDEATHSIG = 1
EXIT_WRITES_REFUSED = 3  # a worker's exit status once its store refuses writes


@dataclass
class _Slot:
    """One worker position: its socket, and the process currently filling it."""

    index: int
    sock: socket.socket
    pid: int = 0
    started: float = 0.0
    failures: int = 0  # consecutive deaths within a second of starting
    restart_at: float | None = None


def bind_reuseport(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` listening sockets on one (host, port); port 0 picks one free port for all."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    for _ in range(count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        # Listening from now on, connections wait in the backlog until a worker accepts them
        # (at start, or while a dead worker's replacement starts), instead of being refused.
        sock.listen(LISTEN_BACKLOG)
        port = sock.getsockname()[1]
        sockets.append(sock)
    return sockets


class Supervisor:
    def __init__(self, args: argparse.Namespace, config: ServerConfig) -> None:
        self.args = args
        self.config = config
        self.count: int = args.workers
        self.slots: list[_Slot] = []
        self.imds_socket: socket.socket | None = None
        self._stopping = False
        self._pid = os.getpid()

    def run(self) -> int:
        from ossbox.server.bootstrap import open_server

        open_server(self.config).store.close()  # bootstrap and full recovery, once
        sockets = bind_reuseport(self.config.host, self.config.port, self.count)
        self.slots = [_Slot(i, sock) for i, sock in enumerate(sockets)]
        if self.args.imds is not None:
            host, port = self.args.imds
            self.imds_socket = bind_reuseport(host, port, 1)[0]
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        try:
            if not self._start_all():
                return 1
            log.info("%d workers serving on %s", self.count, self.config.endpoint_host)
            while not self._stopping:
                self._reap(restart=True)
                self._restart_due()
                time.sleep(0.1)
            return 0
        finally:
            self._stop_all()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True

    # starting

    def _start_all(self) -> bool:
        """Fork every worker, wait until all have opened the store, then let them serve."""
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()
        try:
            for slot in self.slots:
                self._fork(slot, barrier=(ready_w, go_r, ready_r, go_w))
            if not self._await_ready(ready_r):
                return False
            os.write(go_w, b"g" * self.count)
            return True
        finally:
            for fd in (ready_r, ready_w, go_r, go_w):
                os.close(fd)

    def _await_ready(self, ready_r: int) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        ready = 0
        while ready < self.count:
            if self._stopping or time.monotonic() > deadline:
                return False
            if any(slot.pid == 0 for slot in self._reap(restart=False)):
                log.error("a worker failed to start; stopping")
                return False
            readable, _, _ = select.select([ready_r], [], [], 0.1)
            if readable:
                ready += len(os.read(ready_r, self.count))
        return True

    def _fork(self, slot: _Slot, barrier: tuple[int, int, int, int] | None = None) -> None:
        pid = os.fork()
        if pid == 0:
            self._worker(slot, barrier)
        slot.pid, slot.started, slot.restart_at = pid, time.monotonic(), None

    def _worker(self, slot: _Slot, barrier: tuple[int, int, int, int] | None) -> NoReturn:
        code = 1
        try:
            _die_with_parent(self._pid)
            signal.signal(signal.SIGTERM, _exit_quietly)
            signal.signal(signal.SIGINT, _exit_quietly)
            for other in self.slots:
                if other is not slot:
                    other.sock.close()
            app = _open_app(self.config)
            if barrier is not None:
                ready_w, go_r, *parent_ends = barrier
                for fd in parent_ends:
                    os.close(fd)
                os.write(ready_w, b"r")
                os.read(go_r, 1)
            from ossbox.cli.serve import serve_app

            imds = [self.imds_socket] if slot.index == 0 and self.imds_socket else None
            serve_app(self.args, app, [slot.sock], imds, stop_when=_refuses_writes(app))
            code = _exit_code(app, slot.index)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        except BaseException:
            log.exception("worker %d failed", slot.index)
        finally:
            logging.shutdown()
            os._exit(code)

    # watching

    def _reap(self, *, restart: bool) -> list[_Slot]:
        """Collect dead workers; returns their slots (now with pid 0), scheduling restarts."""
        dead: list[_Slot] = []
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is None:
                continue
            self._forget(slot, pid, status)
            dead.append(slot)
            if restart and not self._stopping:
                self._schedule_restart(slot)
                if os.waitstatus_to_exitcode(status) == EXIT_WRITES_REFUSED:
                    self._recycle_others(slot)
        return dead

    def _recycle_others(self, failed: _Slot) -> None:
        """A WAL fsync failed in one worker: the others share that WAL but may never see the
        error (the kernel reports it to one fsync), so they are stopped gracefully too and
        replaced by processes that reopen the store, as a restart of the whole server would."""
        for slot in self.slots:
            if slot is not failed and slot.pid:
                log.warning("worker %d: restarting it as well (shared WAL)", slot.index)
                _signal(slot.pid, signal.SIGTERM)

    def _forget(self, slot: _Slot, pid: int, status: int) -> None:
        from ossbox.store.blobs import remove_tmp_of

        slot.pid = 0
        removed = remove_tmp_of(self.config.data_dir / "tmp", pid)
        if not self._stopping:
            log.warning(
                "worker %d (pid %d) %s; %d unfinished uploads discarded",
                slot.index,
                pid,
                _describe(status),
                removed,
            )

    def _schedule_restart(self, slot: _Slot) -> None:
        quick = time.monotonic() - slot.started < 1.0
        slot.failures = slot.failures + 1 if quick else 0
        delay = min(0.1 * 2**slot.failures, MAX_BACKOFF) if slot.failures else 0.0
        slot.restart_at = time.monotonic() + delay

    def _restart_due(self) -> None:
        now = time.monotonic()
        for slot in self.slots:
            if slot.pid == 0 and slot.restart_at is not None and slot.restart_at <= now:
                self._fork(slot)

    # stopping

    def _stop_all(self) -> None:
        live = [slot for slot in self.slots if slot.pid]
        for slot in live:
            _signal(slot.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(slot.pid for slot in self.slots) and time.monotonic() < deadline:
            self._reap(restart=False)
            time.sleep(0.05)
        for slot in self.slots:
            if slot.pid:
                log.warning("worker %d did not stop in time; killing it", slot.index)
                _signal(slot.pid, signal.SIGKILL)
                os.waitpid(slot.pid, 0)
                slot.pid = 0
        for slot in self.slots:
            slot.sock.close()
        if self.imds_socket is not None:
            self.imds_socket.close()


def _open_app(config: ServerConfig) -> OssboxApp:
    from ossbox.server.app import OssboxApp
    from ossbox.store import open_store

    return OssboxApp(config, open_store(config.data_dir, recovery_grace=RECOVERY_GRACE))


def _refuses_writes(app: OssboxApp) -> Callable[[], bool]:
    meta = app.store.meta
    return lambda: meta.writes_refused


def _exit_code(app: OssboxApp, index: int) -> int:
    """After serving: 0, or EXIT_WRITES_REFUSED if the worker stopped because its store refuses
    every write (single-process mode has no supervisor and keeps serving, refusing them)."""
    if not app.store.meta.writes_refused:
        return 0
    log.error(
        "worker %d: the metadata store refuses writes after a failed WAL fsync; "
        "exiting to be replaced by a fresh process",
        index,
    )
    return EXIT_WRITES_REFUSED


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when the supervisor (`parent`) dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("PR_SET_PDEATHSIG failed: workers may outlive a killed supervisor")
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(1)


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"
