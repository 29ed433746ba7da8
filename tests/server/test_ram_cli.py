"""`ossbox ram ...` on a data directory, beside a running server or not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.main import main
from ossbox.store import open_store
from tests.compat.test_ram_api import SEED_POLICY, Ram, unique
from tests.conftest import LiveServer, bootstrapped_data_dir

ACCOUNT = "1357924680135792"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data directory as `ossbox serve` leaves it."""
    return bootstrapped_data_dir(tmp_path / "data", ACCOUNT, "LTAIcliroot0001", "cli-root-secret")


def ram(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> dict[str, Any]:
    assert main(["ram", args[0], "--data", str(data), *args[1:]]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def refused(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> str:
    assert main(["ram", args[0], "--data", str(data), *args[1:]]) == 1
    return capsys.readouterr().err


def test_seed_steps_through_the_cli(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    user = ram(capsys, data, "create-user", "ramosstest", "--display-name", "ramosstest")["User"]
    assert len(user["UserId"]) == 16
    key = ram(capsys, data, "create-access-key", "--user", "ramosstest")["AccessKey"]
    assert key["AccessKeySecret"] and key["Status"] == "Active"
    ram(capsys, data, "attach-policy", "AliyunSTSAssumeRoleAccess", "--user", "ramosstest")
    role = ram(capsys, data, "create-role", "RamOssTest")["Role"]
    assert role["Arn"] == f"acs:ram::{ACCOUNT}:role/RamOssTest"
    assert f"acs:ram::{ACCOUNT}:root" in role["AssumeRolePolicyDocument"]
    document = tmp_path / "policy.json"
    document.write_text(json.dumps(SEED_POLICY))
    ram(capsys, data, "create-policy", "RamTestPolicy", "--document", f"@{document}")
    attached = ram(capsys, data, "attach-policy", "RamTestPolicy", "--role", "RamOssTest")
    assert attached["PolicyType"] == "Custom"

    store = open_store(data)
    try:
        assert [p.name for p in store.ram.policies_for_role(ACCOUNT, "RamOssTest")] == [
            "RamTestPolicy"
        ]
        stored = store.meta.get_access_key(key["AccessKeyId"])
        assert stored is not None and stored.secret == key["AccessKeySecret"]
    finally:
        store.close()
    users = ram(capsys, data, "list-users")["Users"]["User"]
    assert [u["UserName"] for u in users] == ["ramosstest"]
    roles = ram(capsys, data, "list-roles")["Roles"]["Role"]
    assert [r["RoleName"] for r in roles] == ["RamOssTest"]
    custom = ram(capsys, data, "list-policies", "--type", "Custom")["Policies"]["Policy"]
    assert [p["PolicyName"] for p in custom] == ["RamTestPolicy"]


def test_refusals_print_ram_codes(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    ram(capsys, data, "create-user", "dup")
    assert "EntityAlreadyExists.User" in refused(capsys, data, "create-user", "dup")
    assert "InvalidParameter.UserName.InvalidChars" in refused(
        capsys, data, "create-user", "bad name"
    )
    bad = refused(capsys, data, "create-policy", "Bad", "--document", '{"Version":"2"}')
    assert "MalformedPolicyDocument" in bad and "Version" in bad
    assert "EntityNotExist.Policy" in refused(
        capsys, data, "attach-policy", "Nope", "--user", "dup"
    )
    ram(capsys, data, "create-access-key", "--user", "dup")
    ram(capsys, data, "create-access-key", "--user", "dup")
    limit = refused(capsys, data, "create-access-key", "--user", "dup")
    assert "LimitExceeded.User.AccessKey" in limit
    duration = refused(capsys, data, "create-role", "R", "--max-session-duration", "60")
    assert "InvalidParameter.MaxSessionDuration" in duration


def test_group_commands(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    ram(capsys, data, "create-user", "u")
    ram(capsys, data, "create-group", "g")
    ram(capsys, data, "add-user-to-group", "g", "u")
    ram(capsys, data, "attach-policy", "AliyunOSSReadOnlyAccess", "--group", "g")
    store = open_store(data)
    try:
        assert [p.name for p in store.ram.policies_for_user(ACCOUNT, "u")] == [
            "AliyunOSSReadOnlyAccess"
        ]
    finally:
        store.close()


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, data: Path) -> None:
    assert main(["ram", "list-users", "--data", str(tmp_path / "empty")]) == 2
    assert "no ossbox data" in capsys.readouterr().err
    assert main(["ram", "attach-policy", "P", "--data", str(data)]) == 2
    assert "exactly one of" in capsys.readouterr().err
    missing = str(tmp_path / "missing.json")
    assert (
        main(["ram", "create-policy", "P", "--data", str(data), "--document", f"@{missing}"]) == 2
    )


def test_cli_beside_a_running_server(
    capsys: pytest.CaptureFixture[str], live_server: LiveServer
) -> None:
    """A user and key made with the CLI authenticate on the running server at once."""
    name = unique("cli")
    ram(capsys, live_server.data_dir, "create-user", name)
    key = ram(capsys, live_server.data_dir, "create-access-key", "--user", name)["AccessKey"]
    identity = Ram(live_server, key["AccessKeyId"], key["AccessKeySecret"]).caller_identity()
    assert identity["Arn"] == f"acs:ram::{live_server.account_id}:user/{name}"
