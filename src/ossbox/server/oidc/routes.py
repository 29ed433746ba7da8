"""`/_ossbox/oidc/...`: the built-in issuer's discovery document and JWKS (public keys only)."""

from __future__ import annotations

import json
from typing import Any

from ossbox.server.config import ServerConfig
from ossbox.server.oidc.issuer import DISCOVERY_PATH, JWKS_PATH, discovery
from ossbox.server.oidc.keyring import builtin_key
from ossbox.server.response import Response


def _json(body: Any) -> Response:
    headers = [("Content-Type", "application/json"), ("Cache-Control", "max-age=300")]
    return Response(200, headers, json.dumps(body).encode())


def oidc_response(config: ServerConfig, path: str) -> Response | None:
    """The issuer document at `path`, or None if `path` is not one (or there is no issuer)."""
    if not config.oidc_issuer:
        return None
    if path == DISCOVERY_PATH:
        return _json(discovery(config.oidc_issuer))
    if path == JWKS_PATH:
        return _json(builtin_key(config.data_dir).jwks())
    return None
