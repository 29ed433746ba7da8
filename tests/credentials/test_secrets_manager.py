"""SecretsManagerRotatedAKProvider without a server: its schedule on a fake clock, the
properties file, and what counts as a refused key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ossbox.credentials import ClientKey, ClientKeyError, FakeClock
from ossbox.credentials.clock import to_datetime
from ossbox.credentials.http import Exchange
from ossbox.credentials.providers.secrets_manager import (
    SecretsManagerRotatedAKProvider,
    read_properties,
)
from ossbox.credentials.snapshot import Credentials

KEY = ClientKey("KAAP.test", rsa.generate_private_key(public_exponent=65537, key_size=2048))


class Scripted(SecretsManagerRotatedAKProvider):
    """Answers GetSecretValue from a list of bodies instead of the network."""

    def __init__(self, bodies: list[dict[str, Any]], clock: FakeClock, **options: Any) -> None:
        self.bodies = bodies
        self.calls = 0
        super().__init__("s", endpoint="127.0.0.1:1", client_key=KEY, clock=clock, **options)

    def _exchange(self) -> Exchange[Credentials]:
        self.calls += 1
        body = self.bodies.pop(0)
        self._plan_next_poll(body, self._clock())
        return self._credentials(body)
        yield  # a generator that never sends a request


def body(ak: str, clock: FakeClock, next_in: float | None, interval: int = 3600) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "SecretData": json.dumps({"AccessKeyId": ak, "AccessKeySecret": "s-" + ak})
    }
    if next_in is not None:
        next_rotation = to_datetime(clock.now + next_in).strftime("%Y-%m-%dT%H:%M:%SZ")
        answer.update(NextRotationDate=next_rotation, RotationInterval=f"{interval}s")
    return answer


def test_refreshes_just_after_the_next_rotation() -> None:
    clock = FakeClock()
    provider = Scripted([body("A", clock, 100), body("B", clock, 3700)], clock, max_jitter=5)
    first = provider.get_credentials()
    assert first.access_key_id == "A"
    # valid as current until NextRotationDate, then as ACSPrevious one more interval
    assert first.expiration == to_datetime(clock.now + 100) + timedelta(seconds=3600)
    clock.advance(99)
    assert provider.get_credentials().access_key_id == "A" and provider.calls == 1
    clock.advance(1 + 5 + 0.01)  # past NextRotationDate plus the largest jitter
    assert provider.get_credentials().access_key_id == "B" and provider.calls == 2


def test_polls_when_rotation_is_off() -> None:
    clock = FakeClock()
    provider = Scripted([body("A", clock, None), body("B", clock, None)], clock, poll_interval=1000)
    assert provider.get_credentials().expiration is None
    clock.advance(899)
    assert provider.get_credentials().access_key_id == "A"
    clock.advance(202)  # beyond poll_interval + 10 %
    assert provider.get_credentials().access_key_id == "B"


def test_handle_error_forgets_a_refused_key() -> None:
    clock = FakeClock()
    provider = Scripted([body("A", clock, None), body("B", clock, None)], clock)
    provider.get_credentials()

    class Oss2Error(Exception):
        code = "InvalidAccessKeyId"

    class SdkCoreError(Exception):
        def get_error_code(self) -> str:
            return "InvalidAccessKeyId.NotFound"

    assert provider.handle_error(Exception("unrelated")) is False
    assert provider.get_credentials().access_key_id == "A"
    assert provider.handle_error(Oss2Error()) is True
    assert provider.get_credentials().access_key_id == "B"
    assert provider.handle_error(SdkCoreError()) is True


def test_bad_secret_data_is_a_fetch_error() -> None:
    clock = FakeClock()
    provider = Scripted([{"SecretData": "plain text"}], clock)
    with pytest.raises(Exception, match="SecretData is not a RAM credential"):
        provider.get_credentials()


@pytest.fixture
def properties(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "secretsmanager.properties"
    path.write_text(
        "# comment\ncredentials_type=client_key\n"
        "client_key_password_from_env_variable=MY_CK_PASSWORD\n"
        f"client_key_private_key_path={tmp_path / 'missing.json'}\n"
        'cache_client_region_id=[{"regionId":"cn-hangzhou","endpoint":"127.0.0.1:9000"}]\n'
    )
    yield path


def test_properties_are_read_as_the_official_client_reads_them(properties: Path) -> None:
    props = read_properties(properties)
    assert props["credentials_type"] == "client_key"
    assert json.loads(props["cache_client_region_id"])[0]["endpoint"] == "127.0.0.1:9000"


def test_properties_errors_are_clear(properties: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_CK_PASSWORD", raising=False)
    with pytest.raises(ClientKeyError, match="no ClientKey password"):
        SecretsManagerRotatedAKProvider.from_properties(properties, secret_name="s")
    monkeypatch.setenv("MY_CK_PASSWORD", "pw")
    with pytest.raises(ClientKeyError, match="cannot be read"):
        SecretsManagerRotatedAKProvider.from_properties(properties, secret_name="s")
    properties.write_text("credentials_type=ak\n")
    with pytest.raises(ClientKeyError, match="must be client_key"):
        SecretsManagerRotatedAKProvider.from_properties(properties, secret_name="s")


def test_client_key_never_pickles_nor_shows_its_key() -> None:
    import pickle

    assert repr(KEY) == "ClientKey(key_id='KAAP.test')"
    with pytest.raises(TypeError):
        pickle.dumps(KEY)


@pytest.mark.parametrize(
    "schedule",
    [
        {"NextRotationDate": "tomorrow", "RotationInterval": "3600s"},
        {"NextRotationDate": "2026-12-01T00:00:00Z", "RotationInterval": "²s"},
        {"NextRotationDate": "2026-12-01T00:00:00Z", "RotationInterval": "9" * 5000 + "s"},
        {"NextRotationDate": "2026-12-01T00:00:00Z", "RotationInterval": "99999999999999s"},
        {"NextRotationDate": "9999-12-31T23:59:59Z", "RotationInterval": "86400s"},
    ],
)
def test_a_bad_rotation_schedule_is_a_fetch_error(schedule: dict[str, str]) -> None:
    from ossbox.credentials import CredentialsFetchError

    clock = FakeClock()
    good = body("A", clock, None)
    provider = Scripted([{**good, **schedule}], clock)
    with pytest.raises(CredentialsFetchError, match="rotation schedule"):
        provider.get_credentials()


def test_an_answer_nested_too_deeply_is_a_fetch_error() -> None:
    from ossbox.credentials import CredentialsFetchError
    from ossbox.credentials.http import Response, upstream_error

    deep = Response(200, b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(CredentialsFetchError, match="JSON object"):
        deep.json_object("p", "KMS")
    refused = Response(403, b"[" * 100_000 + b"]" * 100_000)
    assert upstream_error("p", refused, what="GetSecretValue failed").status == 403
