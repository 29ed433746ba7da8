"""A `--workers` worker whose store refuses writes stops serving and exits to be replaced."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import pytest

from ossbox.cli.serve import stop_servers_when
from ossbox.cli.workers import EXIT_WRITES_REFUSED, _exit_code, _refuses_writes


def _app(refused: bool) -> Any:
    return SimpleNamespace(store=SimpleNamespace(meta=SimpleNamespace(writes_refused=refused)))


def test_servers_are_asked_to_stop_once_the_condition_holds() -> None:
    servers = [SimpleNamespace(should_exit=False), SimpleNamespace(should_exit=False)]
    checks: list[int] = []

    def condition() -> bool:
        checks.append(1)
        return len(checks) >= 3

    asyncio.run(stop_servers_when(condition, cast(Any, servers), interval=0.001))
    assert len(checks) == 3
    assert all(server.should_exit for server in servers)


def test_the_watch_follows_the_store() -> None:
    app = _app(False)
    refuses = _refuses_writes(app)
    assert not refuses()
    app.store.meta.writes_refused = True
    assert refuses()


def test_a_worker_exits_non_zero_when_its_store_refuses_writes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert _exit_code(_app(False), 0) == 0
    with caplog.at_level(logging.ERROR, logger="ossbox.workers"):
        assert _exit_code(_app(True), 1) == EXIT_WRITES_REFUSED != 0
    assert "worker 1: the metadata store refuses writes" in caplog.text
