"""`GET /_ossbox/credentials/<role>`: alibabacloud-credentials' own `credentials_uri` provider gets
real STS credentials for a role that put and get through oss2; the endpoint is loopback-only by
default and needs `Authorization: Bearer` with `--credentials-uri-token`."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import oss2
import pytest
from alibabacloud_credentials.provider import URLCredentialsProvider

from tests.compat.sts_world import World, make_world
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

TOKEN = "uri-token-" + secrets.token_hex(8)


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    return make_world(live_server)


def _fetch(url: str, authorization: str | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url)
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_official_uri_provider_puts_and_gets(world: World) -> None:
    server = world.server
    provider = URLCredentialsProvider(uri=f"{server.endpoint}/_ossbox/credentials/{world.role}")
    creds = provider.get_credentials()
    assert creds.get_access_key_id().startswith("STS.")
    auth = oss2.StsAuth(
        creds.get_access_key_id(),
        creds.get_access_key_secret(),
        creds.get_security_token(),
        auth_version="v4",
    )
    bucket = oss2.Bucket(auth, server.endpoint, world.bucket, region=server.region)
    bucket.put_object("from-uri", b"uri credentials")
    assert bucket.get_object("from-uri").read() == b"uri credentials"
    other = oss2.Bucket(auth, server.endpoint, world.other_bucket, region=server.region)
    with pytest.raises(oss2.exceptions.AccessDenied):
        other.put_object("from-uri", b"no")


def test_json_shape_and_unknown_role(world: World) -> None:
    base = f"{world.server.endpoint}/_ossbox/credentials/"
    status, body = _fetch(base + world.role)
    assert status == 200 and body["Code"] == "Success"
    assert set(body) == {"Code", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}
    assert _fetch(base + "NoSuchRole")[0] == 404


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data: Path = tmp_path_factory.mktemp("uri-token") / "data"
    data.mkdir()
    server = LiveServer(data, extra_args=["--credentials-uri-token", TOKEN])
    server.start()
    yield server
    server.stop()


def test_bearer_token_mode(token_server: LiveServer) -> None:
    world = make_world(token_server)
    url = f"{token_server.endpoint}/_ossbox/credentials/{world.role}"
    assert _fetch(url)[0] == 401
    assert _fetch(url, "Bearer wrong-token")[0] == 401
    assert _fetch(url, f"Basic {TOKEN}")[0] == 401
    status, body = _fetch(url, f"Bearer {TOKEN}")
    assert status == 200 and body["AccessKeyId"].startswith("STS.")
