"""The built-in issuer at `/_ossbox/oidc`: discovery document, JWKS, and token minting.

Tokens look like the Kubernetes service-account tokens RRSA projects into pods: RS256, `iss`
the issuer URL, `sub` `system:serviceaccount:<ns>:<sa>`, `aud` `sts.aliyuncs.com`, `iat`,
`nbf`, `exp`.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime
from typing import Any

from ossbox.server.oidc.jwt import sign_rs256
from ossbox.server.oidc.keys import IssuerKey

PATH = "/_ossbox/oidc"
DISCOVERY_PATH = f"{PATH}/.well-known/openid-configuration"
JWKS_PATH = f"{PATH}/jwks"


def _unspecified(host: str) -> bool:
    try:
        return not host or ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def issuer_url(scheme: str, host: str, port: int) -> str:
    """The issuer a server at host:port announces (an unspecified address reads as loopback)."""
    if _unspecified(host):
        host = "::1" if ":" in host else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}{PATH}"


def discovery(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }


def mint(
    key: IssuerKey,
    issuer: str,
    *,
    subject: str,
    audience: str | list[str],
    now: datetime,
    ttl: int = 3600,
    issued_at: datetime | None = None,
) -> str:
    """A signed token. `issued_at` (default `now`) lets tests mint a token that is old."""
    iat = int((issued_at or now).timestamp())
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": iat,
        "nbf": iat,
        "exp": int(now.timestamp()) + ttl,
        "jti": secrets.token_hex(16),
    }
    return sign_rs256(key.private_key, key.kid, claims)
