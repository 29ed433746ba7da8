"""One world (two ossbox servers on one data directory, RAM as the seeds expect) shared by every
example of a test session (of each xdist worker). When it is torn down, the secrets scan of
tests/secrets_scan.py runs over its logs, audit trail and metrics: fifty-odd official clients'
worth of AccessKeys, STS tokens, OIDC tokens and KMS-rotated keys must not appear there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.examples.world import World, build_world
from tests.secrets_scan import scan_server


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("seeds")
    root_secret = ""
    for built in build_world(base):
        root_secret = built.http.access_key_secret
        yield built
    data = base / "data"
    leaks = scan_server(data, root_secret, base.glob("ossbox-serve-*.log"))
    assert not leaks, "secrets leaked:\n" + "\n".join(leaks)
