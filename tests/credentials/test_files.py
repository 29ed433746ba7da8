"""Secrets on disk: atomic 0600 writes, refusal of readable files, the opt-in FileCache."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ossbox.credentials import Credentials, ProcessProvider, RamRoleArnProvider
from ossbox.credentials.files import FileCache, read_private, write_private
from ossbox.credentials.providers.base import RefreshingProvider
from tests.credentials.fakes import FakeSts, serving

AK, SK = "LTAIcacheKey00001", "cache-secret"
ROLE = "acs:ram::1:role/cached"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_is_atomic_and_0600(tmp_path: Path) -> None:
    target = tmp_path / "new-dir" / "secret.json"
    old_umask = os.umask(0)  # even a permissive umask gives 0600 / 0700
    try:
        write_private(target, b"one")
        write_private(target, b"two")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"two"
    assert mode(target) == 0o600 and mode(target.parent) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["secret.json"]  # no temp left over


def test_read_private_refuses_files_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    write_private(path, b"x")
    assert read_private(path) == b"x"
    path.chmod(0o644)
    assert read_private(path) is None
    assert read_private(tmp_path / "absent") is None


def test_file_cache_round_trip_and_damage(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    creds = Credentials("STS.c", "s", "t", later, "ram_role_arn", "123")
    cache.store("k", creds)
    assert cache.load("k") == creds
    cache.store("static", Credentials("LTAIlong", "term"))  # long-term keys are never cached
    assert not (tmp_path / "static.json").exists()
    (tmp_path / "k.json").write_text("{not json")
    (tmp_path / "k.json").chmod(0o600)
    assert cache.load("k") is None


def test_a_second_process_reuses_cached_role_credentials(tmp_path: Path) -> None:
    cache = FileCache(tmp_path / "cache")
    with serving(FakeSts(secrets={AK: SK})) as sts:

        def provider() -> RamRoleArnProvider:
            return RamRoleArnProvider(
                ROLE, access_key_id=AK, access_key_secret=SK, sts_endpoint=sts.url, cache=cache
            )

        first = provider().get_credentials()
        again = asyncio.run(provider().get_credentials_async())  # a "new process"
        assert (again.access_key_id, again.expiration) == (first.access_key_id, first.expiration)
        assert len(sts.seen) == 1
        other = RamRoleArnProvider(
            ROLE,
            access_key_id=AK,
            access_key_secret=SK,
            sts_endpoint=sts.url,
            cache=cache,
            policy='{"Version": "1"}',
        )
        other.get_credentials()  # another configuration, another entry
        assert len(sts.seen) == 2
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 2 and all(mode(f) == 0o600 for f in files)
    assert all(SK not in f.read_text() for f in files)  # the source secret is never stored


def test_nearly_expired_cache_entries_are_refetched(tmp_path: Path) -> None:
    cache = FileCache(tmp_path)
    helper = tmp_path / "helper.py"
    soon = datetime.fromtimestamp(time.time() + 120, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    helper.write_text(
        "import json\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': 'STS.p', 'AccessKeySecret': 's',"
        f" 'SecurityToken': 't', 'Expiration': {soon!r}}}))\n"
    )
    runs = []

    class Counting(ProcessProvider):
        def _fetch(self) -> Credentials:
            runs.append(1)
            return super()._fetch()

    Counting([sys.executable, str(helper)], cache=cache).get_credentials()
    Counting([sys.executable, str(helper)], cache=cache).get_credentials()
    assert len(runs) == 2  # 120 s left is under the cache's minimum


def test_providers_without_an_identity_refuse_a_cache(tmp_path: Path) -> None:
    class Opaque(RefreshingProvider):
        def _fetch(self) -> Credentials:
            return Credentials("a", "b")

    with pytest.raises(ValueError, match="cannot be cached"):
        Opaque(cache=FileCache(tmp_path))
