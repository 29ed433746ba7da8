"""One world (two ossbox servers on one data directory, RAM as the seeds expect) shared by every
example of a test session (of each xdist worker)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.examples.world import World, build_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from build_world(tmp_path_factory.mktemp("seeds"))
