"""A live `ossbox serve` child process for tests: free loopback port, isolated data directory,
known root credentials, health-checked start and a clean stop.

```
with OssboxServer() as server:            # or OssboxServer(tls=True, imds_role="EcsRole")
    bucket = oss2.Bucket(oss2.AuthV4(server.access_key_id, server.access_key_secret),
                         server.endpoint, "examplebucket", region=server.region)
```
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from urllib.parse import urlencode

DEFAULT_REGION = "cn-hangzhou"
_POLL_SECONDS = 0.02


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _random_access_key() -> tuple[str, str]:
    return f"LTAI5t{secrets.token_hex(9)}", secrets.token_urlsafe(22)


class ServerStartError(RuntimeError):
    """`ossbox serve` exited or did not answer its health check in time (the log is quoted)."""


class OssboxServer:
    """One `ossbox serve` process. Nothing runs until `start()` (or `with`).

    `data_dir` defaults to a fresh temporary directory removed on `stop()`; the root AccessKey
    and account id are random unless given. `tls=True` serves HTTPS (trust `ca_file`);
    `imds_role` adds the ECS metadata listener on its own free port for that role.
    """

    def __init__(
        self,
        *,
        data_dir: str | Path | None = None,
        region: str = DEFAULT_REGION,
        host: str = "127.0.0.1",
        port: int | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        account_id: str | None = None,
        tls: bool = False,
        imds_role: str | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        generated_id, generated_secret = _random_access_key()
        self.access_key_id = access_key_id or generated_id
        self.access_key_secret = access_key_secret or generated_secret
        self.account_id = account_id or str(secrets.randbelow(9 * 10**15) + 10**15)
        self.region = region
        self.host = host
        self.port = port or free_port(host)
        self.tls = tls
        self.imds_role = imds_role
        self.imds_port = free_port(host) if imds_role else None
        self.extra_args = list(extra_args)
        self._env = dict(env) if env is not None else None
        self._own_dir = data_dir is None
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None

    # -- where it is ------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            raise RuntimeError("the server has not been started")
        return self._data_dir

    @property
    def endpoint(self) -> str:
        """The OSS (and STS/RAM) endpoint, e.g. `http://127.0.0.1:40123`."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def netloc(self) -> str:
        """`HOST:PORT`, what a client takes in place of `sts.aliyuncs.com`."""
        return f"{self.host}:{self.port}"

    @property
    def ca_file(self) -> Path | None:
        """The CA to trust with `tls=True` (REQUESTS_CA_BUNDLE, SSL_CERT_FILE)."""
        return self.data_dir / "tls" / "ca.pem" if self.tls else None

    @property
    def imds_endpoint(self) -> str | None:
        """The ECS metadata listener, `http://HOST:PORT` (use it as a proxy or endpoint)."""
        return f"http://{self.host}:{self.imds_port}" if self.imds_port else None

    def credentials_uri(self, role: str) -> str:
        """The credentials-URI endpoint serving `role`'s STS credentials."""
        return f"{self.endpoint}/_ossbox/credentials/{role}"

    def arn(self, kind: str, name: str) -> str:
        """`acs:ram::ACCOUNT:KIND/NAME`, e.g. `arn("role", "RamOssTest")`."""
        return f"acs:ram::{self.account_id}:{kind}/{name}"

    def env(self) -> dict[str, str]:
        """Environment variables that point the official clients and ossbox.credentials here
        with the root AccessKey (for subprocesses; nothing is exported by this method)."""
        out = {
            "OSS_ACCESS_KEY_ID": self.access_key_id,
            "OSS_ACCESS_KEY_SECRET": self.access_key_secret,
            "ALIBABA_CLOUD_ACCESS_KEY_ID": self.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": self.access_key_secret,
            "ALIBABA_CLOUD_STS_ENDPOINT": self.endpoint,
            "OSSBOX_ENDPOINT": self.endpoint,
            "OSSBOX_REGION": self.region,
        }
        if self.ca_file is not None:
            ca = str(self.ca_file)
            out.update(REQUESTS_CA_BUNDLE=ca, SSL_CERT_FILE=ca, ALIBABA_CLOUD_CA_BUNDLE=ca)
        if self.imds_endpoint is not None:
            out["ALIBABA_CLOUD_ECS_METADATA_ENDPOINT"] = self.imds_endpoint
        return out

    # -- life cycle -------------------------------------------------------------------------

    def command(self) -> list[str]:
        args = [*self._ossbox_cli(), "serve", "--data", str(self.data_dir)]
        args += ["--host", self.host, "--port", str(self.port), "--region", self.region]
        if self.tls:
            args.append("--tls")
        if self.imds_role:
            args += ["--imds", f"{self.host}:{self.imds_port}", "--imds-role", self.imds_role]
        return args + self.extra_args

    def _ossbox_cli(self) -> list[str]:
        """How to run the `ossbox` command (a subclass may wrap it, e.g. to inject faults)."""
        return [sys.executable, "-m", "ossbox.cli.main"]

    def start(self, timeout: float = 30.0) -> OssboxServer:
        """Start the child and wait until it answers for our root AccessKey; on failure it is
        stopped and `ServerStartError` quotes the log. A stopped server may be started again."""
        if self.running:
            raise RuntimeError("the server is already running")
        if self._data_dir is None:
            self._data_dir = Path(tempfile.mkdtemp(prefix="ossbox-")) / "data"
        self._data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if self._env is None else self._env)
        env.update(
            OSSBOX_ROOT_ACCESS_KEY_ID=self.access_key_id,
            OSSBOX_ROOT_ACCESS_KEY_SECRET=self.access_key_secret,
            OSSBOX_ACCOUNT_ID=self.account_id,
        )
        began = time.monotonic()
        with open(self.log_file, "ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
                self.command(), env=env, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_healthy(began + timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    @property
    def log_file(self) -> Path:
        """The child's output (appended across restarts), beside the data directory."""
        return self.data_dir.parent / f"ossbox-serve-{self.port}.log"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The latest child process, kept after `stop()` (its `returncode`); None before."""
        return self._process

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_healthy(self, deadline: float) -> None:
        url = f"{self.endpoint}/_ossbox/health"
        context: ssl.SSLContext | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                code = self._process.returncode
                raise ServerStartError(f"ossbox serve exited with {code}:\n{self._log_tail()}")
            if self.tls and context is None and self.ca_file and self.ca_file.exists():
                context = ssl.create_default_context(cafile=str(self.ca_file))
            if (context is not None or not self.tls) and self._healthy(url, context):
                if self._answers_for_us(context):
                    return
                raise ServerStartError(f"another server answers on {self.netloc}")
            time.sleep(_POLL_SECONDS)
        raise ServerStartError(f"ossbox serve did not become healthy:\n{self._log_tail()}")

    def _healthy(self, url: str, context: ssl.SSLContext | None) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=1, context=context) as reply:  # noqa: S310
                return bool(reply.status == 200)
        except (OSError, ssl.SSLError):
            return False

    def _answers_for_us(self, context: ssl.SSLContext | None) -> bool:
        """GetCallerIdentity with our root AccessKey: a different server on the port (a taken
        --port) does not know it, so its health answer is not mistaken for ours."""
        from ossbox.signing.rpc import sign_rpc

        params = {"Action": "GetCallerIdentity", "Version": "2015-04-01", "Format": "JSON"}
        signed = sign_rpc(
            "GET",
            params,
            access_key_id=self.access_key_id,
            access_key_secret=self.access_key_secret,
            now=datetime.now(UTC),
            nonce=secrets.token_hex(16),
        )
        url = f"{self.endpoint}/?{urlencode(signed)}"
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as reply:  # noqa: S310
                body: dict[str, str] = json.load(reply)
        except (OSError, ValueError):
            return False
        return body.get("AccountId") == self.account_id

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s) and remove an own data dir."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._own_dir and self._data_dir is not None:
            shutil.rmtree(self._data_dir.parent, ignore_errors=True)
            self._data_dir = None

    def __enter__(self) -> OssboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"OssboxServer({self.endpoint}, {state})"
