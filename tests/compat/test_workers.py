"""`ossbox serve --workers 2`: two processes on one port and one data directory.

Every request here opens a fresh connection, so SO_REUSEPORT spreads them over both workers;
20 of them reach both with probability 1 - 2**-19. What one worker changes (a key disabled, a
policy detached, a role's sessions revoked, a nonce used) must hold in the other within the
documented second.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import oss2
import pytest

from ossbox.cli.main import main as ossbox_main
from ossbox.store.crypto import MasterKey
from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore
from tests.compat.sts_world import World, make_world, root_client, rpc
from tests.compat.test_ram_enforcement import allow, ram_user
from tests.conftest import LiveServer, free_port
from tests.server.test_rpc_dispatch import signed_params

pytestmark = pytest.mark.compat

FRESH = 20  # fresh connections per check
PROPAGATION = 1.0  # the documented delay for changes made by another process


def workers_of(server: LiveServer) -> set[int]:
    assert server.process is not None
    path = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    return {int(pid) for pid in path.read_text().split()} if path.exists() else set()


def fresh_bucket(server: LiveServer, auth: oss2.AuthBase, name: str) -> oss2.Bucket:
    """A bucket client on a connection of its own."""
    return oss2.Bucket(auth, server.endpoint, name, region=server.region, session=oss2.Session())


def outcomes(call: Callable[[], object]) -> set[str]:
    """What FRESH calls, each on a new connection, ended with: 'ok' or the OSS error code."""
    seen: set[str] = set()
    for _ in range(FRESH):
        try:
            call()
            seen.add("ok")
        except oss2.exceptions.ServerError as err:
            seen.add(err.code)
    return seen


@pytest.fixture(scope="module")
def workers_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path_factory.mktemp("workers") / "data", extra_args=["--workers", "2"])
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(workers_server: LiveServer) -> World:
    return make_world(workers_server)


def test_two_workers_serve_one_port(workers_server: LiveServer) -> None:
    assert len(workers_of(workers_server)) == 2
    root = oss2.AuthV4(workers_server.access_key_id, workers_server.access_key_secret)
    fresh_bucket(workers_server, root, "two-workers").create_bucket()
    for i in range(FRESH):
        fresh_bucket(workers_server, root, "two-workers").put_object(f"k{i}", b"x" * i)
    for i in range(FRESH):
        assert fresh_bucket(workers_server, root, "two-workers").get_object(f"k{i}").read() == (
            b"x" * i
        )


def test_a_disabled_key_is_refused_by_every_worker(workers_server: LiveServer) -> None:
    bucket = fresh_bucket(
        workers_server,
        oss2.AuthV4(workers_server.access_key_id, workers_server.access_key_secret),
        "disable-key",
    )
    bucket.create_bucket()
    bucket.put_object("k", b"v")
    user = ram_user(workers_server, allow("oss:GetObject", "acs:oss:*:*:disable-key/*"))
    read = lambda: fresh_bucket(workers_server, user.auth("v4"), "disable-key").get_object("k")  # noqa: E731
    assert outcomes(read) == {"ok"}
    rpc(
        workers_server,
        root_client(workers_server),
        "UpdateAccessKey",
        UserName=user.name,
        UserAccessKeyId=user.access_key_id,
        Status="Inactive",
    )
    assert outcomes(read) == {"InvalidAccessKeyId"}  # AccessKeys are read on every request


def test_a_detached_policy_stops_every_worker_within_a_second(workers_server: LiveServer) -> None:
    root = root_client(workers_server)
    bucket = fresh_bucket(
        workers_server,
        oss2.AuthV4(workers_server.access_key_id, workers_server.access_key_secret),
        "detach-policy",
    )
    bucket.create_bucket()
    bucket.put_object("k", b"v")
    user = ram_user(workers_server, system="AliyunOSSReadOnlyAccess")
    read = lambda: fresh_bucket(workers_server, user.auth(), "detach-policy").get_object("k")  # noqa: E731
    assert outcomes(read) == {"ok"}
    rpc(
        workers_server,
        root,
        "DetachPolicyFromUser",
        PolicyType="System",
        PolicyName="AliyunOSSReadOnlyAccess",
        UserName=user.name,
    )
    time.sleep(PROPAGATION + 0.1)
    assert outcomes(read) == {"AccessDenied"}


def test_revoked_sessions_are_refused_by_every_worker_within_a_second(
    workers_server: LiveServer, world: World
) -> None:
    creds = world.assume()
    auth = oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    write = lambda: fresh_bucket(workers_server, auth, world.bucket).put_object("k", b"v")  # noqa: E731
    assert outcomes(write) == {"ok"}
    time.sleep(1.1)  # the cutoff has a one-second resolution: issued strictly before it
    code = ossbox_main(
        ["sts", "revoke-sessions", "--data", str(workers_server.data_dir), "--role", world.role]
    )
    assert code == 0
    time.sleep(PROPAGATION + 0.1)
    assert outcomes(write) == {"InvalidSecurityToken"}
    fresh = world.assume()  # issued after the cutoff: accepted everywhere
    auth = oss2.StsAuth(fresh["AccessKeyId"], fresh["AccessKeySecret"], fresh["SecurityToken"])
    assert outcomes(write) == {"ok"}


def test_a_nonce_used_on_one_worker_is_refused_on_the_other(workers_server: LiveServer) -> None:
    params = signed_params(workers_server, "GetCallerIdentity", version="2015-04-01")
    codes = []
    for _ in range(FRESH):
        with httpx.Client() as client:  # a new connection each time
            body = client.get(workers_server.endpoint + "/", params=params).json()
        codes.append(body.get("Code", "ok"))
    assert codes[0] == "ok"
    assert set(codes[1:]) == {"SignatureNonceUsed"}


def test_a_killed_worker_is_replaced(workers_server: LiveServer) -> None:
    before = workers_of(workers_server)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = workers_of(workers_server)
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.05)
    assert len(workers_of(workers_server)) == 2
    assert victim not in workers_of(workers_server)
    health = [httpx.get(workers_server.endpoint + "/_ossbox/health") for _ in range(FRESH)]
    assert {r.status_code for r in health} == {200}


def _start(data_dir: Path, port: int, *extra: str) -> LiveServer:
    return LiveServer(data_dir, port=port, extra_args=["--workers", "2", *extra]).start()


def _wait_healthy(endpoint: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(endpoint + "/_ossbox/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not become healthy")


def test_first_start_bootstrap_happens_once(tmp_path: Path) -> None:
    """Without OSSBOX_* the server makes its own root AccessKey, which LiveServer (it checks
    the root AccessKey it passes) cannot start: this child is started by hand."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSSBOX_")}
    data, port = tmp_path / "data", free_port()
    args = [sys.executable, "-m", "ossbox.cli.main", "serve", "--data", str(data)]
    args += ["--port", str(port), "--workers", "2"]
    with open(tmp_path / "server.log", "ab") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}")
        output = (tmp_path / "server.log").read_text()
        assert output.count("created the root AccessKey") == 1
        account = (data / "account-id").read_text().strip()
        meta = SqliteMetadataStore(data / DB_FILE, MasterKey.load_or_create(data))
        try:
            assert len(meta.list_access_keys(account, principal_type="root")) == 1
        finally:
            meta.close()
        assert oct((data / "root-credentials").stat().st_mode & 0o777) == "0o600"
    finally:
        process.terminate()
        process.wait(10)


def test_sigterm_stops_every_worker(tmp_path: Path) -> None:
    server = _start(tmp_path / "data", free_port())
    pids = workers_of(server)
    assert len(pids) == 2
    server.stop()
    assert server.process is not None and server.process.returncode == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_kill_9_of_the_supervisor_takes_the_workers_down(tmp_path: Path) -> None:
    port = free_port()
    server = _start(tmp_path / "data", port)
    pids = workers_of(server)
    server.kill()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    with socket.create_server(("127.0.0.1", port)):
        pass  # the port is free again


def test_imds_is_served_by_one_worker(tmp_path: Path) -> None:
    imds_port = free_port()
    server = _start(
        tmp_path / "data", free_port(), "--imds", f"127.0.0.1:{imds_port}", "--imds-role", "EcsRole"
    )
    try:
        for _ in range(5):
            response = httpx.put(
                f"http://127.0.0.1:{imds_port}/latest/api/token",
                headers={"X-aliyun-ecs-metadata-token-ttl-seconds": "60"},
            )
            assert response.status_code == 200 and response.text
    finally:
        server.stop()
