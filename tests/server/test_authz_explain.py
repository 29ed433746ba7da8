"""`ossbox explain`: the decision, the sentence, the deciding statements as written, and the
exit status, on a data directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.main import main
from ossbox.store import open_store
from ossbox.store.base import Bucket

ACCOUNT = "1000000000000001"
OTHER = "2000000000000002"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("explain")
    store = open_store(data)
    (data / "account-id").write_text(ACCOUNT + "\n")
    store.meta.create_account(ACCOUNT)
    store.meta.create_bucket(Bucket(name="examplebucket", owner_id=ACCOUNT, region="cn-hangzhou"))
    shared = document(
        {
            "Sid": "anyone-reads-pub",
            "Effect": "Allow",
            "Action": "oss:GetObject",
            "Resource": "acs:oss:*:*:examplebucket/pub/*",
            "Principal": ["*"],
        }
    )
    store.meta.update_bucket("examplebucket", policy=shared)
    seed = document(
        {
            "Effect": "Allow",
            "Action": ["oss:PutObject", "oss:GetObject"],
            "Resource": "acs:oss:*:*:examplebucket/*",
        },
        {
            "Sid": "office-only-secret",
            "Effect": "Deny",
            "Action": "oss:*",
            "Resource": "acs:oss:*:*:examplebucket/secret/*",
            "Condition": {"NotIpAddress": {"acs:SourceIp": "203.0.113.0/24"}},
        },
    )
    store.ram.create_user(ACCOUNT, "alice")
    store.ram.create_policy(ACCOUNT, "RamTestPolicy", seed)
    store.ram.attach_policy(ACCOUNT, "Custom", "RamTestPolicy", "User", "alice")
    trust = document(
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [ACCOUNT]}}
    )
    store.ram.create_role(ACCOUNT, "reader", trust)
    store.ram.attach_policy(ACCOUNT, "System", "AliyunOSSReadOnlyAccess", "Role", "reader")
    store.ram.create_user(OTHER, "mallory")
    store.ram.attach_policy(OTHER, "System", "AliyunOSSFullAccess", "User", "mallory")
    store.close()
    return data


def explain(data: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    status = main(["explain", "--data", str(data), *args])
    captured = capsys.readouterr()
    return status, (captured.out or captured.err).splitlines()


ARN = "acs:oss:*:*:examplebucket/"


def test_allowed_names_the_statement_and_prints_it(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = explain(
        data, capsys, "--principal", "user/alice", "--action", "oss:GetObject",
        "--resource", ARN + "a.txt",
    )  # fmt: skip
    assert status == 0
    assert lines[0] == (
        f'Allowed: oss:GetObject on {ARN}a.txt is allowed by policy "RamTestPolicy" Statement[0].'
    )
    assert lines[1] == "Deciding statements:"
    assert lines[2] == '  identity "RamTestPolicy" Statement[0] Allow:'
    assert json.loads(lines[3])["Action"] == ["oss:PutObject", "oss:GetObject"]
    assert lines[-1].startswith('Context: {"acs:CurrentTime": "')


def test_an_explicit_deny_with_its_condition(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--principal", "user/alice", "--action", "oss:GetObject", "--resource"]
    status, lines = explain(
        data, capsys, *args, ARN + "secret/a", "--context", "acs:SourceIp=198.51.100.1"
    )
    assert status == 1
    assert lines[0].startswith(f"Denied: oss:GetObject on {ARN}secret/a is explicitly denied by ")
    assert '"RamTestPolicy" Statement[1] Sid "office-only-secret" Deny:' in "\n".join(lines)
    status, lines = explain(
        data, capsys, *args, ARN + "secret/a", "--context", "acs:SourceIp=203.0.113.7"
    )
    assert status == 0


def test_an_implicit_deny_mentions_the_acl(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = explain(
        data, capsys, "--principal", "user/alice", "--action", "oss:DeleteObject",
        "--resource", ARN + "a.txt",
    )  # fmt: skip
    assert status == 1
    assert "implicitly denied because no RAM policy or bucket policy allows it" in lines[0]
    assert 'the bucket ACL ("private")' in lines[1]


def test_the_bucket_policy_decides_for_anonymous(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--principal", "anonymous", "--action", "oss:GetObject", "--resource"]
    status, lines = explain(data, capsys, *args, ARN + "pub/x")
    assert status == 0
    assert 'bucket policy Statement[0] (Sid "anyone-reads-pub")' in lines[0]
    assert '  resource "bucket policy" Statement[0] Sid "anyone-reads-pub" Allow:' in lines
    assert explain(data, capsys, *args, ARN + "priv/x")[0] == 1


def test_another_account_needs_the_bucket_policy(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--account", OTHER, "--principal", "user/mallory", "--action", "oss:PutObject"]
    status, lines = explain(data, capsys, *args, "--resource", ARN + "a.txt")
    assert status == 1
    assert lines[0].startswith("Allowed: ")  # what its own policies say...
    assert lines[1].startswith("Denied after all: bucket examplebucket belongs to account")


def test_the_owner_root_and_ram_root(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = explain(
        data, capsys, "--principal", "root", "--action", "oss:DeleteBucket",
        "--resource", "acs:oss:*:*:examplebucket",
    )  # fmt: skip
    assert (status, lines[0]) == (
        0,
        f"Allowed: the root account of {ACCOUNT} owns bucket examplebucket.",
    )
    status, _ = explain(
        data, capsys, "--principal", "root", "--action", "ram:CreateUser",
        "--resource", f"acs:ram:*:{ACCOUNT}:user/bob",
    )  # fmt: skip
    assert status == 0


def test_context_keys_repeat_and_override_the_defaults(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines = explain(
        data, capsys, "--principal", "user/alice", "--action", "oss:GetObject",
        "--resource", ARN + "a", "--context", "acs:UserAgent=a", "--context", "acs:UserAgent=b",
        "--context", "acs:SecureTransport=true",
    )  # fmt: skip
    context = json.loads(lines[-1].removeprefix("Context: "))
    assert context["acs:UserAgent"] == ["a", "b"]
    assert context["acs:SecureTransport"] == "true"


def test_a_role_is_explained_by_its_policies(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--principal", "role/reader", "--resource", ARN + "a"]
    status, lines = explain(data, capsys, *args, "--action", "oss:GetObject")
    assert status == 0
    assert 'policy "AliyunOSSReadOnlyAccess" Statement[0]' in lines[0]
    assert explain(data, capsys, *args, "--action", "oss:PutObject")[0] == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--principal", "user/nobody"], "no RAM user 'nobody'"),
        (["--principal", "role/none"], "no RAM role 'none'"),
        (["--principal", "group/x"], "--principal wants"),
        (["--principal", "root", "--context", "novalue"], "--context wants KEY=VALUE"),
    ],
)
def test_bad_arguments_exit_2(
    data: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    status, lines = explain(
        data, capsys, *args, "--action", "oss:GetObject", "--resource", ARN + "a"
    )
    assert status == 2
    assert says in lines[0]


def test_no_data_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = explain(
        tmp_path, capsys, "--principal", "root", "--action", "oss:GetObject", "--resource", "*"
    )
    assert status == 2
    assert "no ossbox data" in lines[0]
