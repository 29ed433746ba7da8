"""ossbox.atomic_files: the one way keys, tokens and snapshots reach the disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ossbox.atomic_files import create_private, write_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_private_keeps_the_first_file(tmp_path: Path) -> None:
    target = tmp_path / "keys" / "master.key"
    assert create_private(target, b"first") is True
    assert create_private(target, b"second") is False  # a racing process uses the winner's
    assert target.read_bytes() == b"first"
    assert _mode(target) == 0o600 and _mode(target.parent) == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == ["master.key"]  # no temp left


@pytest.mark.parametrize("durable", [True, False])
def test_write_private_replaces_with_the_given_mode(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "cert.pem"
    write_private(target, b"old")
    write_private(target, b"new", mode=0o644, durable=durable)
    assert target.read_bytes() == b"new" and _mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["cert.pem"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "token"
    write_private(target, b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", full_disk)
    with pytest.raises(OSError):
        write_private(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["token"]
