"""External process: run a command (argv, never a shell) and read credentials from its stdout.

Two JSON outputs are understood:
- versioned: `{"Version": 1, "AccessKeyId", "AccessKeySecret", ["SecurityToken"], ["Expiration"]}`;
- the aliyun CLI's External mode: `{"mode": "AK" | "StsToken", "access_key_id",
  "access_key_secret", ["sts_token"], ["expiration"]}`.
Output with an Expiration is refreshed by the engine; output without one is kept (the command
is not re-run at every call). The command's stderr is never repeated: it may hold secrets.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

from ossbox.credentials.clock import Clock, system_clock
from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.files import FileCache
from ossbox.credentials.providers.base import RefreshingProvider, RefreshPolicy
from ossbox.credentials.snapshot import Credentials
from ossbox.credentials.wire import credentials_from_fields

DEFAULT_TIMEOUT = 30.0
_CLI_FIELDS = {
    "access_key_id": "AccessKeyId",
    "access_key_secret": "AccessKeySecret",
    "sts_token": "SecurityToken",
    "expiration": "Expiration",
}


def parse_process_output(stdout: bytes, provider: str) -> Credentials:
    try:
        data: Any = json.loads(stdout)
    except ValueError:
        raise CredentialsFetchError(provider, "the command did not print JSON") from None
    if not isinstance(data, dict):
        raise CredentialsFetchError(provider, "the command printed JSON that is not an object")
    if "mode" in data:
        return _from_cli(data, provider)
    if data.get("Version") != 1:
        raise CredentialsFetchError(provider, "unsupported output: expected Version 1 or a mode")
    return credentials_from_fields(data, provider, token_required=False, expiration_required=False)


def _from_cli(data: Mapping[str, Any], provider: str) -> Credentials:
    mode = data.get("mode")
    if mode not in ("AK", "StsToken"):
        raise CredentialsFetchError(provider, f"unsupported mode {str(mode)[:20]!r}")
    fields = {_CLI_FIELDS[k]: v for k, v in data.items() if k in _CLI_FIELDS and v}
    return credentials_from_fields(
        fields, provider, token_required=mode == "StsToken", expiration_required=False
    )


class ProcessProvider(RefreshingProvider):
    """`ProcessProvider(["my-helper", "--role", "r"])` or `ProcessProvider("my-helper --role r")`
    (split like a shell would, but run without one)."""

    name = "process"

    def __init__(
        self,
        command: Sequence[str] | str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
        cache: FileCache | None = None,
    ) -> None:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise ValueError("the command must not be empty")
        self._argv = argv
        self._timeout = timeout
        self._env = None if env is None else dict(env)
        super().__init__(clock=clock, refresh=refresh, cache=cache)

    def _cache_identity(self) -> dict[str, Any]:
        return {"kind": self.name, "argv": self._argv}

    def _fetch(self) -> Credentials:
        program = self._argv[0]
        try:
            done = subprocess.run(  # noqa: S603 - argv, no shell, by design
                self._argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self._timeout,
                env=self._env,
                check=False,
            )
        except FileNotFoundError:
            raise CredentialsFetchError(self.name, f"command not found: {program}") from None
        except subprocess.TimeoutExpired:
            raise CredentialsFetchError(
                self.name, f"{program} did not finish within {self._timeout:g} s"
            ) from None
        except OSError as exc:
            raise CredentialsFetchError(
                self.name, f"cannot run {program}: {exc.strerror}"
            ) from None
        if done.returncode != 0:
            raise CredentialsFetchError(
                self.name, f"{program} exited with status {done.returncode}"
            )
        return parse_process_output(done.stdout, self.name)
