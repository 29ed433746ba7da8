"""Files holding secrets: written atomically with mode 0600, read only if nobody else can.

`write_private` is the one way this package writes a secret to disk: a temporary file created
0600 in the target directory (itself created 0700), fsync'd, then `os.replace`d over the target,
so readers see the old file or the new one, never a torn or world-readable one.

`FileCache` (opt-in) keeps assumed-role, OIDC and process credentials across short-lived
processes (botocore's JSONFileCache): one JSON file per provider configuration, named by the
SHA-256 of that configuration, under `~/.alibabacloud/cache` unless told otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ossbox.credentials.snapshot import Credentials


def write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def read_private(path: Path) -> bytes | None:
    """The file's bytes; None if absent, or if group/others may access it or it is not ours."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO) or info.st_uid != os.getuid():
                return None
            return handle.read()
    except OSError:
        return None


def cache_key(identity: Mapping[str, Any]) -> str:
    """SHA-256 over the sorted configuration (session names included, secrets never)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


class FileCache:
    """Credentials on disk, keyed by provider configuration; `directory` resolved at first use."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self._directory = None if directory is None else Path(directory)

    @property
    def directory(self) -> Path:
        return self._directory or Path.home() / ".alibabacloud" / "cache"

    def load(self, key: str) -> Credentials | None:
        raw = read_private(self.directory / f"{key}.json")
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            return Credentials(
                entry["AccessKeyId"],
                entry["AccessKeySecret"],
                entry.get("SecurityToken"),
                datetime.fromisoformat(entry["Expiration"]),
                entry.get("Provider", "cache"),
                entry.get("AccountId"),
            )
        except (ValueError, KeyError, TypeError):
            return None  # a damaged entry is a miss

    def store(self, key: str, creds: Credentials) -> None:
        if creds.expiration is None:
            return  # long-term keys are never copied to a cache
        entry = {
            "AccessKeyId": creds.access_key_id,
            "AccessKeySecret": creds.access_key_secret,
            "SecurityToken": creds.security_token,
            "Expiration": creds.expiration.isoformat(),
            "Provider": creds.provider,
            "AccountId": creds.account_id,
        }
        write_private(self.directory / f"{key}.json", json.dumps(entry).encode())
