"""Sealed STS tokens: round trip, and every tamper, truncation or foreign key is refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ossbox.server.sts.tokens import (
    ACCESS_KEY_PREFIX,
    TOKEN_VERSION,
    InvalidToken,
    RoleSession,
    StsCredentials,
    issue,
    open_token,
    seal,
)
from ossbox.store.crypto import MasterKey

KEY = MasterKey.generate()
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
POLICY = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}'
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def session(policy: str | None = POLICY, **changes: object) -> RoleSession:
    fields: dict[str, object] = dict(
        account_id="1234567890123456",
        role_name="RamOssTest",
        role_id="300000000000000001",
        session_name="alice",
        caller_arn="acs:ram::1234567890123456:user/alice",
        policy=policy,
        issued_at=T0,
        expires_at=T0 + timedelta(seconds=900),
    )
    fields.update(changes)
    return RoleSession(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def creds() -> StsCredentials:
    return issue(KEY, session())


def test_round_trip(creds: StsCredentials) -> None:
    opened = open_token(KEY, creds.token)
    assert opened == creds
    assert opened.session.policy == POLICY
    assert opened.session.expires_at == T0 + timedelta(seconds=900)


def test_access_key_shape_and_no_secret_in_repr(creds: StsCredentials) -> None:
    assert creds.access_key_id.startswith(ACCESS_KEY_PREFIX)
    assert len(creds.access_key_id) == len(ACCESS_KEY_PREFIX) + 24
    assert creds.secret.isalnum() and len(creds.secret) == 40
    text = repr(creds)
    assert creds.secret not in text and creds.token not in text
    assert issue(KEY, session()).access_key_id != creds.access_key_id


def test_token_is_url_safe_ascii_and_not_plaintext(creds: StsCredentials) -> None:
    assert set(creds.token) <= set(B64)
    raw = base64.urlsafe_b64decode(creds.token + "=" * (-len(creds.token) % 4))
    assert raw[:1] == TOKEN_VERSION
    assert b"RamOssTest" not in raw and creds.secret.encode() not in raw


def test_names_of_the_session() -> None:
    s = session()
    assert s.arn == "acs:ram::1234567890123456:assumed-role/RamOssTest/alice"
    assert s.role_arn == "acs:ram::1234567890123456:role/RamOssTest"
    assert s.assumed_role_id == "300000000000000001:alice"


def test_expiry_is_exclusive_at_the_expiration_second() -> None:
    s = session()
    assert not s.expired(T0)
    assert not s.expired(s.expires_at - timedelta(microseconds=1))
    assert s.expired(s.expires_at)


def test_every_single_character_change_is_invalid(creds: StsCredentials) -> None:
    token = creds.token
    for i, ch in enumerate(token):
        other = B64[(B64.index(ch) + 1) % len(B64)]
        with pytest.raises(InvalidToken):
            open_token(KEY, token[:i] + other + token[i + 1 :])


def test_every_byte_flip_is_invalid(creds: StsCredentials) -> None:
    raw = bytearray(base64.urlsafe_b64decode(creds.token + "=" * (-len(creds.token) % 4)))
    for i in range(len(raw)):
        for bit in (0x01, 0x80):
            tampered = bytearray(raw)
            tampered[i] ^= bit
            text = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
            with pytest.raises(InvalidToken):
                open_token(KEY, text)


def test_every_truncation_and_extension_is_invalid(creds: StsCredentials) -> None:
    token = creds.token
    for cut in range(len(token)):
        with pytest.raises(InvalidToken):
            open_token(KEY, token[:cut])
    for extra in ("A", "AA", "=", "==", " ", "\n", "!"):
        with pytest.raises(InvalidToken):
            open_token(KEY, token + extra)


def test_padded_or_standard_alphabet_spelling_is_invalid(creds: StsCredentials) -> None:
    raw = base64.urlsafe_b64decode(creds.token + "=" * (-len(creds.token) % 4))
    standard = base64.b64encode(raw).decode()
    if standard.rstrip("=") != creds.token:  # holds when the token has a - or _
        with pytest.raises(InvalidToken):
            open_token(KEY, standard)
    with pytest.raises(InvalidToken):
        open_token(KEY, base64.urlsafe_b64encode(raw).decode() + "=" * 4)


def test_another_master_key_is_invalid(creds: StsCredentials) -> None:
    with pytest.raises(InvalidToken):
        open_token(MasterKey.generate(), creds.token)


def test_another_version_byte_is_invalid(creds: StsCredentials) -> None:
    raw = base64.urlsafe_b64decode(creds.token + "=" * (-len(creds.token) % 4))
    for version in (b"\x00", b"\x02", b"\xff"):
        text = base64.urlsafe_b64encode(version + raw[1:]).rstrip(b"=").decode()
        with pytest.raises(InvalidToken):
            open_token(KEY, text)


def test_data_sealed_by_the_master_key_for_another_purpose_is_invalid() -> None:
    # e.g. an AccessKey secret sealed at rest: same key, different AAD.
    sealed = TOKEN_VERSION + KEY.seal(b'{"account_id":"1"}', aad=b"access-key/LTAI1")
    with pytest.raises(InvalidToken):
        open_token(KEY, base64.urlsafe_b64encode(sealed).rstrip(b"=").decode())


@pytest.mark.parametrize("junk", ["", "CAIS", "é" * 40, "x" * 20000, "====", "AAAA" * 10])
def test_junk_is_invalid(junk: str) -> None:
    with pytest.raises(InvalidToken):
        open_token(KEY, junk)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600))
def test_arbitrary_text_is_never_accepted_nor_crashes(text: str) -> None:
    with pytest.raises(InvalidToken):
        open_token(KEY, text)


def test_a_session_without_policy_and_with_unicode_round_trips() -> None:
    s = session(policy=None, session_name="a.b@c-d_e", caller_arn="acs:ram::1:user/é")
    creds = issue(KEY, s)
    assert open_token(KEY, creds.token).session == s


@pytest.mark.parametrize("ms", [0, 1, 123, 999])
def test_issue_time_keeps_milliseconds_exactly(ms: int) -> None:
    s = session(issued_at=T0.replace(microsecond=ms * 1000))
    assert open_token(KEY, issue(KEY, s).token).session.issued_at == s.issued_at


def test_seal_binds_the_access_key_given() -> None:
    token = seal(KEY, session(), "STS.given", "secret")
    opened = open_token(KEY, token)
    assert (opened.access_key_id, opened.secret) == ("STS.given", "secret")


def test_a_maximal_session_policy_token_stays_header_sized() -> None:
    big = (
        '{"Version":"1","Statement":['
        + ",".join(
            ['{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:b/x"}'] * 27
        )
        + "]}"
    )
    assert len(big) <= 2048
    creds = issue(KEY, session(policy=big))
    assert len(creds.token) < 4096
    assert open_token(KEY, creds.token).session.policy == big
