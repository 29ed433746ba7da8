"""STS credentials as sealed, stateless tokens.

A SecurityToken is `base64url(version byte + MasterKey.seal(JSON claims))`, authenticated with a
fixed AAD that includes the version byte. The claims carry the role session (account, role,
session name, caller, session policy, issue and expiry time) plus the AccessKeyId and secret
the token was issued with, so any server process holding the master key verifies a request
with no database read: open the token, compare its AccessKeyId with the request's, check the
clock, verify the signature with the secret inside.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ossbox.store.crypto import MasterKey, SealError

ACCESS_KEY_PREFIX = "STS."
TOKEN_VERSION = b"\x01"
_AAD = b"ossbox/sts-token/" + TOKEN_VERSION
_ALPHABET = string.ascii_letters + string.digits
_MAX_TOKEN_CHARS = 16 * 1024  # a sealed 2,048-char session policy is far below this
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class InvalidToken(Exception):
    """The token is not one this server issued (malformed, truncated, tampered, other key)."""


@dataclass(frozen=True)
class RoleSession:
    """Who an STS credential speaks for. Public: holds no secret."""

    account_id: str
    role_name: str
    role_id: str
    session_name: str
    caller_arn: str  # who called AssumeRole
    policy: str | None  # the session Policy parameter, as given
    issued_at: datetime  # sealed to the millisecond
    expires_at: datetime  # sealed to the second, as Expiration shows it

    @property
    def arn(self) -> str:
        """As GetCallerIdentity and policies name the session."""
        return f"acs:ram::{self.account_id}:assumed-role/{self.role_name}/{self.session_name}"

    @property
    def role_arn(self) -> str:
        return f"acs:ram::{self.account_id}:role/{self.role_name}"

    @property
    def assumed_role_id(self) -> str:
        return f"{self.role_id}:{self.session_name}"

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class StsCredentials:
    """One issued credential: the session, its AccessKey pair and the token that proves it."""

    session: RoleSession
    access_key_id: str
    secret: str = field(repr=False)
    token: str = field(repr=False)


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def issue(master_key: MasterKey, session: RoleSession) -> StsCredentials:
    """New credentials for `session`: a fresh `STS.` AccessKeyId and secret, sealed."""
    access_key_id = ACCESS_KEY_PREFIX + _random(24)
    secret = _random(40)
    token = seal(master_key, session, access_key_id, secret)
    return StsCredentials(session, access_key_id, secret, token)


def seal(master_key: MasterKey, session: RoleSession, access_key_id: str, secret: str) -> str:
    """The SecurityToken for these credentials."""
    claims = {
        "account_id": session.account_id,
        "role_name": session.role_name,
        "role_id": session.role_id,
        "session_name": session.session_name,
        "caller_arn": session.caller_arn,
        "policy": session.policy,
        "issued_at_ms": (session.issued_at - _EPOCH) // _MS,
        "expires_at": int(session.expires_at.timestamp()),
        "access_key_id": access_key_id,
        "secret": secret,
    }
    plaintext = json.dumps(claims, separators=(",", ":")).encode()
    sealed = TOKEN_VERSION + master_key.seal(plaintext, aad=_AAD)
    return base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")


def open_token(master_key: MasterKey, token: str) -> StsCredentials:
    """The credentials sealed in `token`; InvalidToken if it is not exactly what we issued."""
    sealed = _decode(token)
    if sealed[:1] != TOKEN_VERSION:
        raise InvalidToken("unknown token version")
    try:
        plaintext = master_key.open(sealed[1:], aad=_AAD)
    except SealError:
        raise InvalidToken("token failed authentication") from None
    return _credentials(json.loads(plaintext), token)


def _decode(token: str) -> bytes:
    if not token or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("token is malformed")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("token is malformed") from None
    # Only the canonical spelling: the decoder skips stray characters and unused low bits.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise InvalidToken("token is malformed")
    return raw


def _credentials(claims: dict[str, Any], token: str) -> StsCredentials:
    # Authenticated plaintext is ours: its shape is trusted.
    session = RoleSession(
        account_id=claims["account_id"],
        role_name=claims["role_name"],
        role_id=claims["role_id"],
        session_name=claims["session_name"],
        caller_arn=claims["caller_arn"],
        policy=claims["policy"],
        issued_at=_EPOCH + claims["issued_at_ms"] * _MS,
        expires_at=datetime.fromtimestamp(claims["expires_at"], UTC),
    )
    return StsCredentials(session, claims["access_key_id"], claims["secret"], token)
