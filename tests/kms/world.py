"""Set-up shared by the Secrets Manager tests: RAM users, secrets and ClientKeys made with the
`ossbox ram` / `ossbox kms` commands on a live server's data directory (as an operator would)."""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ossbox.cli.main import main
from ossbox.credentials import ClientKey, HttpOptions, SecretsManagerRotatedAKProvider
from ossbox.signing.rpc import sign_rpc, sign_rpc_rsa
from tests.conftest import LiveServer

KMS_VERSION = "2016-01-20"


def cli(server: LiveServer, *argv: str) -> dict[str, Any]:
    """Run `ossbox ARGV --data DIR` in-process; its JSON answer (SystemExit if it failed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*argv, "--data", str(server.data_dir)])
    if status != 0:
        raise SystemExit(f"ossbox {' '.join(argv)} exited {status}")
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass
class AppKey:
    """A ClientKey as `ossbox kms create-client-key` wrote it."""

    key_id: str
    key_file: Path
    password_file: Path
    properties: Path

    def load(self) -> ClientKey:
        return ClientKey.load(self.key_file, self.password_file.read_text())


def create_client_key(server: LiveServer, out: Path, *options: str) -> AppKey:
    endpoint = f"127.0.0.1:{server.port}"
    made = cli(
        server, "kms", "create-client-key", "--out", str(out), "--endpoint", endpoint, *options
    )
    return AppKey(
        made["KeyId"],
        Path(made["PrivateKeyFile"]),
        Path(made["PasswordFile"]),
        Path(made["Properties"]),
    )


def create_user_secret(
    server: LiveServer, interval: str = "7d", *, oss: bool = True
) -> tuple[str, str]:
    """A RAM user (with AliyunOSSFullAccess) and a secret holding its AccessKey: (user, secret)."""
    user, secret = unique("app"), unique("ak")
    cli(server, "ram", "create-user", user)
    if oss:
        cli(server, "ram", "attach-policy", "AliyunOSSFullAccess", "--user", user)
    cli(server, "kms", "create-secret", secret, "--ram-user", user, "--rotation-interval", interval)
    return user, secret


def provider(
    server: LiveServer, secret: str, key: AppKey, **options: Any
) -> SecretsManagerRotatedAKProvider:
    return SecretsManagerRotatedAKProvider(
        secret,
        endpoint=server.endpoint,
        client_key=key.load(),
        region=server.region,
        http=HttpOptions(connect_timeout=2, read_timeout=5),
        **options,
    )


def kms_call(
    server: LiveServer,
    action: str,
    params: dict[str, str],
    *,
    key: ClientKey | None = None,
    access_key: tuple[str, str] | None = None,
    version: str = KMS_VERSION,
) -> httpx.Response:
    """One signed KMS call: with a ClientKey, an AccessKey, or (default) the root AccessKey."""
    base = {"Action": action, "Version": version, "Format": "JSON", **params}
    now, nonce = datetime.now(UTC), uuid.uuid4().hex
    if key is not None:
        signed = sign_rpc_rsa(
            "GET", base, key_id=key.key_id, private_key=key.private_key, now=now, nonce=nonce
        )
    else:
        ak, sk = access_key or (server.access_key_id, server.access_key_secret)
        signed = sign_rpc("GET", base, access_key_id=ak, access_key_secret=sk, now=now, nonce=nonce)
    return httpx.get(server.endpoint + "/", params=signed, timeout=10)


def user_key_ids(server: LiveServer, user: str) -> set[str]:
    """The RAM user's AccessKey ids right now (RAM ListAccessKeys, signed by the root)."""
    response = kms_call(server, "ListAccessKeys", {"UserName": user}, version="2015-05-01")
    assert response.status_code == 200, response.text
    return {k["AccessKeyId"] for k in response.json()["AccessKeys"]["AccessKey"]}
