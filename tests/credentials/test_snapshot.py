from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ossbox.credentials.snapshot import Credentials

SECRET = "Sup3rSecretValue"
TOKEN = "CAIStokenValue+/="


def make() -> Credentials:
    return Credentials(
        "LTAI5tAbCdEfGh1234",
        SECRET,
        TOKEN,
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        "default/env",
    )


def test_repr_shows_only_the_key_id_tail_and_hides_secrets() -> None:
    text = repr(make())
    assert "…1234" in text
    assert "LTAI5tAbCdEfGh" not in text
    assert SECRET not in text and TOKEN not in text
    assert "2030-01-02T03:04:05Z" in text and "default/env" in text
    assert str(make()) == text
    assert SECRET not in f"{make()}" and SECRET not in f"{[make()]}"


def test_pickle_is_refused_at_every_protocol() -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="refuse"):
            pickle.dumps(make(), protocol=protocol)


def test_copies_are_the_same_immutable_object() -> None:
    c = make()
    assert copy.copy(c) is c and copy.deepcopy(c) is c
    with pytest.raises(AttributeError):
        c.access_key_secret = "x"  # type: ignore[misc]


def test_expiration_is_normalised_to_utc_and_must_be_aware() -> None:
    east8 = timezone(timedelta(hours=8))
    c = Credentials("a", "b", expiration=datetime(2030, 1, 1, 8, tzinfo=east8))
    assert c.expiration == datetime(2030, 1, 1, tzinfo=UTC) and c.expiration.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        Credentials("a", "b", expiration=datetime(2030, 1, 1))


def test_oss2_style_getters_and_lifetime() -> None:
    c = make()
    assert (c.get_access_key_id(), c.get_access_key_secret(), c.get_security_token()) == (
        "LTAI5tAbCdEfGh1234",
        SECRET,
        TOKEN,
    )
    assert c.get_provider_name() == "default/env"
    assert c.ttl(c.expires_at - 10) == 10
    never = Credentials("a", "b", "")
    assert never.security_token is None and never.ttl(0) == float("inf")


def test_with_provider_keeps_everything_else() -> None:
    c = make().with_provider("default/cli_profile/ram_role_arn")
    assert c.provider == "default/cli_profile/ram_role_arn" and c.access_key_secret == SECRET
