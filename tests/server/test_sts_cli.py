"""`ossbox sts revoke-sessions`: writes the role's cutoff to the store, without recovery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ossbox.cli.main import main
from ossbox.store import open_store

ACCOUNT = "1234567890123456"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    open_store(tmp_path).close()
    (tmp_path / "account-id").write_text(ACCOUNT + "\n")
    return tmp_path


def cutoffs(data: Path) -> dict[tuple[str, str], datetime]:
    store = open_store(data)
    try:
        return store.meta.role_session_revocations()
    finally:
        store.close()


def test_revoke_before_an_explicit_time(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sts", "revoke-sessions", "--data", str(data), "--role", "RamOssTest"]
    assert main([*argv, "--before", "2026-05-06T07:08:09Z"]) == 0
    assert cutoffs(data) == {(ACCOUNT, "RamOssTest"): datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)}
    out = capsys.readouterr().out
    assert "issued before 2026-05-06T07:08:09Z are revoked" in out
    assert "within 1 s" in out


def test_revoke_defaults_to_now_and_another_account(data: Path) -> None:
    before = datetime.now(UTC)
    argv = ["sts", "revoke-sessions", "--data", str(data), "--role", "R", "--account", "42"]
    assert main(argv) == 0
    cutoff = cutoffs(data)[("42", "R")]
    assert before <= cutoff <= datetime.now(UTC)


def test_a_time_without_zone_is_utc(data: Path) -> None:
    argv = ["sts", "revoke-sessions", "--data", str(data), "--role", "R"]
    assert main([*argv, "--before", "2026-01-02T03:04:05"]) == 0
    assert cutoffs(data)[(ACCOUNT, "R")] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_bad_time_is_a_usage_error(data: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sts", "revoke-sessions", "--data", str(data), "--role", "R", "--before", "soon"])
    assert caught.value.code == 2


def test_no_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sts", "revoke-sessions", "--data", str(tmp_path / "x"), "--role", "R"]) == 2
    assert "no ossbox data" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_missing_account_file_needs_account(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    assert main(["sts", "revoke-sessions", "--data", str(tmp_path), "--role", "R"]) == 2
