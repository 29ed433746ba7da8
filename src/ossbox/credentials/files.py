"""Files holding secrets: written atomically with mode 0600, read only if nobody else can.

Secrets are written with `write_private` (ossbox.atomic_files, re-exported here): atomically,
mode 0600, so readers see the old file or the new one, never a torn or world-readable one.

`FileCache` (opt-in) keeps assumed-role, OIDC and process credentials across short-lived
processes (botocore's JSONFileCache): one JSON file per provider configuration, named by the
SHA-256 of that configuration, under `~/.alibabacloud/cache` unless told otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ossbox.atomic_files import write_private
from ossbox.credentials.snapshot import Credentials

__all__ = ["FileCache", "cache_key", "read_private", "write_private"]


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
