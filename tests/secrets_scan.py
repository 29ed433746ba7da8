"""Find secrets where they must never be: server logs, audit files, metrics snapshots and
error bodies.

A secret counts as found in its raw form and in its URL-encoded forms (how a signed URL or a
form body would carry it). STS SecurityTokens are also found without knowing them: any long
base64url run that the server's master key opens is a leaked token, and the secret sealed in
it is then searched for too.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, quote_plus

from ossbox.server.sts.tokens import open_token
from ossbox.store.crypto import MasterKey

_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{64,}={0,2}")
_MIN_PEM_LINE = 40


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret)}


def pem_lines(pem: str) -> list[str]:
    """The base64 lines of a PEM private key: any one of them leaking is a leak."""
    return [
        line.strip()
        for line in pem.splitlines()
        if len(line.strip()) >= _MIN_PEM_LINE and not line.startswith("-----")
    ]


def server_secrets(data_dir: Path, root_secret: str) -> dict[str, str]:
    """label -> secret: the root AccessKey secret, the master key (as stored and as hex), the
    OIDC signing key's lines and every AccessKey secret in the store."""
    found = {"root AccessKey secret": root_secret}
    key_file = data_dir / "master.key"
    if key_file.exists():
        text = key_file.read_text().strip()
        found["master key"] = text
        found["master key (hex)"] = base64.b64decode(text).hex()
    pem = data_dir / "oidc" / "signing-key.pem"
    if pem.exists():
        for i, line in enumerate(pem_lines(pem.read_text())):
            found[f"OIDC private key line {i}"] = line
    found.update(stored_access_key_secrets(data_dir))
    return found


def stored_access_key_secrets(data_dir: Path) -> dict[str, str]:
    from ossbox.store import open_store

    account_file = data_dir / "account-id"
    if not (data_dir / "meta.db").exists() or not account_file.exists():
        return {}
    store = open_store(data_dir)
    try:
        keys = store.meta.list_access_keys(account_file.read_text().strip())
    finally:
        store.close()
    return {f"AccessKey secret of {k.access_key_id}": k.secret for k in keys}


def artifacts(data_dir: Path, logs: Iterable[Path] = ()) -> dict[str, str]:
    """where -> text: audit segments, metrics snapshots and the given log files."""
    paths = [*logs, *sorted((data_dir / "audit").glob("*.jsonl"))]
    paths += sorted((data_dir / "metrics").glob("*.json"))
    return {str(p): p.read_text(errors="replace") for p in paths if p.exists()}


def leaked_tokens(texts: Mapping[str, str], master_key: MasterKey) -> dict[str, str]:
    """label -> secret for every SecurityToken the master key opens, and its sealed secret."""
    found: dict[str, str] = {}
    for text in texts.values():
        for candidate in _TOKEN_LIKE.findall(text):
            try:
                creds = open_token(master_key, candidate)
            except Exception:
                continue
            found[f"SecurityToken of {creds.access_key_id}"] = candidate
            found[f"STS secret of {creds.access_key_id}"] = creds.secret
    return found


def scan(texts: Mapping[str, str], secrets: Mapping[str, str]) -> list[str]:
    """'<label> in <where>' for every secret found anywhere."""
    hits = []
    for label, secret in secrets.items():
        for where, text in texts.items():
            if any(form in text for form in forms(secret)):
                hits.append(f"{label} in {where}")
    return hits


def scan_server(data_dir: Path, root_secret: str, logs: Iterable[Path]) -> list[str]:
    """Every secret of one server's data directory found in its own artifacts."""
    texts = artifacts(data_dir, logs)
    if not texts:
        return []
    secrets = server_secrets(data_dir, root_secret)
    if (data_dir / "master.key").exists():
        secrets.update(leaked_tokens(texts, MasterKey.load_or_create(data_dir)))
    return scan(texts, secrets)
