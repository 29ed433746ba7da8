"""The built-in issuer's signing key: RSA-2048 in DIR/oidc/signing-key.pem (mode 0600), made on
first use and kept across restarts, and the issuer URL the running server announced.

`ossbox serve` and `ossbox oidc token` may both create the key; the first one wins (the file is
published with a hard link, which fails if it exists) and the other reads it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ossbox.atomic_files import create_private, write_private
from ossbox.server.oidc.jwt import b64url_encode, public_jwk

KEY_FILE = "signing-key.pem"
ISSUER_FILE = "issuer"


def oidc_dir(data_dir: Path) -> Path:
    return data_dir / "oidc"


@dataclass(frozen=True)
class IssuerKey:
    private_key: rsa.RSAPrivateKey = field(repr=False)
    kid: str

    def jwk(self) -> dict[str, str]:
        return public_jwk(self.private_key.public_key(), self.kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.jwk()]}


def _thumbprint(key: rsa.RSAPrivateKey) -> str:
    """RFC 7638 JWK thumbprint of the public key: a stable `kid`."""
    jwk = public_jwk(key.public_key(), "")
    members = {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return b64url_encode(digest)


def load_or_create(data_dir: Path) -> IssuerKey:
    path = oidc_dir(data_dir) / KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        create_private(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return IssuerKey(loaded, _thumbprint(loaded))


def write_issuer(data_dir: Path, issuer: str) -> None:
    """Record the issuer URL the server serves, for `ossbox oidc token` (only if it changed:
    a restart must not need free space, e.g. on a full disk)."""
    if read_issuer(data_dir) == issuer:
        return
    write_private(oidc_dir(data_dir) / ISSUER_FILE, (issuer + "\n").encode())


def read_issuer(data_dir: Path) -> str | None:
    try:
        return (oidc_dir(data_dir) / ISSUER_FILE).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
