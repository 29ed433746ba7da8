"""OIDC token verification: each way a token is refused gets its exact STS code."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ossbox.server.config import ServerConfig
from ossbox.server.oidc.issuer import discovery, issuer_url, mint
from ossbox.server.oidc.jwt import Jwk, JwtError, b64url_encode, parse, sign_es256
from ossbox.server.oidc.keyring import key_source
from ossbox.server.oidc.keys import IssuerKey, load_or_create
from ossbox.server.oidc.verify import OidcTokenInfo, verify_token
from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import OidcProvider

ISSUER = "https://127.0.0.1:9000/_ossbox/oidc"
SUB = "system:serviceaccount:team-a:reader"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PROVIDER = OidcProvider(
    account_id="1234567890123456",
    name="local",
    issuer_url=ISSUER,
    client_ids=("sts.aliyuncs.com",),
    issuance_limit_time=2,
)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> IssuerKey:
    return load_or_create(tmp_path_factory.mktemp("oidc"))


@pytest.fixture(scope="module")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> IssuerKey:
    return load_or_create(tmp_path_factory.mktemp("other"))


def keys_of(key: IssuerKey) -> dict[str, Sequence[Jwk]]:
    return {ISSUER: key.jwks()["keys"]}


def check(token: str, key: IssuerKey, now: datetime = NOW) -> OidcTokenInfo:
    return verify_token(token, PROVIDER, keys_of(key).get, now)


def code_of(token: str, key: IssuerKey, now: datetime = NOW) -> str:
    with pytest.raises(RpcError) as err:
        check(token, key, now)
    return err.value.code


def token(key: IssuerKey, **kwargs: object) -> str:
    args: dict[str, object] = {"subject": SUB, "audience": "sts.aliyuncs.com", "now": NOW}
    args.update(kwargs)
    issuer = str(args.pop("issuer", ISSUER))
    return mint(key, issuer, **args)  # type: ignore[arg-type]


def test_good_token_gives_its_identity(key: IssuerKey) -> None:
    info = check(token(key, ttl=600), key)
    assert (info.subject, info.issuer, info.audiences) == (SUB, ISSUER, ("sts.aliyuncs.com",))
    assert info.expires_at == NOW + timedelta(seconds=600)
    assert info.issued_at == NOW


def test_one_matching_audience_of_several_is_enough(key: IssuerKey) -> None:
    info = check(token(key, audience=["other", "sts.aliyuncs.com"]), key)
    assert info.audiences == ("other", "sts.aliyuncs.com")


def test_expired_token(key: IssuerKey) -> None:
    later = NOW + timedelta(seconds=3600)
    assert code_of(token(key), key, later) == "AuthenticationFail.OIDCToken.Expired"


def test_token_issued_before_the_issuance_limit(key: IssuerKey) -> None:
    old = token(key, issued_at=NOW - timedelta(hours=2, seconds=1))
    assert code_of(old, key) == "AuthenticationFail.OIDCToken.Expired"
    assert check(token(key, issued_at=NOW - timedelta(hours=2)), key).subject == SUB


def test_wrong_audience(key: IssuerKey) -> None:
    bad = token(key, audience="someone-else")
    assert code_of(bad, key) == "AuthenticationFail.OIDCToken.AudienceNotMatch"


def test_wrong_issuer(key: IssuerKey) -> None:
    bad = token(key, issuer="https://evil.example.com")
    assert code_of(bad, key) == "AuthenticationFail.OIDCToken.IssuerNotMatch"


def test_issuer_without_known_keys(key: IssuerKey) -> None:
    with pytest.raises(RpcError) as err:
        verify_token(token(key), PROVIDER, {}.get, NOW)
    assert err.value.code == "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"


def test_tampered_claims_break_the_signature(key: IssuerKey) -> None:
    head, _, sig = token(key).split(".")
    claims = {"iss": ISSUER, "sub": "system:serviceaccount:kube-system:admin"}
    claims.update(aud="sts.aliyuncs.com", iat=int(NOW.timestamp()), exp=int(NOW.timestamp()) + 60)
    forged = f"{head}.{b64url_encode(json.dumps(claims).encode())}.{sig}"
    assert code_of(forged, key) == "AuthenticationFail.OIDCToken.Invalid"


def test_alg_none_is_refused(key: IssuerKey) -> None:
    _, body, _ = token(key).split(".")
    head = b64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    assert code_of(f"{head}.{body}.", key) == "AuthenticationFail.OIDCToken.Invalid"


def test_hmac_with_the_public_key_is_refused(key: IssuerKey) -> None:
    _, body, sig = token(key).split(".")
    head = b64url_encode(json.dumps({"alg": "HS256", "kid": key.kid}).encode())
    assert code_of(f"{head}.{body}.{sig}", key) == "AuthenticationFail.OIDCToken.Invalid"


def test_token_signed_by_another_key(key: IssuerKey, other_key: IssuerKey) -> None:
    foreign = token(other_key)
    assert code_of(foreign, key) == "AuthenticationFail.OIDCToken.Invalid"
    # ... even when it claims the right kid
    forged = mint(
        IssuerKey(other_key.private_key, key.kid),
        ISSUER,
        subject=SUB,
        audience="sts.aliyuncs.com",
        now=NOW,
    )
    assert code_of(forged, key) == "AuthenticationFail.OIDCToken.Invalid"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abcd", "AuthenticationFail.OIDCToken.Invalid"),
        ("a.b.c", "AuthenticationFail.OIDCToken.Invalid"),
        ("x" * 100, "AuthenticationFail.OIDCToken.Invalid"),
        ("e30.e30.e30", "AuthenticationFail.OIDCToken.IssuerNotMatch"),  # {} claims: no iss
    ],
)
def test_garbage_is_refused(key: IssuerKey, text: str, code: str) -> None:
    assert code_of(text, key) == code


def test_es256_keys_from_a_jwks_file_verify() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.public_key().public_numbers()
    jwk = {
        "kty": "EC",
        "crv": "P-256",
        "kid": "ec1",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }
    claims = {"iss": ISSUER, "sub": SUB, "aud": "sts.aliyuncs.com"}
    claims.update(iat=int(NOW.timestamp()), exp=int(NOW.timestamp()) + 60)
    info = verify_token(sign_es256(private, "ec1", claims), PROVIDER, {ISSUER: [jwk]}.get, NOW)
    assert info.subject == SUB


def test_signing_key_is_private_and_reused(tmp_path: Path) -> None:
    first = load_or_create(tmp_path)
    path = tmp_path / "oidc" / "signing-key.pem"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_or_create(tmp_path).kid == first.kid
    assert repr(first) == f"IssuerKey(kid={first.kid!r})"  # the private key never shows


def test_discovery_names_the_jwks_under_the_issuer() -> None:
    issuer = issuer_url("https", "0.0.0.0", 9000)
    assert issuer == "https://127.0.0.1:9000/_ossbox/oidc"
    doc = discovery(issuer)
    assert doc["issuer"] == issuer and doc["jwks_uri"] == f"{issuer}/jwks"


def test_key_source_uses_the_builtin_issuer_or_a_configured_jwks_file(
    tmp_path: Path, key: IssuerKey
) -> None:
    jwks_file = tmp_path / "other.json"
    jwks_file.write_text(json.dumps(key.jwks()))
    config = ServerConfig(
        data_dir=tmp_path,
        oidc_issuer="https://127.0.0.1:1/_ossbox/oidc",
        oidc_jwks=((ISSUER, jwks_file), ("https://gone.example", tmp_path / "missing.json")),
    )
    keys = key_source(config)
    assert keys(ISSUER) == tuple(key.jwks()["keys"])
    builtin = keys(config.oidc_issuer)
    assert builtin is not None and builtin[0]["kid"] == load_or_create(tmp_path).kid
    assert keys("https://gone.example") is None and keys("https://unknown.example") is None
    assert check(token(key), key).subject == SUB
    assert verify_token(token(key), PROVIDER, keys, NOW).subject == SUB


def test_a_token_nested_too_deeply_is_not_json() -> None:
    with pytest.raises(JwtError):
        parse(b64url_encode(b"[" * 5000 + b"]" * 5000) + ".e30.c2ln")
