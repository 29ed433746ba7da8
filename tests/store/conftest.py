from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ossbox.store import Store, open_store
from ossbox.store.base import Bucket
from ossbox.store.crypto import MasterKey


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "data", master_key=MasterKey.generate(), garbage_grace=0)
    yield s
    s.close()


@pytest.fixture
def bucket(store: Store) -> str:
    store.meta.create_bucket(Bucket(name="bkt", owner_id="1234", region="cn-hangzhou"))
    return "bkt"
