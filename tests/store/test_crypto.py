from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from ossbox.store.crypto import ENV_VAR, MasterKey, MasterKeyError, SealError


def test_seal_round_trip_and_nonce_is_random() -> None:
    key = MasterKey.generate()
    a = key.seal(b"secret", aad=b"ak1")
    b = key.seal(b"secret", aad=b"ak1")
    assert a != b
    assert key.open(a, aad=b"ak1") == b"secret"


@pytest.mark.parametrize("flip", [0, 1, 13, -1])
def test_tampered_data_raises(flip: int) -> None:
    key = MasterKey.generate()
    sealed = bytearray(key.seal(b"secret", aad=b"ak1"))
    sealed[flip] ^= 0x01
    with pytest.raises(SealError):
        key.open(bytes(sealed), aad=b"ak1")


def test_wrong_aad_or_key_raises() -> None:
    key = MasterKey.generate()
    sealed = key.seal(b"secret", aad=b"ak1")
    with pytest.raises(SealError):
        key.open(sealed, aad=b"ak2")
    with pytest.raises(SealError):
        MasterKey.generate().open(sealed, aad=b"ak1")
    with pytest.raises(SealError):
        key.open(b"short", aad=b"ak1")


def test_repr_hides_key_material() -> None:
    raw = os.urandom(32)
    key = MasterKey(raw)
    text = repr(key) + str(key)
    assert raw.hex() not in text
    assert base64.b64encode(raw).decode() not in text
    with pytest.raises(TypeError):
        __import__("pickle").dumps(key)


def test_key_file_created_0600_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    first = MasterKey.load_or_create(tmp_path)
    path = tmp_path / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sealed = first.seal(b"x", aad=b"")
    second = MasterKey.load_or_create(tmp_path)
    assert second.open(sealed, aad=b"") == b"x"
    assert first.source == "file"
    assert [p.name for p in tmp_path.iterdir()] == ["master.key"]  # no temp file left


def test_loose_key_file_mode_is_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    MasterKey.load_or_create(tmp_path)
    path = tmp_path / "master.key"
    path.chmod(0o644)
    MasterKey.load_or_create(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "0600" in caplog.text
    assert path.read_text().strip() not in caplog.text


def test_env_key_wins_and_is_read_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = os.urandom(32)
    monkeypatch.setenv(ENV_VAR, base64.b64encode(raw).decode())
    key = MasterKey.load_or_create(tmp_path)
    assert key.source == "env"
    assert not (tmp_path / "master.key").exists()
    assert MasterKey(raw).open(key.seal(b"v", aad=b"a"), aad=b"a") == b"v"


@pytest.mark.parametrize("value", ["not base64!!", base64.b64encode(b"short").decode()])
def test_bad_env_key_is_a_clear_error_without_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(MasterKeyError) as err:
        MasterKey.load_or_create(tmp_path)
    assert ENV_VAR in str(err.value)
    assert value not in str(err.value)
