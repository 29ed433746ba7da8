"""ossbox.testing beyond the module fixture: the marker, the factory, STS sessions, the
context manager and decorator, and that the plugin costs nothing when unused."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import oss2
import pytest
import requests

from ossbox.testing import (
    OssboxAdmin,
    OssboxServer,
    RpcError,
    ServerStartError,
    allow,
    with_ossbox,
)

pytestmark = pytest.mark.ossbox(tls=True, imds_role="EcsWorker")


def test_the_marker_configures_the_module_server(ossbox_server: OssboxServer) -> None:
    assert ossbox_server.endpoint.startswith("https://")
    assert ossbox_server.ca_file is not None
    health = requests.get(
        f"{ossbox_server.endpoint}/_ossbox/health", verify=str(ossbox_server.ca_file)
    )
    assert health.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{ossbox_server.endpoint}/_ossbox/health", timeout=5)


def test_the_metadata_listener_serves_the_instance_role(
    ossbox_server: OssboxServer, ossbox_admin: OssboxAdmin
) -> None:
    ossbox_admin.create_role("EcsWorker", services=["ecs.aliyuncs.com"])
    url = f"{ossbox_server.imds_endpoint}/latest/meta-data/ram/security-credentials/EcsWorker"

    body = requests.get(url, timeout=5).json()

    assert body["Code"] == "Success"
    assert body["AccessKeyId"].startswith("STS.")


def test_an_assumed_role_session_is_limited_to_the_role_policy(
    ossbox_server: OssboxServer, ossbox_admin: OssboxAdmin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ossbox_server.ca_file))
    bucket = ossbox_admin.create_bucket()
    role = ossbox_admin.create_role(policy=allow(["oss:GetObject"], [f"acs:oss:*:*:{bucket}/*"]))
    user = ossbox_admin.create_user(policies=["AliyunSTSAssumeRoleAccess"])
    ossbox_admin.put_object(bucket, "a.txt", b"hello")
    creds = ossbox_admin.assume_role(role.arn, as_user=user)
    auth = oss2.StsAuth(creds.access_key_id, creds.access_key_secret, creds.security_token, "v4")
    session = oss2.Bucket(auth, ossbox_server.endpoint, bucket, region=ossbox_server.region)

    assert session.get_object("a.txt").read() == b"hello"
    with pytest.raises(oss2.exceptions.AccessDenied):
        session.put_object("b.txt", b"no")


def test_rpc_errors_carry_the_code(ossbox_admin: OssboxAdmin) -> None:
    with pytest.raises(RpcError) as caught:
        ossbox_admin.create_user("bad name!")
    assert caught.value.code.startswith("InvalidParameter")


def test_the_factory_starts_independent_servers(
    ossbox_server: OssboxServer, ossbox_server_factory: Callable[..., OssboxServer]
) -> None:
    other = ossbox_server_factory()
    assert other.endpoint.startswith("http://")
    assert other.port != ossbox_server.port
    assert other.access_key_id != ossbox_server.access_key_id


def test_the_context_manager_cleans_up_after_itself() -> None:
    with OssboxServer() as server:
        data = server.data_dir
        OssboxAdmin(server).create_bucket("ctx-bucket")
        assert server.running
    assert not server.running
    assert not data.exists()


def test_a_given_data_dir_survives_a_restart_and_the_log_is_kept(tmp_path: Path) -> None:
    server = OssboxServer(data_dir=tmp_path / "data").start()
    try:
        with OssboxAdmin(server) as admin:
            admin.put_object(admin.create_bucket("kept-bucket"), "k", b"v")
        server.stop()
        assert server.process is not None and server.process.returncode is not None
        server.start()
        with OssboxAdmin(server) as admin:
            assert admin.get_object("kept-bucket", "k") == b"v"
    finally:
        server.stop()
    assert server.log_file.parent == tmp_path and server.log_file.exists()


@with_ossbox()
def _decorated(name: str, *, ossbox_server: OssboxServer) -> str:
    with OssboxAdmin(ossbox_server) as admin:
        admin.create_bucket(name)
        admin.put_object(name, "k", b"v")
        return admin.get_object(name, "k").decode()


def test_the_decorator_passes_a_running_server() -> None:
    assert _decorated("deco-bucket") == "v"


def test_importing_the_plugin_imports_no_server_code() -> None:
    heavy = ("ossbox.testing.server", "ossbox.testing.admin", "ossbox.server", "httpx")
    code = (
        "import sys, ossbox.testing.plugin\n"
        f"print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    busy = OssboxServer(data_dir=tmp_path / "a").start()
    try:
        clash = OssboxServer(data_dir=tmp_path / "b", port=busy.port)
        with pytest.raises(ServerStartError) as caught:
            clash.start(timeout=20)
        assert "another server answers" in str(caught.value) or "exited" in str(caught.value)
        assert not clash.running
    finally:
        busy.stop()


def test_an_oidc_token_file_is_owner_only_even_if_it_existed(
    ossbox_admin: OssboxAdmin, tmp_path: Path
) -> None:
    out = tmp_path / "token"
    out.write_text("old")
    out.chmod(0o644)
    token = ossbox_admin.oidc_token("system:serviceaccount:ns:app", out=out)
    assert out.read_text() == token
    assert out.stat().st_mode & 0o777 == 0o600
