"""The pytest plugin (entry point `pytest11`): fixtures only. Importing it starts nothing and
imports nothing heavy; a server starts the first time a test of a module asks for one.

- `ossbox_server`: a live `OssboxServer` shared by the tests of one module (free loopback port,
  own data directory, random root AccessKey), stopped after the module. Options come from a
  module or class marker: `pytestmark = pytest.mark.ossbox(tls=True, imds_role="EcsRole")`.
- `ossbox_admin`: `OssboxAdmin` for that server (RAM users, roles, policies, STS sessions,
  buckets in one line each).
- `ossbox_server_factory`: start more servers with any options inside one test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ossbox.testing.admin import OssboxAdmin
    from ossbox.testing.server import OssboxServer


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "ossbox(**options): OssboxServer options for the module's `ossbox_server` fixture",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("ossbox")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture(scope="module")
def ossbox_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OssboxServer]:
    """A live ossbox for the tests of this module."""
    from ossbox.testing.server import OssboxServer

    options = _options(request)
    options.setdefault("data_dir", tmp_path_factory.mktemp("ossbox") / "data")
    with OssboxServer(**options) as server:
        yield server


@pytest.fixture(scope="module")
def ossbox_admin(ossbox_server: OssboxServer) -> Iterator[OssboxAdmin]:
    """RAM/STS/bucket helpers signed with the module server's root AccessKey."""
    from ossbox.testing.admin import OssboxAdmin

    with OssboxAdmin(ossbox_server) as admin:
        yield admin


@pytest.fixture
def ossbox_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., OssboxServer]]:
    """`factory(**options)` starts another server; all are stopped after the test."""
    from ossbox.testing.server import OssboxServer

    started: list[OssboxServer] = []

    def start(**options: Any) -> OssboxServer:
        options.setdefault("data_dir", tmp_path_factory.mktemp("ossbox") / "data")
        server = OssboxServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
