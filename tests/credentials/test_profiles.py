"""credentials.ini and ~/.aliyun/config.json profiles (HOME and environment read at call time)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ossbox.credentials.errors import CredentialsUnavailable, ProfileError
from ossbox.credentials.profiles import CliProfileProvider, IniProfileProvider, describe_fields
from tests.credentials.fakes import FakeImds, FakeServer, FakeSts, serving

AK, SK = "LTAIprofileKey0001", "profile#secret;with=chars"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CREDENTIALS_FILE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def sts() -> Iterator[FakeServer]:
    with serving(FakeSts(secrets={AK: SK})) as server:
        yield server


def write_ini(home: Path, text: str) -> Path:
    path = home / ".alibabacloud" / "credentials.ini"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def write_cli(home: Path, current: str, *profiles: dict[str, object]) -> Path:
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps({"current": current, "profiles": list(profiles)}))
    return path


def test_ini_values_are_never_cut_at_hash(home: Path) -> None:
    write_ini(
        home,
        f"# a comment\n[default]\ntype = access_key\naccess_key_id = {AK}\n"
        f"access_key_secret = {SK}\n",
    )
    got = IniProfileProvider().get_credentials()
    assert (got.access_key_id, got.access_key_secret) == (AK, SK)
    assert got.provider == "profile/static_ak"


def test_ini_profile_and_file_come_from_the_environment_at_call_time(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = home / "elsewhere.ini"
    other.write_text(
        "[default]\nenable = false\ntype = access_key\naccess_key_id = x\naccess_key_secret = y\n"
        "[client1]\nenable = true\ntype = sts\naccess_key_id = STS.k\naccess_key_secret = s\n"
        "security_token = tok\n"
    )
    provider = IniProfileProvider()  # constructed before the variables are set
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_FILE", str(other))
    with pytest.raises(CredentialsUnavailable, match="disabled"):
        IniProfileProvider().get_credentials()
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "client1")
    assert provider.get_credentials().security_token == "tok"


def test_ini_ram_role_arn_with_an_sts_endpoint(home: Path, sts: FakeServer) -> None:
    write_ini(
        home,
        f"[default]\ntype = ram_role_arn\naccess_key_id = {AK}\naccess_key_secret = {SK}\n"
        f'role_arn = acs:ram::1:role/r\nrole_session_name = s1\npolicy = {{"Version": "1"}}\n'
        f"role_session_expiration = 1800\nsts_endpoint = {sts.url}\n",
    )
    got = IniProfileProvider().get_credentials()
    assert got.provider == "profile/ram_role_arn" and got.expiration is not None
    q = sts.seen[0].query
    assert (q["RoleSessionName"], q["DurationSeconds"], q["Policy"]) == (
        "s1",
        "1800",
        '{"Version": "1"}',
    )


def test_ini_errors(home: Path) -> None:
    with pytest.raises(CredentialsUnavailable, match="does not exist"):
        IniProfileProvider().get_credentials()
    write_ini(home, "[default]\ntype = rsa_key_pair\n")
    with pytest.raises(ProfileError, match="unsupported type"):
        IniProfileProvider().get_credentials()
    write_ini(home, "[default]\ntype = access_key\naccess_key_id = x\n")
    with pytest.raises(ProfileError, match="access_key_secret is required"):
        IniProfileProvider().get_credentials()
    write_ini(home, "not an ini file")
    with pytest.raises(ProfileError, match="cannot be read"):
        IniProfileProvider().get_credentials()


def test_cli_ak_sts_and_profile_selection(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_cli(
        home,
        "dev",
        {"name": "dev", "mode": "AK", "access_key_id": AK, "access_key_secret": SK},
        {
            "name": "tmp",
            "mode": "StsToken",
            "access_key_id": "STS.x",
            "access_key_secret": "s",
            "sts_token": "t",
        },
    )
    got = CliProfileProvider().get_credentials()
    assert (got.access_key_id, got.provider) == (AK, "cli_profile/static_ak")
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "tmp")
    assert CliProfileProvider().get_credentials().security_token == "t"
    monkeypatch.setenv("ALIBABA_CLOUD_PROFILE", "absent")
    with pytest.raises(CredentialsUnavailable, match="no profile 'absent'"):
        CliProfileProvider().get_credentials()


def test_cli_chainable_role_arn_and_its_cycles(home: Path, sts: FakeServer) -> None:
    role = {
        "mode": "RamRoleArn",
        "access_key_id": AK,
        "access_key_secret": SK,
        "ram_role_arn": "acs:ram::1:role/a",
        "ram_session_name": "first",
        "expired_seconds": 900,
        "sts_endpoint": sts.url,
    }
    chained = {
        "name": "chained",
        "mode": "ChainableRamRoleArn",
        "source_profile": "role",
        "ram_role_arn": "acs:ram::1:role/b",
        "sts_endpoint": sts.url,
    }
    write_cli(home, "chained", {"name": "role", **role}, chained)
    fake: FakeSts = sts.handler  # type: ignore[assignment]
    fake.secrets["STS.NUCe0001"] = "sts-secret-1"  # let the first session sign the second call
    got = CliProfileProvider().get_credentials()
    assert got.access_key_id == "STS.NUCe0002" and got.provider == "cli_profile/ram_role_arn"
    assert [s.query["RoleArn"] for s in sts.seen] == ["acs:ram::1:role/a", "acs:ram::1:role/b"]
    assert sts.seen[1].query["SecurityToken"] == "CAIS+token/1=="

    loop = [
        {
            "name": "a",
            "mode": "ChainableRamRoleArn",
            "source_profile": "b",
            "ram_role_arn": "acs:ram::1:role/a",
        },
        {
            "name": "b",
            "mode": "ChainableRamRoleArn",
            "source_profile": "a",
            "ram_role_arn": "acs:ram::1:role/b",
        },
    ]
    write_cli(home, "a", *loop)
    with pytest.raises(ProfileError, match="cycle: a -> b -> a"):
        CliProfileProvider().get_credentials()
    write_cli(home, "a", {**loop[0], "source_profile": "a"})
    with pytest.raises(ProfileError, match="cycle: a -> a"):
        CliProfileProvider().get_credentials()
    write_cli(home, "a", {**loop[0], "source_profile": "missing"})
    with pytest.raises(ProfileError, match="'missing' does not exist"):
        CliProfileProvider().get_credentials()


def test_cli_ecs_uri_and_external(
    home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with serving(FakeImds()) as imds:
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", imds.url)
        write_cli(home, "ecs", {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"})
        assert CliProfileProvider().get_credentials().provider == "cli_profile/ecs_ram_role"
    helper = tmp_path / "helper.py"
    helper.write_text(
        'print(\'{"mode": "AK", "access_key_id": "LTAIext", "access_key_secret": "x"}\')'
    )
    write_cli(
        home,
        "ext",
        {"name": "ext", "mode": "External", "process_command": f"{sys.executable} {helper}"},
    )
    assert CliProfileProvider().get_credentials().access_key_id == "LTAIext"
    write_cli(home, "sso", {"name": "sso", "mode": "CloudSSO"})
    with pytest.raises(ProfileError, match="unsupported mode 'CloudSSO'"):
        CliProfileProvider().get_credentials()
    (home / ".aliyun" / "config.json").write_text("{broken")
    with pytest.raises(ProfileError, match="not valid JSON"):
        CliProfileProvider().get_credentials()


def test_descriptions_hold_no_secrets() -> None:
    text = describe_fields(
        {
            "mode": "RamRoleArn",
            "access_key_id": AK,
            "access_key_secret": SK,
            "ram_role_arn": "acs:ram::1:role/r",
            "credentials_uri": "http://127.0.0.1/creds?token=abc",
            "process_command": "helper --password hunter2",
        }
    )
    assert "…0001" in text and "acs:ram::1:role/r" in text and "program=helper" in text
    for secret in (SK, AK, "token=abc", "hunter2"):
        assert secret not in text
