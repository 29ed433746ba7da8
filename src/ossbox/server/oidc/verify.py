"""Verification of an OIDC token against a RAM OIDC provider, each failure with STS's code.

Order: the token parses (a compact JWS with JSON header and claims); `iss` is the provider's
IssuerUrl; the issuer's keys are known; the signature verifies (RS256/ES256, key by `kid`);
`aud` names one of the provider's ClientIds; `exp` has not passed (and `nbf` has come);
`iat` is no older than the provider's IssuanceLimitTime.

Codes seen in Alibaba Cloud's RRSA troubleshooting table (ACK docs): AuthenticationFail.
OIDCToken.Expired ("This JsonWebToken is expired."), .AudienceNotMatch ("Invalid audience."),
.IssuerNotMatch, .IssuerConfigurationBroken; .Invalid is what the official credentials
libraries' tests get for a token that is not one. Which code a bad signature, a refused `alg`
or a too-old `iat` gets is UNCONFIRMED: we answer .Invalid for the first two and .Expired
(with its own message) for the last. HTTP statuses are UNCONFIRMED (400 here).

The provider's Fingerprints (thumbprints of the issuer's HTTPS certificate) are not checked:
keys come from this server's own issuer or from configured JWKS files, never the network.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ossbox.server.oidc.jwt import Jwk, Jwt, JwtError, parse, verify
from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import OidcProvider

KeySource = Callable[[str], Sequence[Jwk] | None]  # issuer URL -> its JWKS keys, or None

INVALID = "AuthenticationFail.OIDCToken.Invalid"
EXPIRED = "AuthenticationFail.OIDCToken.Expired"
AUDIENCE = "AuthenticationFail.OIDCToken.AudienceNotMatch"
ISSUER = "AuthenticationFail.OIDCToken.IssuerNotMatch"
NO_KEYS = "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"


@dataclass(frozen=True)
class OidcTokenInfo:
    subject: str
    issuer: str
    audiences: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime


def _fail(code: str, message: str) -> RpcError:
    return RpcError(400, code, message)


def _invalid(reason: str) -> RpcError:
    return _fail(INVALID, f"The OIDC token is invalid: {reason}.")


def _time(claims: Mapping[str, Any], name: str) -> datetime:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"claim {name} is missing or not a number")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise _invalid(f"claim {name} is out of range") from None


def _audiences(claims: Mapping[str, Any]) -> tuple[str, ...]:
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not values or not all(isinstance(a, str) for a in values):
        raise _invalid("claim aud is missing")
    return tuple(values)


def _parse(token: str) -> Jwt:
    try:
        return parse(token)
    except JwtError as err:
        raise _invalid(str(err)) from None


def _check_signature(jwt: Jwt, issuer: str, keys: KeySource) -> None:
    known = keys(issuer)
    if not known:
        message = f"Get public keys from OIDC Provider failed, the issuer is {issuer}."
        raise _fail(NO_KEYS, message)
    try:
        verify(jwt, known)
    except JwtError as err:
        raise _invalid(str(err)) from None


def _check_times(claims: Mapping[str, Any], provider: OidcProvider, now: datetime) -> None:
    if now >= _time(claims, "exp"):
        raise _fail(EXPIRED, "This JsonWebToken is expired.")
    if "nbf" in claims and now < _time(claims, "nbf"):
        raise _invalid("it is not valid yet (nbf)")
    if now - _time(claims, "iat") > timedelta(hours=provider.issuance_limit_time):
        message = (
            "This JsonWebToken was issued too long ago: the OIDC provider accepts tokens "
            f"issued in the last {provider.issuance_limit_time} hours."
        )
        raise _fail(EXPIRED, message)


def verify_token(
    token: str, provider: OidcProvider, keys: KeySource, now: datetime
) -> OidcTokenInfo:
    """The verified token's identity, or the RpcError that refuses it."""
    jwt = _parse(token)
    claims = jwt.claims
    if claims.get("iss") != provider.issuer_url:
        message = "The issuer in the OIDC Token doesn't match the OIDC Provider registered."
        raise _fail(ISSUER, message)
    _check_signature(jwt, provider.issuer_url, keys)
    audiences = _audiences(claims)
    if not set(audiences) & set(provider.client_ids):
        raise _fail(AUDIENCE, "Invalid audience.")
    _check_times(claims, provider, now)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _invalid("claim sub is missing")
    return OidcTokenInfo(
        subject=subject,
        issuer=provider.issuer_url,
        audiences=audiences,
        issued_at=_time(claims, "iat"),
        expires_at=_time(claims, "exp"),
    )
