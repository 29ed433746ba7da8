"""First start: the root account and its AccessKey, from the environment or generated."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ossbox.server.bootstrap import ensure_root
from ossbox.store import open_store


def test_generated_root_key_is_written_0600_and_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(tmp_path)
    account_id = ensure_root(store, tmp_path, {})
    creds_file = tmp_path / "root-credentials"
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600
    values = dict(line.split("=", 1) for line in creds_file.read_text().splitlines())
    key = store.meta.get_access_key(values["OSSBOX_ROOT_ACCESS_KEY_ID"])
    assert key is not None and key.secret == values["OSSBOX_ROOT_ACCESS_KEY_SECRET"]
    assert key.account_id == account_id == values["OSSBOX_ACCOUNT_ID"]
    assert values["OSSBOX_ROOT_ACCESS_KEY_SECRET"] in capsys.readouterr().err

    # A restart neither makes a new key nor prints the secret again.
    assert ensure_root(store, tmp_path, {}) == account_id
    assert capsys.readouterr().err == ""
    assert len(store.meta.list_access_keys(account_id, principal_type="root")) == 1
    store.close()


def test_root_key_and_account_from_environment(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    env = {
        "OSSBOX_ROOT_ACCESS_KEY_ID": "LTAIenvkey",
        "OSSBOX_ROOT_ACCESS_KEY_SECRET": "env-secret",
        "OSSBOX_ACCOUNT_ID": "1111222233334444",
    }
    assert ensure_root(store, tmp_path, env) == "1111222233334444"
    key = store.meta.get_access_key("LTAIenvkey")
    assert key is not None and key.secret == "env-secret" and key.principal_type == "root"
    assert not (tmp_path / "root-credentials").exists()
    # The account id is fixed at first start, whatever a later environment says.
    assert ensure_root(store, tmp_path, {**env, "OSSBOX_ACCOUNT_ID": "9"}) == "1111222233334444"
    store.close()


def test_secret_is_not_stored_in_clear(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    ensure_root(
        store,
        tmp_path,
        {"OSSBOX_ROOT_ACCESS_KEY_ID": "LTAIk", "OSSBOX_ROOT_ACCESS_KEY_SECRET": "Sup3rSecretValue"},
    )
    store.close()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"Sup3rSecretValue" not in path.read_bytes(), path
