"""ClientKeys of application access points: making one, and signing in with one.

A ClientKey is an RSA key pair. The server keeps the public key; the application gets the
private key once, as the file the official client loads: JSON `{"KeyId": "KAAP.<uuid>",
"PrivateKeyData": base64(PKCS#12 protected by the ClientKey password)}`. Calls signed with it
(SignatureMethod=SHA256withRSA, AccessKeyId=KeyId) are accepted by the KMS API only, from the
access point's networks, between NotBefore and NotAfter.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ossbox.server.auth import Principal
from ossbox.server.ram.shapes import iso
from ossbox.server.rpc.errors import access_key_inactive, access_key_not_found
from ossbox.store.kms import ClientKey, KmsStore

KMS_VERSION = "2016-01-20"
DEFAULT_VALIDITY = timedelta(days=365)


@dataclass(frozen=True)
class IssuedClientKey:
    record: ClientKey
    key_file: dict[str, str]  # {"KeyId", "PrivateKeyData"}: write it 0600, it is a secret

    def __repr__(self) -> str:
        return f"IssuedClientKey(key_id={self.record.key_id!r})"


def _certificate(
    key: rsa.RSAPrivateKey, key_id: str, not_before: datetime, not_after: datetime
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key_id)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )


def issue_client_key(
    store: KmsStore,
    *,
    account_id: str,
    aap_name: str,
    policy: str,
    source_ips: tuple[str, ...],
    password: str,
    now: datetime,
    validity: timedelta = DEFAULT_VALIDITY,
) -> IssuedClientKey:
    """Make a key pair, store its public half with the access point's rules, and return the
    private half as the official client's key file (PKCS#12 under `password`)."""
    key_id = f"KAAP.{uuid.uuid4()}"
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_before, not_after = now.replace(microsecond=0), (now + validity).replace(microsecond=0)
    blob = pkcs12.serialize_key_and_certificates(
        key_id.encode(),
        private,
        _certificate(private, key_id, not_before, not_after),
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = store.create_client_key(
        ClientKey(
            key_id=key_id,
            account_id=account_id,
            aap_name=aap_name,
            public_key=public.decode(),
            policy=policy,
            source_ips=source_ips,
            not_before=not_before,
            not_after=not_after,
            created=now,
        )
    )
    key_file = {"KeyId": key_id, "PrivateKeyData": base64.b64encode(blob).decode()}
    return IssuedClientKey(record, key_file)


def check_networks(source_ips: tuple[str, ...]) -> tuple[str, ...]:
    """Normalized CIDRs; ValueError names a malformed one."""
    return tuple(str(ipaddress.ip_network(cidr, strict=False)) for cidr in source_ips)


# -- signing in --------------------------------------------------------------------------------


def client_key_principal(
    store: KmsStore, version: str, key_id: str, now: datetime
) -> tuple[Principal, rsa.RSAPublicKey]:
    """Who signs with ClientKey `key_id`, and the public key to verify the signature with."""
    if version != KMS_VERSION:  # a ClientKey opens the KMS API only
        raise access_key_not_found()
    key = store.get_client_key(key_id)
    if key is None:
        raise access_key_not_found()
    if not key.not_before <= now <= key.not_after:
        # UNCONFIRMED: KMS's code for a ClientKey outside its validity period.
        raise access_key_inactive()
    public = serialization.load_pem_public_key(key.public_key.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    principal = Principal("application", key.account_id, key.key_id, key.aap_name, "RSA")
    return principal, public


def key_file_text(issued: IssuedClientKey) -> str:
    return json.dumps(issued.key_file, indent=2) + "\n"


def summary(issued: IssuedClientKey) -> dict[str, Any]:
    record = issued.record
    return {
        "KeyId": record.key_id,
        "AapName": record.aap_name,
        "KeyOrigin": "ossbox",
        "NotBefore": iso(record.not_before),
        "NotAfter": iso(record.not_after),
    }
