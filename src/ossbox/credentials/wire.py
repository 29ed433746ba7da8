"""The credentials object every Alibaba Cloud service answers with (STS `Credentials`, the ECS
metadata service, credentials URIs): AccessKeyId, AccessKeySecret, SecurityToken, Expiration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ossbox.credentials.clock import parse_expiration
from ossbox.credentials.errors import CredentialsFetchError
from ossbox.credentials.snapshot import Credentials


def credentials_from_fields(
    fields: Any,
    provider: str,
    *,
    token_required: bool = True,
    expiration_required: bool = True,
    account_id: str | None = None,
) -> Credentials:
    """Read the four fields; a missing or malformed one is a CredentialsFetchError naming it."""
    if not isinstance(fields, Mapping):
        raise CredentialsFetchError(provider, "the answer holds no credentials object")
    key_id = _field(fields, "AccessKeyId", provider)
    secret = _field(fields, "AccessKeySecret", provider)
    token = _field(fields, "SecurityToken", provider) if token_required else None
    if not token_required:
        raw_token = fields.get("SecurityToken")
        token = raw_token if isinstance(raw_token, str) and raw_token else None
    expiration = None
    raw_expiration = fields.get("Expiration")
    if raw_expiration is not None or expiration_required:
        text = _field(fields, "Expiration", provider)
        try:
            expiration = parse_expiration(text)
        except ValueError:
            raise CredentialsFetchError(
                provider, f"Expiration is not an ISO 8601 time: {text[:40]!r}"
            ) from None
    return Credentials(key_id, secret, token, expiration, provider, account_id)


def _field(fields: Mapping[str, Any], name: str, provider: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise CredentialsFetchError(provider, f"the answer lacks {name}")
    return value


def account_from_arn(arn: object) -> str | None:
    """`acs:ram::123456789012:role/x/session` -> "123456789012"."""
    if not isinstance(arn, str):
        return None
    parts = arn.split(":")
    return parts[3] if len(parts) >= 5 and parts[0] == "acs" and parts[3] else None
