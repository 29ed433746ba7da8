"""The files behind --tls and the built-in issuer: made once, private, reused, renewed."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from ossbox.server.oidc.jwt import parse, verify
from ossbox.server.oidc.keys import load_or_create, write_issuer
from ossbox.server.tls import ensure_certificates

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def san_of(path: Path) -> list[str]:
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return [str(n.value) for n in names]


def test_certificates_cover_loopback_and_the_host(tmp_path: Path) -> None:
    key, cert = ensure_certificates(tmp_path, "myhost.test", NOW)
    assert {"127.0.0.1", "localhost", "::1", "myhost.test"} <= set(san_of(cert))
    for private in (key, tmp_path / "tls" / "ca-key.pem"):
        assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    ca = x509.load_pem_x509_certificate((tmp_path / "tls" / "ca.pem").read_bytes())
    leaf = x509.load_pem_x509_certificate(cert.read_bytes())
    leaf.verify_directly_issued_by(ca)


def test_certificates_are_reused_then_renewed_by_the_same_ca(tmp_path: Path) -> None:
    _, cert = ensure_certificates(tmp_path, "127.0.0.1", NOW)
    ca = (tmp_path / "tls" / "ca.pem").read_bytes()
    first = cert.read_bytes()
    assert (
        ensure_certificates(tmp_path, "127.0.0.1", NOW + timedelta(days=1))[1].read_bytes() == first
    )
    ensure_certificates(tmp_path, "other.test", NOW)  # a new host: a new leaf
    assert cert.read_bytes() != first and "other.test" in san_of(cert)
    late = NOW + timedelta(days=800)  # within 30 days of the leaf's end
    ensure_certificates(tmp_path, "other.test", late)
    renewed = x509.load_pem_x509_certificate(cert.read_bytes())
    assert renewed.not_valid_after_utc > late + timedelta(days=30)
    assert (tmp_path / "tls" / "ca.pem").read_bytes() == ca


def test_cli_mints_a_token_for_the_recorded_issuer(tmp_path: Path) -> None:
    issuer = "https://127.0.0.1:9999/_ossbox/oidc"
    write_issuer(tmp_path, issuer)
    out = tmp_path / "token"
    args = [sys.executable, "-m", "ossbox.cli.main", "oidc", "token", "--data", str(tmp_path)]
    args += ["--sub", "system:serviceaccount:ns:sa", "--ttl", "120", "--out", str(out)]
    subprocess.run(args, check=True, timeout=30)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    jwt = parse(out.read_text())
    verify(jwt, load_or_create(tmp_path).jwks()["keys"])
    claims = jwt.claims
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == (
        issuer,
        "sts.aliyuncs.com",
        120,
    )


def test_cli_without_an_issuer_says_so(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "ossbox.cli.main", "oidc", "token", "--data", str(tmp_path)]
    result = subprocess.run([*args, "--sub", "x"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "--issuer" in result.stderr
