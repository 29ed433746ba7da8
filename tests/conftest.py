"""Fixtures shared by the whole suite: a live `ossbox serve` on a free loopback port."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from ossbox.testing.server import OssboxServer
from ossbox.testing.server import free_port as free_port  # re-exported: tests import it from here

ROOT_AK = "LTAI5tRootTestKey0001"
ROOT_SK = "RootTestSecret0123456789abcdef"
ACCOUNT_ID = "1234567890123456"
REGION = "cn-hangzhou"
SERVER_LOGS = "ossbox-serve-*.log"  # OssboxServer.log_file, for every port a data dir served on

# Official clients must never reach a real proxy or the metadata service from the tests.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
    os.environ.pop(_var, None)
os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")


# Every data directory a LiveServer served from, for the end-of-session secrets scan.
SERVED: dict[Path, LiveServer] = {}


def bootstrapped_data_dir(directory: Path, account_id: str, key_id: str, secret: str) -> Path:
    """A data directory as `ossbox serve` leaves it on first start, with this root AccessKey."""
    from ossbox.server.bootstrap import ensure_root
    from ossbox.store import open_store

    store = open_store(directory)
    env = {
        "OSSBOX_ACCOUNT_ID": account_id,
        "OSSBOX_ROOT_ACCESS_KEY_ID": key_id,
        "OSSBOX_ROOT_ACCESS_KEY_SECRET": secret,
    }
    ensure_root(store, directory, env)
    store.close()
    return directory


class LiveServer(OssboxServer):
    """`OssboxServer` with the suite's fixed root AccessKey and account, on a data directory
    the test owns (kept after `stop()`), registered in SERVED when started so the session-end
    scan covers its data and its `log_file`s."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        extra_args: Sequence[str] = (),  # more `ossbox serve` flags
        tls: bool = False,
        cli: Sequence[str] | None = None,  # the `ossbox` command (the faults suite wraps it)
    ) -> None:
        self._cli = list(cli) if cli is not None else None
        super().__init__(
            data_dir=data_dir,
            region=REGION,
            port=port,
            access_key_id=ROOT_AK,
            access_key_secret=ROOT_SK,
            account_id=ACCOUNT_ID,
            tls=tls,
            extra_args=extra_args,
        )

    def _ossbox_cli(self) -> list[str]:
        return self._cli if self._cli is not None else super()._ossbox_cli()

    def start(self, timeout: float = 30.0) -> LiveServer:
        SERVED[self.data_dir] = self
        super().start(timeout)
        return self

    def kill(self) -> None:
        """kill -9: no shutdown, no flush."""
        if self.process is not None and self.process.poll() is None:
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
        server.stop()
        logs = data_dir.parent.glob(SERVER_LOGS)
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
