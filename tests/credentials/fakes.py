"""Small in-test HTTP servers answering with the exact wire formats of official-clients.md §4:
STS (AssumeRole, POP-signature checked; AssumeRoleWithOIDC, unsigned), the ECS metadata service
(IMDSv2 token, role listing, credentials) and a credentials URI.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ossbox.signing.http import HttpRequest
from ossbox.signing.rpc import parse_rpc_request, verify_rpc


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_target: str


Answer = tuple[int, Any]  # status, JSON-able body (bytes/str sent as is)
Handler = Callable[[Seen], Answer]


@dataclass
class FakeServer:
    handler: Handler
    seen: list[Seen] = field(default_factory=list)
    delay: float = 0.0
    tls: ssl.SSLContext | None = None
    port: int = 0
    _httpd: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.path,
                )
                fake.seen.append(seen)
                if fake.delay:
                    time.sleep(fake.delay)
                status, body = fake.handler(seen)
                payload = (
                    body
                    if isinstance(body, bytes)
                    else body.encode()
                    if isinstance(body, str)
                    else json.dumps(body).encode()
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def calls(self, path: str | None = None) -> list[Seen]:
        return [s for s in self.seen if path is None or s.path == path]


@contextmanager
def serving(
    handler: Handler, *, delay: float = 0.0, tls: ssl.SSLContext | None = None
) -> Iterator[FakeServer]:
    server = FakeServer(handler, delay=delay, tls=tls).start()
    try:
        yield server
    finally:
        server.stop()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sts_credentials(n: int, lifetime: float = 3600) -> dict[str, str]:
    return {
        "AccessKeyId": f"STS.NUCe{n:04d}",
        "AccessKeySecret": f"sts-secret-{n}",
        "SecurityToken": f"CAIS+token/{n}==",
        "Expiration": iso(time.time() + lifetime),
    }


@dataclass
class FakeSts:
    """AssumeRole checks the POP signature against `secrets`; AssumeRoleWithOIDC the token."""

    secrets: dict[str, str] = field(default_factory=dict)  # AccessKeyId -> secret
    oidc_tokens: set[str] = field(default_factory=set)
    lifetime: float = 3600
    account: str = "1234567890123456"
    issued: int = 0
    error: tuple[int, str] | None = None  # (status, Code) to answer with instead

    def __call__(self, seen: Seen) -> Answer:
        if self.error is not None:
            return self.error[0], _rpc_error(self.error[1], "Injected failure.")
        action = seen.query.get("Action")
        if action == "AssumeRole":
            refusal = self._check_signature(seen)
            if refusal is not None:
                return refusal
        elif action == "AssumeRoleWithOIDC":
            if seen.query.get("OIDCToken") not in self.oidc_tokens:
                return 400, _rpc_error("InvalidParameter.OIDCToken", "The OIDC token is invalid.")
        else:
            return 400, _rpc_error("InvalidAction.NotFound", "Specified api is not found.")
        self.issued += 1
        role = seen.query["RoleArn"].rsplit("/", 1)[-1]
        session = seen.query["RoleSessionName"]
        return 200, {
            "RequestId": f"REQ-{self.issued}",
            "AssumedRoleUser": {
                "AssumedRoleId": f"3445:{session}",
                "Arn": f"acs:ram::{self.account}:role/{role}/{session}",
            },
            "Credentials": sts_credentials(self.issued, self.lifetime),
            "SourceIdentity": "",
        }

    def _check_signature(self, seen: Seen) -> Answer | None:
        request = HttpRequest("GET", seen.raw_target, list(seen.headers.items()))
        call = parse_rpc_request(request)
        secret = self.secrets.get(call.access_key_id or "")
        if secret is None:
            return 404, _rpc_error(
                "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if not verify_rpc(request, call, secret).ok:
            message = (
                "Specified signature is not matched with our calculation. "
                f"server string to sign is:GET&%2F&AccessKeyId%3D{call.access_key_id}"
            )
            return 400, _rpc_error("SignatureDoesNotMatch", message)
        return None


def _rpc_error(code: str, message: str) -> dict[str, str]:
    return {"RequestId": "REQ-ERR", "HostId": "sts.aliyuncs.com", "Code": code, "Message": message}


@dataclass
class FakeImds:
    """The ECS metadata service: IMDSv2 tokens (or v1 only), one role, its credentials."""

    role: str = "EcsRole"
    v2: bool = True  # answer token PUTs
    require_token: bool = False  # hardened mode: refuse GETs without a token
    lifetime: float = 6 * 3600
    fail_next: int = 0  # answer 500 to this many requests first
    issued_tokens: list[str] = field(default_factory=list)
    issued: int = 0

    def __call__(self, seen: Seen) -> Answer:
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, "internal error"
        if seen.method == "PUT" and seen.path == "/latest/api/token":
            if not self.v2:
                return 404, "not found"
            token = f"imds-token-{len(self.issued_tokens)}"
            self.issued_tokens.append(token)
            return 200, token
        token = seen.headers.get("x-aliyun-ecs-metadata-token")
        if token is not None and token not in self.issued_tokens:
            return 401, "bad token"
        if self.require_token and token is None:
            return 403, "forbidden"
        base = "/latest/meta-data/ram/security-credentials/"
        if seen.path == base:
            return 200, self.role
        if seen.path == base + self.role:
            self.issued += 1
            body: dict[str, str] = {
                "Code": "Success",
                **sts_credentials(self.issued, self.lifetime),
            }
            body["LastUpdated"] = iso(time.time())
            return 200, body
        return 404, "not found"


def local_ca(directory: Path) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA (written to directory/ca.pem) and a server context for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (directory / n for n in ("ca.pem", "cert.pem", "key.pem"))
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return ca_path, context
