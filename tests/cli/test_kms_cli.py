"""`ossbox kms ...` on a data directory: what it writes, and how it refuses."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.kms import duration
from ossbox.cli.main import main
from ossbox.credentials.providers.secrets_manager import ClientKey, read_properties
from tests.conftest import bootstrapped_data_dir

ACCOUNT = "2468013579246801"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    directory = bootstrapped_data_dir(
        tmp_path / "data", ACCOUNT, "LTAIkmscliroot01", "kms-cli-root-secret"
    )
    assert main(["ram", "create-user", "app", "--data", str(directory)]) == 0
    return directory


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, Any]:
    status = main(["kms", args[0], "--data", str(data), *args[1:]])
    captured = capsys.readouterr()
    return status, json.loads(captured.out) if status == 0 else captured.err


def test_client_key_files_are_what_the_properties_name(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    capsys.readouterr()
    status, made = run(
        capsys, data, "create-client-key", "--allow-secret", "s", "--out", str(tmp_path / "k")
    )
    assert status == 0
    props = read_properties(made["Properties"])
    assert props["credentials_type"] == "client_key"
    assert props["client_key_private_key_path"] == made["PrivateKeyFile"]
    assert props["client_key_password_from_file_path"] == made["PasswordFile"]
    regions = json.loads(props["cache_client_region_id"])
    assert regions == [{"regionId": "cn-hangzhou", "endpoint": "127.0.0.1:9000"}]
    for name in ("PrivateKeyFile", "PasswordFile", "Properties"):
        assert stat.S_IMODE(Path(made[name]).stat().st_mode) == 0o600
    password = Path(made["PasswordFile"]).read_text()
    assert ClientKey.load(made["PrivateKeyFile"], password).key_id == made["KeyId"]
    assert password not in json.dumps(made)


def test_refusals(capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path) -> None:
    capsys.readouterr()
    status, err = run(capsys, data, "create-secret", "s", "--ram-user", "ghost")
    assert (status, "EntityNotExist.User" in err) == (1, True)
    assert run(capsys, data, "create-secret", "s", "--ram-user", "app")[0] == 0
    status, err = run(capsys, data, "create-secret", "s", "--ram-user", "app")
    assert (status, "Rejected.ResourceExist" in err) == (1, True)
    status, err = run(capsys, data, "create-secret", "bad name", "--ram-user", "app")
    assert status == 2 and "secret name" in err
    status, err = run(capsys, data, "rotate", "nope")
    assert status == 1 and "SecretNotFound" in err
    status, err = run(capsys, data, "create-client-key", "--out", str(tmp_path / "k"))
    assert status == 2 and "--allow-secret" in err
    status, err = run(
        capsys, data, "create-client-key", "--policy", '{"Statement": 1}', "--out", str(tmp_path)
    )
    assert status == 2 and "--policy" in err
    status, err = run(
        capsys,
        data,
        "create-client-key",
        "--allow-secret",
        "s",
        "--source-ip",
        "not-an-ip",
        "--out",
        str(tmp_path),
    )
    assert status == 2 and "--source-ip" in err


def test_rotate_keeps_two_keys(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    capsys.readouterr()
    status, made = run(
        capsys, data, "create-secret", "s", "--ram-user", "app", "--rotation-interval", "0"
    )
    assert status == 0
    assert made["AutomaticRotation"] == "Disabled" and made["NextRotationDate"] is None
    first = made["CurrentVersion"]["AccessKeyId"]
    _, rotated = run(capsys, data, "rotate", "s")
    assert rotated["CurrentVersion"]["AccessKeyId"] != first
    # the secret holds both of the user's keys: a third is refused
    assert main(["ram", "create-access-key", "--user", "app", "--data", str(data)]) == 1


@pytest.mark.parametrize(
    ("text", "seconds"), [("7d", 604800), ("6h", 21600), ("15m", 900), ("30s", 30), ("45", 45)]
)
def test_durations(text: str, seconds: int) -> None:
    assert duration(text) == seconds


def test_bad_duration() -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        duration("1w")


@pytest.mark.parametrize(
    "args",
    [
        ("create-secret", "big", "--ram-user", "app", "--rotation-interval", "99999999999999d"),
        ("create-secret", "big", "--ram-user", "app", "--rotation-interval", "366d"),
        ("create-client-key", "--allow-secret", "s", "--validity-days", "-5"),
        ("create-client-key", "--allow-secret", "s", "--validity-days", "99999999999"),
    ],
)
def test_out_of_range_numbers_are_refused_plainly(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    if args[0] == "create-client-key":
        args = (*args, "--out", str(tmp_path / "k"))
    with pytest.raises(SystemExit) as exited:
        run(capsys, data, *args)
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_the_store_keeps_only_the_public_half_of_a_client_key(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization

    from ossbox.store.sqlite import DB_FILE

    capsys.readouterr()
    status, made = run(
        capsys, data, "create-client-key", "--allow-secret", "s", "--out", str(tmp_path / "k")
    )
    assert status == 0
    password = Path(made["PasswordFile"]).read_text()
    key = ClientKey.load(made["PrivateKeyFile"], password).private_key
    private_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    d = key.private_numbers().d.to_bytes(256, "big")
    blob = json.loads(Path(made["PrivateKeyFile"]).read_text())["PrivateKeyData"]
    stored = b"".join(p.read_bytes() for p in data.glob(f"{DB_FILE}*"))
    pem_line = base64.b64encode(private_der)[100:164]  # a line from inside a PEM form
    for secret in (private_der, pem_line, d, blob.encode(), password.encode()):
        assert secret not in stored
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public in stored
