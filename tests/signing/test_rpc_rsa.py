"""RPC calls signed with a KMS ClientKey: SHA256withRSA over the POP string to sign, as
aliyun-python-sdk-core's sha_hmac256 signer (used by aliyun-secret-manager-client) makes them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from aliyunsdkcore.auth.algorithm import sha_hmac256
from aliyunsdkcore.auth.composer import rpc_signature_composer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ossbox.signing.http import HttpRequest
from ossbox.signing.result import SignatureFormatError
from ossbox.signing.rpc import (
    RpcScheme,
    parse_rpc_request,
    sign_rpc_rsa,
    verify_rpc,
    verify_rpc_rsa,
)

KEY_ID = "KAAP.00000000-0000-0000-0000-000000000000"
PARAMS = {
    "Action": "GetSecretValue",
    "Version": "2016-01-20",
    "SecretName": "app ak/1",
    "VersionStage": "ACSCurrent",
}


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def request(params: dict[str, str], method: str = "GET") -> HttpRequest:
    return HttpRequest(method, "/?" + urlencode(params), [("host", "127.0.0.1")])


def test_sdk_core_rsa_signature_verifies(private_key: rsa.RSAPrivateKey) -> None:
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # What ClientKeySigner hands sdk-core: the PKCS#8 key as base64, as the "secret".
    url, _ = rpc_signature_composer.get_signed_url(
        dict(PARAMS), KEY_ID, base64.b64encode(der).decode(), "JSON", "POST", {}, sha_hmac256
    )
    req = HttpRequest("POST", url, [("host", "127.0.0.1")])
    call = parse_rpc_request(req)
    assert call.scheme is RpcScheme.RSA and call.access_key_id == KEY_ID
    assert verify_rpc_rsa(req, call, private_key.public_key()).ok
    assert not verify_rpc(req, call, "any-secret").ok  # never accepted as an HMAC call


def test_own_signer_round_trip_and_tampering(private_key: rsa.RSAPrivateKey) -> None:
    signed = sign_rpc_rsa(
        "GET", PARAMS, key_id=KEY_ID, private_key=private_key, now=datetime.now(UTC), nonce="n1"
    )
    call = parse_rpc_request(request(signed))
    assert verify_rpc_rsa(request(signed), call, private_key.public_key()).ok
    tampered = {**signed, "SecretName": "other"}
    assert not verify_rpc_rsa(
        request(tampered), parse_rpc_request(request(tampered)), private_key.public_key()
    ).ok
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not verify_rpc_rsa(request(signed), call, other.public_key()).ok
    garbled = {**signed, "Signature": "%%%not-base64"}
    assert not verify_rpc_rsa(
        request(garbled), parse_rpc_request(request(garbled)), private_key.public_key()
    ).ok


def test_rsa_method_needs_the_private_key_signature_type(private_key: rsa.RSAPrivateKey) -> None:
    signed = sign_rpc_rsa(
        "GET", PARAMS, key_id=KEY_ID, private_key=private_key, now=datetime.now(UTC), nonce="n2"
    )
    del signed["SignatureType"]
    with pytest.raises(SignatureFormatError) as refused:
        parse_rpc_request(request(signed))
    assert refused.value.code == "InvalidSignatureMethod"
