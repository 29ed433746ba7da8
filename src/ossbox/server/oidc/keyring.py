"""Which keys verify a given issuer's tokens: this server's own issuer's key, or the JWKS file
configured for that issuer (`--oidc-jwks ISSUER=FILE`; these machines have no internet, so
no discovery document is ever fetched)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ossbox.server.config import ServerConfig
from ossbox.server.oidc.jwt import Jwk
from ossbox.server.oidc.keys import IssuerKey, load_or_create
from ossbox.server.oidc.verify import KeySource


@lru_cache(maxsize=8)
def builtin_key(data_dir: Path) -> IssuerKey:
    return load_or_create(data_dir)


@lru_cache(maxsize=64)
def _jwks_file(path: Path, mtime_ns: int) -> tuple[Jwk, ...]:
    document: Any = json.loads(path.read_text(encoding="utf-8"))
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise ValueError(f"{path}: not a JWKS document (no keys list)")
    return tuple(k for k in keys if isinstance(k, dict))


def load_jwks(path: Path) -> tuple[Jwk, ...]:
    """A JWKS file's keys (re-read when the file changes)."""
    return _jwks_file(path, path.stat().st_mtime_ns)


def key_source(config: ServerConfig) -> KeySource:
    def keys(issuer: str) -> Sequence[Jwk] | None:
        if config.oidc_issuer and issuer == config.oidc_issuer:
            return builtin_key(config.data_dir).jwks()["keys"]
        for configured, path in config.oidc_jwks:
            if configured == issuer:
                try:
                    return load_jwks(path)
                except (OSError, ValueError):
                    return None
        return None

    return keys
