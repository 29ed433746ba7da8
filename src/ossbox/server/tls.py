"""`--tls`: a local CA and a server certificate signed by it, under DIR/tls/.

    ca.pem          the CA certificate: give it to clients (REQUESTS_CA_BUNDLE, verify=...)
    ca-key.pem      the CA's private key (0600)
    server.pem      the server certificate, for 127.0.0.1, ::1, localhost and --host
    server-key.pem  its private key (0600)

All are reused across restarts; the server certificate is re-issued (by the same CA) when it
does not cover the names asked for or has less than 30 days left, so ca.pem stays valid.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ossbox.atomic_files import write_private

CA_DAYS = 3650
SERVER_DAYS = 825
RENEW_BEFORE = timedelta(days=30)
PrivateKey = ec.EllipticCurvePrivateKey


def tls_dir(data_dir: Path) -> Path:
    return data_dir / "tls"


def _key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_key(path: Path) -> PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ossbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_ca(now: datetime) -> tuple[PrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(f"ossbox local CA {os.urandom(4).hex()}")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _san(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _new_server_cert(
    ca_key: PrivateKey, ca: x509.Certificate, key: PrivateKey, hosts: list[str], now: datetime
) -> x509.Certificate:
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(_san(hosts)), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )


def _ca(directory: Path, now: datetime) -> tuple[PrivateKey, x509.Certificate]:
    key_path, cert_path = directory / "ca-key.pem", directory / "ca.pem"
    if key_path.exists() and cert_path.exists():
        return _load_key(key_path), x509.load_pem_x509_certificate(cert_path.read_bytes())
    key, cert = _new_ca(now)
    write_private(key_path, _key_pem(key), mode=0o600)
    write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return key, cert


def _usable(cert_path: Path, ca: x509.Certificate, hosts: list[str], now: datetime) -> bool:
    if not cert_path.exists():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.issuer != ca.subject or cert.not_valid_after_utc - now < RENEW_BEFORE:
        return False
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return all(name in san for name in _san(hosts))


def _unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def ensure_certificates(
    data_dir: Path, host: str, now: datetime | None = None
) -> tuple[Path, Path]:
    """(server key file, server certificate file), made or reused under DIR/tls/."""
    now = now or datetime.now(UTC)
    directory = tls_dir(data_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_key, ca = _ca(directory, now)
    key_path, cert_path = directory / "server-key.pem", directory / "server.pem"
    hosts = ["127.0.0.1", "localhost", "::1"]
    if host and not _unspecified(host):
        hosts.append(host)
    if not (key_path.exists() and _usable(cert_path, ca, hosts, now)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _new_server_cert(ca_key, ca, key, hosts, now)
        write_private(key_path, _key_pem(key), mode=0o600)
        write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return key_path, cert_path
