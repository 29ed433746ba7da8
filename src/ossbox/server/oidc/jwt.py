"""Compact JWS (JWT) signing and verification: RS256 and ES256 only, on `cryptography`.

Deliberately small: the accepted algorithms are a fixed allow-list (never `none`, never HMAC,
so a public key can never be misused as a MAC secret), the key is chosen by `kid` from the
issuer's JWKS, and every failure is one `JwtError`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

ALGORITHMS = ("RS256", "ES256")
Jwk = Mapping[str, Any]


class JwtError(Exception):
    """The token is malformed, uses a refused algorithm, or its signature does not verify."""


@dataclass(frozen=True)
class Jwt:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not text.isascii():
        raise JwtError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise JwtError("not base64url") from None


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JwtError("not JSON") from None
    if not isinstance(value, dict):
        raise JwtError("not a JSON object")
    return value


def parse(token: str) -> Jwt:
    """The token's parts, unverified."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("not a compact JWS")
    header, claims = _json_object(parts[0]), _json_object(parts[1])
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    return Jwt(header, claims, signing_input, b64url_decode(parts[2]))


# --- keys ------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    if not isinstance(value, str):
        raise JwtError("bad JWK")
    return int.from_bytes(b64url_decode(value), "big")


def public_key(jwk: Jwk) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
    """The public key a JWK describes (RSA, or EC P-256)."""
    try:
        if jwk.get("kty") == "RSA":
            return rsa.RSAPublicNumbers(_int(jwk.get("e")), _int(jwk.get("n"))).public_key()
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            numbers = ec.EllipticCurvePublicNumbers(
                _int(jwk.get("x")), _int(jwk.get("y")), ec.SECP256R1()
            )
            return numbers.public_key()
    except ValueError:
        raise JwtError("bad JWK") from None
    raise JwtError("unsupported JWK")


def public_jwk(key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = key.public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": kid,
        "n": b64url_encode(n),
        "e": b64url_encode(e),
    }


# --- sign / verify ---------------------------------------------------------------------------


def sign_rs256(key: rsa.RSAPrivateKey, kid: str, claims: Mapping[str, Any]) -> str:
    header = {"alg": "RS256", "kid": kid, "typ": "JWT"}
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url_encode(signature)}"


def sign_es256(key: ec.EllipticCurvePrivateKey, kid: str, claims: Mapping[str, Any]) -> str:
    """ES256 (raw r||s signature), for tests of issuers with EC keys."""
    header = {"alg": "ES256", "kid": kid, "typ": "JWT"}
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(dict(claims), separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{head}.{body}.{b64url_encode(signature)}"


def _select(keys: Sequence[Jwk], header: Mapping[str, Any]) -> Jwk:
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.get("kid") == kid]
    if len(candidates) != 1:
        raise JwtError("no key for this token")
    return candidates[0]


def verify(jwt: Jwt, keys: Sequence[Jwk]) -> None:
    """JwtError unless `jwt` is signed by one of `keys` with an allowed algorithm."""
    alg = jwt.header.get("alg")
    if alg not in ALGORITHMS:
        raise JwtError("algorithm not allowed")
    jwk = _select(keys, jwt.header)
    if jwk.get("alg") not in (None, alg):
        raise JwtError("algorithm does not match the key")
    key = public_key(jwk)
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(jwt.signature, jwt.signing_input, padding.PKCS1v15(), hashes.SHA256())
            return
        if (
            alg == "ES256"
            and isinstance(key, ec.EllipticCurvePublicKey)
            and len(jwt.signature) == 64
        ):
            r = int.from_bytes(jwt.signature[:32], "big")
            s = int.from_bytes(jwt.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), jwt.signing_input, ec.ECDSA(hashes.SHA256()))
            return
    except InvalidSignature:
        raise JwtError("bad signature") from None
    raise JwtError("algorithm does not match the key")
