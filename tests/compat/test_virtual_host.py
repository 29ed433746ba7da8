"""Virtual-host addressing: alibabacloud-oss-v2 pointed at `http://localhost:PORT` sends
`Host: <bucket>.localhost:PORT` (it only forces path style for IP endpoints)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import alibabacloud_oss_v2 as oss_v2
import pytest

from tests.conftest import LiveServer

_real_getaddrinfo = socket.getaddrinfo


def _loopback_for_localhost_subdomains(host: Any, *args: Any, **kwargs: Any) -> Any:
    # The machine's resolver does not map *.localhost; the client is left untouched.
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture
def virtual_host_client(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[oss_v2.Client]:
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_for_localhost_subdomains)
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        live_server.access_key_id, live_server.access_key_secret
    )
    cfg.region = live_server.region
    cfg.endpoint = f"http://localhost:{live_server.port}"
    cfg.retry_max_attempts = 1
    yield oss_v2.Client(cfg)


def test_virtual_host_requests_reach_the_bucket(
    virtual_host_client: oss_v2.Client, bucket_name: str
) -> None:
    client = virtual_host_client
    client.put_bucket(oss_v2.PutBucketRequest(bucket=bucket_name))
    client.put_object(
        oss_v2.PutObjectRequest(bucket=bucket_name, key="dir/a b+c.txt", body=b"hello")
    )
    got = client.get_object(oss_v2.GetObjectRequest(bucket=bucket_name, key="dir/a b+c.txt"))
    assert got.body.read() == b"hello"
    listed = client.list_objects_v2(oss_v2.ListObjectsV2Request(bucket=bucket_name))
    assert [o.key for o in listed.contents or []] == ["dir/a b+c.txt"]
    info = client.get_bucket_info(oss_v2.GetBucketInfoRequest(bucket=bucket_name))
    assert info.bucket_info is not None and info.bucket_info.name == bucket_name
