"""The seeds' auto-rotated AccessKey samples (000/003 方式二): the official
aliyun-secret-manager-client reads a RAM user's AccessKey from ossbox's Secrets Manager with a
ClientKey and oss2 uses it; still so after the secret has rotated twice (its first key deleted).
The official client needs Python <= 3.10 and pins of its own: it runs in `.venv-kms`, which
scripts/test.sh builds (or OSSBOX_KMS_CLIENT_PYTHON)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.main import main
from tests.examples.world import World, run_example

SCRIPTS = ["oss_credentials_tw_03_auto_rotated_ak.py", "oss_credentials_cn_03_auto_rotated_ak.py"]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "seed-app-ak"


def kms_client_python() -> str:
    given = os.environ.get("OSSBOX_KMS_CLIENT_PYTHON")
    python = Path(given) if given else ROOT / ".venv-kms" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: scripts/test.sh builds the official client's venv")
    return str(python)


def ossbox_cli(world: World, *argv: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*argv, "--data", str(world.http.data_dir)])
    assert status == 0, argv
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.fixture(scope="module")
def secret(world: World) -> str:
    """As the seed's prerequisites: a RAM user whose AccessKey KMS manages and rotates."""
    world.admin.call("CreateUser", UserName="kms-app-user")
    world.admin.attach_policy("RamTestPolicy", user="kms-app-user")
    ossbox_cli(world, "kms", "create-secret", SECRET, "--ram-user", "kms-app-user")
    return SECRET


@pytest.mark.parametrize("script", SCRIPTS)
def test_auto_rotated_access_key_sample(
    world: World, secret: str, script: str, tmp_path: Path
) -> None:
    ossbox_cli(
        world,
        "kms",
        "create-client-key",
        "--out",
        str(tmp_path),
        "--endpoint",
        world.tls.netloc,  # the client hard-codes https
        "--allow-secret",
        secret,
    )
    stem = script.removesuffix(".py")
    for round_ in ("first key", "after two rotations"):
        run = run_example(
            world,
            script,
            {"HOME": str(tmp_path), "OSSBOX_SECRET_NAME": secret},
            cwd=tmp_path,  # where secretsmanager.properties is, as the client expects
            interpreter=kms_client_python(),
        )
        assert run.returncode == 0, (round_, run.stderr[-3000:])
        assert list(run.written()) == ["official"], run.stdout
        bucket, key = run.written()["official"]
        assert world.admin.get_object(bucket, key) == f"written by {stem} with official".encode()
        ossbox_cli(world, "kms", "rotate", secret)
        ossbox_cli(world, "kms", "rotate", secret)
