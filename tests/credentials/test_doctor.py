"""`ossbox credentials doctor`: the chain's decisions, no network, no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ossbox.cli.main import main
from tests.credentials.fakes import FakeImds, serving

SECRET = "doctor-secret-value"


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "OSS_ACCESS_KEY_ID", "ALIBABA_CLOUD_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)


def test_doctor_shows_decisions_without_secrets_or_network(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serving(FakeImds()) as imds:
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIdoctorKey9999")
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "doctor-token-value")
        monkeypatch.delenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", raising=False)
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA", "EcsRole")
        monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_ENDPOINT", imds.url)
        assert main(["credentials", "doctor"]) == 0
        assert imds.seen == []
    out = capsys.readouterr().out
    assert "would try" in out and "…9999" in out and "STS token" in out
    assert "not reached" in out and "role EcsRole" in out
    for secret in (SECRET, "doctor-token-value", "LTAIdoctorKey"):
        assert secret not in out


def test_doctor_json_and_exit_status_when_nothing_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    monkeypatch.delenv("ALIBABA_CLOUD_CREDENTIALS_URI", raising=False)
    assert main(["credentials", "doctor", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [r["status"] for r in rows] == ["skipped"] * 6


def test_doctor_reports_a_bad_pin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_CREDENTIALS_PROVIDER", "env,nonsense")
    assert main(["credentials", "doctor"]) == 2
    assert "unknown steps" in capsys.readouterr().out
