"""External process and custom providers."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.providers.custom import CustomProvider, coerce_credentials
from ossbox.credentials.providers.process import ProcessProvider, parse_process_output
from ossbox.credentials.snapshot import Credentials

LATER = datetime.now(UTC) + timedelta(hours=1)


def script(tmp_path: Path, output: object, *, code: int = 0, sleep: float = 0) -> list[str]:
    path = tmp_path / "helper.py"
    counter = tmp_path / "runs"
    path.write_text(
        "import json, sys, time, pathlib\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "p.write_text(str(int(p.read_text()) + 1) if p.exists() else '1')\n"
        f"time.sleep({sleep})\n"
        f"print(json.dumps({output!r}))\n"
        "sys.stderr.write('secret-on-stderr')\n"
        f"sys.exit({code})\n"
    )
    return [sys.executable, str(path)]


def runs(tmp_path: Path) -> int:
    return int((tmp_path / "runs").read_text())


def test_versioned_output_with_expiration_is_refreshed(tmp_path: Path) -> None:
    out = {
        "Version": 1,
        "AccessKeyId": "STS.proc",
        "AccessKeySecret": "proc-secret",
        "SecurityToken": "proc-token",
        "Expiration": LATER.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    p = ProcessProvider(script(tmp_path, out))
    got = p.get_credentials()
    assert (got.access_key_id, got.security_token, got.provider) == (
        "STS.proc",
        "proc-token",
        "process",
    )
    assert got.expiration is not None and p.get_credentials() is got and runs(tmp_path) == 1
    assert asyncio.run(p.get_credentials_async()) is got


def test_aliyun_cli_external_output_without_expiration_is_kept(tmp_path: Path) -> None:
    out = {"mode": "AK", "access_key_id": "LTAIext", "access_key_secret": "ext-secret"}
    p = ProcessProvider(script(tmp_path, out))
    p.get_credentials()
    p.get_credentials()
    assert runs(tmp_path) == 1  # not re-run at every call


def test_failures_name_the_program_never_its_stderr(tmp_path: Path) -> None:
    with pytest.raises(CredentialsFetchError, match="exited with status 3") as info:
        ProcessProvider(script(tmp_path, {}, code=3)).get_credentials()
    assert "secret-on-stderr" not in str(info.value)
    with pytest.raises(CredentialsFetchError, match=r"did not finish within 0\.3 s"):
        ProcessProvider(script(tmp_path, {}, sleep=5), timeout=0.3).get_credentials()
    with pytest.raises(CredentialsFetchError, match="command not found"):
        ProcessProvider(["/nonexistent/helper"]).get_credentials()


def test_no_shell_is_involved(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    p = ProcessProvider(f"{sys.executable} -c 'print(1)' ; touch {marker}")
    with pytest.raises(CredentialsFetchError):
        p.get_credentials()
    assert not marker.exists()


@pytest.mark.parametrize(
    ("output", "match"),
    [
        (b"not json", "did not print JSON"),
        (b"[1]", "not an object"),
        (b'{"Version": 2}', "unsupported output"),
        (b'{"mode": "RamRoleArn"}', "unsupported mode"),
        (b'{"mode": "StsToken", "access_key_id": "a", "access_key_secret": "b"}', "SecurityToken"),
    ],
)
def test_output_validation(output: bytes, match: str) -> None:
    with pytest.raises(CredentialsFetchError, match=match):
        parse_process_output(output, "process")


def test_custom_sync_async_and_object_sources() -> None:
    calls: list[int] = []

    def sync_source() -> dict[str, object]:
        calls.append(1)
        return {"access_key_id": "LTAIc", "access_key_secret": "c-secret", "expiration": LATER}

    async def async_source() -> SimpleNamespace:
        return SimpleNamespace(
            access_key_id="STS.a", access_key_secret="a", security_token="t", expiration=None
        )

    p = CustomProvider(sync_source, name="vault")
    assert p.get_credentials().provider == "vault" and p.get_credentials().expiration == LATER
    assert calls == [1]
    assert asyncio.run(CustomProvider(async_source).get_credentials_async()).security_token == "t"
    assert CustomProvider(async_source).get_credentials().access_key_id == "STS.a"

    class Legacy:  # alibabacloud-credentials style: getters, epoch-int expiration
        def get_credentials(self) -> Legacy:
            return self

        def get_access_key_id(self) -> str:
            return "LTAIlegacy"

        def get_access_key_secret(self) -> str:
            return "legacy-secret"

        def get_security_token(self) -> str:
            return ""

        def get_expiration(self) -> int:
            return int(LATER.timestamp())

    got = CustomProvider(Legacy()).get_credentials()
    assert got.access_key_id == "LTAIlegacy" and got.security_token is None
    assert got.expiration == LATER.replace(microsecond=0)


def test_coerce_rejects_garbage() -> None:
    with pytest.raises(CredentialsFetchError, match="cannot read credentials"):
        coerce_credentials(42, "custom")
    with pytest.raises(CredentialsFetchError, match="no AccessKey"):
        coerce_credentials({"access_key_id": ""}, "custom")
    same = Credentials("a", "b")
    assert coerce_credentials(same, "x").provider == "x"
