"""Fixtures shared by the whole suite: a live `ossbox serve` on a free loopback port."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ossbox.testing.server import free_port  # also imported from here by some tests

ROOT_AK = "LTAI5tRootTestKey0001"
ROOT_SK = "RootTestSecret0123456789abcdef"
ACCOUNT_ID = "1234567890123456"
REGION = "cn-hangzhou"

# Official clients must never reach a real proxy or the metadata service from the tests.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")


# Every data directory a LiveServer served from, for the end-of-session secrets scan.
SERVED: dict[Path, LiveServer] = {}


@dataclass
class LiveServer:
    """A running `ossbox serve` child process and how to reach it."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    access_key_id: str = ROOT_AK
    access_key_secret: str = ROOT_SK
    account_id: str = ACCOUNT_ID
    region: str = REGION
    extra_args: list[str] = field(default_factory=list)  # more `ossbox serve` flags
    # the `ossbox` command (a fault-injecting wrapper of it in the faults suite)
    command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "ossbox.cli.main"])
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        env = dict(os.environ)
        env.update(
            OSSBOX_ROOT_ACCESS_KEY_ID=self.access_key_id,
            OSSBOX_ROOT_ACCESS_KEY_SECRET=self.access_key_secret,
            OSSBOX_ACCOUNT_ID=self.account_id,
        )
        args = [*self.command, "serve", "--data", str(self.data_dir)]
        args += ["--port", str(self.port), "--region", self.region, *self.extra_args]
        SERVED[self.data_dir] = self
        log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ossbox serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_ossbox/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("ossbox serve did not become healthy")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_server_artifacts() -> Iterator[None]:
    """The secrets suite, session-wide: when every test is done (every server stopped), no
    secret of any server the tests ran (root and RAM AccessKey secrets, STS tokens and their
    secrets, the master key, the OIDC signing key) is in its logs, audit trail or metrics.
    tests/compat/test_secrets.py adds error bodies and shows the scan catches a leak."""
    yield
    from tests.secrets_scan import scan_server

    leaks = []
    for data_dir, server in SERVED.items():
        if server.process is not None and server.process.poll() is None:
            server.stop()
        logs = data_dir.parent.glob("server-*.log")
        leaks += scan_server(data_dir, server.access_key_secret, logs)
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("ossbox") / "data")
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket_name() -> str:
    """A fresh bucket name per test."""
    return f"t-{secrets.token_hex(6)}"
