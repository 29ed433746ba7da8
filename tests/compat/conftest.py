"""Official OSS clients pointed at the live server: oss2 (V1, V4) and alibabacloud-oss-v2 (V4, V1).

Only the endpoint changes from what a user writes for Alibaba Cloud.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


def oss2_auth(server: LiveServer, version: str) -> oss2.Auth | oss2.AuthV4:
    if version == "v4":
        return oss2.AuthV4(server.access_key_id, server.access_key_secret)
    return oss2.Auth(server.access_key_id, server.access_key_secret)


def oss2_service(server: LiveServer, version: str = "v1") -> oss2.Service:
    return oss2.Service(oss2_auth(server, version), server.endpoint, region=server.region)


def oss2_bucket(server: LiveServer, name: str, version: str = "v1") -> oss2.Bucket:
    return oss2.Bucket(oss2_auth(server, version), server.endpoint, name, region=server.region)


def ossv2_client(server: LiveServer, version: str = "v4") -> oss_v2.Client:
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        server.access_key_id, server.access_key_secret
    )
    cfg.region = server.region
    cfg.endpoint = server.endpoint
    cfg.signature_version = version
    cfg.use_path_style = True
    cfg.retry_max_attempts = 1
    return oss_v2.Client(cfg)


@pytest.fixture(params=["v1", "v4"])
def oss2_new_bucket(
    request: pytest.FixtureRequest, live_server: LiveServer, bucket_name: str
) -> Iterator[oss2.Bucket]:
    """A fresh, empty bucket created through oss2 with V1 or V4 signing."""
    bucket = oss2_bucket(live_server, bucket_name, request.param)
    bucket.create_bucket()
    yield bucket


@pytest.fixture(params=["v4", "v1"])
def ossv2(request: pytest.FixtureRequest, live_server: LiveServer) -> oss_v2.Client:
    """An alibabacloud-oss-v2 client with V4 (its default) or V1 signing, path style."""
    return ossv2_client(live_server, request.param)


@pytest.fixture
def ossv2_new_bucket(ossv2: oss_v2.Client, bucket_name: str) -> str:
    ossv2.put_bucket(oss_v2.PutBucketRequest(bucket=bucket_name))
    return bucket_name


@pytest.fixture
def make_oss2_bucket(live_server: LiveServer) -> Callable[[str, str], oss2.Bucket]:
    return lambda name, version="v1": oss2_bucket(live_server, name, version)
