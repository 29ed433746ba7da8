"""Service and bucket API through the official clients: oss2 (V1, V4) and oss-v2 (V4, V1)."""

from __future__ import annotations

import itertools
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from ossbox.store import open_store
from ossbox.store.base import AccessKey
from tests.compat.conftest import oss2_bucket, oss2_service
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

ISO8601_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")


def _bucket_names(service: oss2.Service, **params: Any) -> list[str]:
    """Every bucket name BucketIterator yields, bounded so a paging regression cannot hang."""
    return [b.name for b in itertools.islice(oss2.BucketIterator(service, **params), 500)]


def _version(bucket: oss2.Bucket) -> str:
    return "v4" if isinstance(bucket.auth, oss2.AuthV4) else "v1"


def _raw(server: LiveServer, method: str, path: str) -> tuple[int, str]:
    """An unsigned request: (status, body)."""
    request = urllib.request.Request(server.endpoint + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _code(body: str) -> str:
    found = re.search(r"<Code>([^<]*)</Code>", body)
    return found.group(1) if found else ""


OTHER_ACCOUNT = "9876543210987654"
OTHER_AK = "LTAI5tOtherAccountKey01"
OTHER_SK = "OtherAccountSecret0123456789ab"


@pytest.fixture(scope="module")
def two_accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own whose store also holds a second account with a root AccessKey."""
    data_dir = tmp_path_factory.mktemp("two-accounts") / "data"
    store = open_store(data_dir)
    store.meta.create_account(OTHER_ACCOUNT)
    store.meta.put_access_key(
        AccessKey(
            access_key_id=OTHER_AK,
            secret=OTHER_SK,
            account_id=OTHER_ACCOUNT,
            principal_type="root",
            principal_name="",
        )
    )
    store.close()
    server = LiveServer(data_dir)
    server.start()
    yield server
    server.stop()


def _other(server: LiveServer, name: str, version: str) -> oss2.Bucket:
    return oss2.Bucket(
        oss2.make_auth(OTHER_AK, OTHER_SK, version), server.endpoint, name, region=server.region
    )


def _service_error(err: oss_v2.exceptions.OperationError) -> Any:
    inner = err.unwrap()
    assert isinstance(inner, oss_v2.exceptions.ServiceError), inner
    return inner


# --------------------------------------------------------------------------------------------
# oss2


def test_created_bucket_is_listed_and_described(
    oss2_new_bucket: oss2.Bucket, live_server: LiveServer
) -> None:
    name = oss2_new_bucket.bucket_name
    service = oss2_service(live_server, _version(oss2_new_bucket))
    listed = {b.name: b for b in itertools.islice(oss2.BucketIterator(service, prefix=name), 5)}
    assert list(listed) == [name]
    assert listed[name].location == f"oss-{live_server.region}"
    assert listed[name].region == live_server.region
    assert listed[name].storage_class == "Standard"
    assert listed[name].extranet_endpoint == f"127.0.0.1:{live_server.port}"

    info = oss2_new_bucket.get_bucket_info()
    assert info.name == name
    assert ISO8601_MS.match(info.creation_date)
    assert info.location == f"oss-{live_server.region}"
    assert info.owner.id == live_server.account_id
    assert info.acl.grant == "private"
    assert info.storage_class == "Standard"
    assert info.data_redundancy_type == "LRS"
    assert info.versioning_status is None
    assert oss2_new_bucket.get_bucket_location().location == f"oss-{live_server.region}"


def test_deleted_bucket_is_gone(oss2_new_bucket: oss2.Bucket) -> None:
    result = oss2_new_bucket.delete_bucket()
    assert result.status == 204
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss2_new_bucket.get_bucket_info()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss2_new_bucket.delete_bucket()


def test_put_bucket_answers_location_header(live_server: LiveServer, bucket_name: str) -> None:
    result = oss2_bucket(live_server, bucket_name).create_bucket()
    assert result.status == 200
    assert result.headers["Location"] == f"/{bucket_name}"


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_create_with_acl_storage_class_and_redundancy(
    live_server: LiveServer, bucket_name: str, version: str
) -> None:
    bucket = oss2_bucket(live_server, bucket_name, version)
    config = oss2.models.BucketCreateConfig(oss2.BUCKET_STORAGE_CLASS_IA, "ZRS")
    bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ, config)
    info = bucket.get_bucket_info()
    assert (info.storage_class, info.data_redundancy_type, info.acl.grant) == (
        "IA",
        "ZRS",
        "public-read",
    )


def test_owner_may_create_again_and_change_only_the_acl(oss2_new_bucket: oss2.Bucket) -> None:
    assert oss2_new_bucket.create_bucket().status == 200
    oss2_new_bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    assert oss2_new_bucket.get_bucket_acl().acl == "public-read-write"
    config = oss2.models.BucketCreateConfig(oss2.BUCKET_STORAGE_CLASS_ARCHIVE)
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        oss2_new_bucket.create_bucket(input=config)
    assert (caught.value.status, caught.value.code) == (409, "BucketAlreadyExists")
    assert oss2_new_bucket.get_bucket_info().storage_class == "Standard"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"<CreateBucketConfiguration><StorageClass>Cold", "MalformedXML"),
        (b"<Other><StorageClass>IA</StorageClass></Other>", "MalformedXML"),
        (b"<CreateBucketConfiguration><StorageClass>Hot</StorageClass>", "MalformedXML"),
        (
            b"<CreateBucketConfiguration><StorageClass>Hot</StorageClass></CreateBucketConfiguration>",
            "InvalidArgument",
        ),
        (
            b"<CreateBucketConfiguration><DataRedundancyType>XRS</DataRedundancyType>"
            b"</CreateBucketConfiguration>",
            "InvalidArgument",
        ),
    ],
)
def test_bad_create_configuration_is_refused(
    live_server: LiveServer, bucket_name: str, body: bytes, code: str
) -> None:
    bucket = oss2_bucket(live_server, bucket_name)
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        bucket.create_bucket(input=body)
    assert (caught.value.status, caught.value.code) == (400, code)
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.get_bucket_info()


def test_unknown_canned_acl_is_invalid_argument(live_server: LiveServer, bucket_name: str) -> None:
    bucket = oss2_bucket(live_server, bucket_name)
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.create_bucket("public")
    bucket.create_bucket()
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.put_bucket_acl("world-writable")
    assert bucket.get_bucket_acl().acl == "private"


@pytest.mark.parametrize(
    "name", ["ab", "a" * 64, "Upper-case", "-dash-first", "dash-last-", "under_score", "dot.ted"]
)
def test_invalid_bucket_names_are_refused(live_server: LiveServer, name: str) -> None:
    status, body = _raw(live_server, "PUT", f"/{name}")
    assert (status, _code(body)) == (400, "InvalidBucketName")


def test_bucket_name_limits_are_accepted(live_server: LiveServer) -> None:
    for name in ("a" * 3, "b" + secrets.token_hex(31)):
        bucket = oss2_bucket(live_server, name)
        bucket.create_bucket()
        assert bucket.get_bucket_info().name == name
        bucket.delete_bucket()


def test_anonymous_cannot_create_or_list_buckets(live_server: LiveServer, bucket_name: str) -> None:
    status, body = _raw(live_server, "PUT", f"/{bucket_name}")
    assert (status, _code(body)) == (403, "AccessDenied")
    status, body = _raw(live_server, "GET", "/")
    assert (status, _code(body)) == (403, "AccessDenied")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss2_bucket(live_server, bucket_name).get_bucket_info()


def test_bucket_acl_round_trip(oss2_new_bucket: oss2.Bucket, live_server: LiveServer) -> None:
    assert oss2_new_bucket.get_bucket_acl().acl == "private"
    for acl in (oss2.BUCKET_ACL_PUBLIC_READ, oss2.BUCKET_ACL_PUBLIC_READ_WRITE, "private"):
        oss2_new_bucket.put_bucket_acl(acl)
        assert oss2_new_bucket.get_bucket_acl().acl == acl
        assert oss2_new_bucket.get_bucket_info().acl.grant == acl


def test_anonymous_listing_follows_the_bucket_acl(
    oss2_new_bucket: oss2.Bucket, live_server: LiveServer
) -> None:
    oss2_new_bucket.put_object("visible.txt", b"x")
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), live_server.endpoint, oss2_new_bucket.bucket_name)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.list_objects()
    oss2_new_bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert [o.key for o in anonymous.list_objects().object_list] == ["visible.txt"]
    assert [o.key for o in anonymous.list_objects_v2().object_list] == ["visible.txt"]
    for manage in (anonymous.get_bucket_info, anonymous.get_bucket_acl, anonymous.delete_bucket):
        with pytest.raises(oss2.exceptions.AccessDenied):
            manage()


def test_versioning_is_off_then_enabled_then_suspended(oss2_new_bucket: oss2.Bucket) -> None:
    assert oss2_new_bucket.get_bucket_versioning().status is None
    for status in ("Enabled", "Suspended", "Enabled"):
        oss2_new_bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig(status))
        assert oss2_new_bucket.get_bucket_versioning().status == status
        assert oss2_new_bucket.get_bucket_info().versioning_status == status


@pytest.mark.parametrize(
    "body",
    [
        b"<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>",
        b"<VersioningConfiguration></VersioningConfiguration>",
        b"<Versioning><Status>Enabled</Status></Versioning>",
        b"<VersioningConfiguration><Status>Enabled",
        b"",
    ],
)
def test_bad_versioning_configuration_is_malformed_xml(
    oss2_new_bucket: oss2.Bucket, body: bytes
) -> None:
    oss2_new_bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    with pytest.raises(oss2.exceptions.MalformedXml):
        oss2_new_bucket.put_bucket_versioning(body)
    assert oss2_new_bucket.get_bucket_versioning().status == "Enabled"


def test_bucket_with_objects_or_uploads_is_not_deleted(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("k", b"data")
    with pytest.raises(oss2.exceptions.BucketNotEmpty) as caught:
        oss2_new_bucket.delete_bucket()
    assert caught.value.message == "The bucket you tried to delete is not empty."
    oss2_new_bucket.delete_object("k")
    upload_id = oss2_new_bucket.init_multipart_upload("pending").upload_id
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        oss2_new_bucket.delete_bucket()
    oss2_new_bucket.abort_multipart_upload("pending", upload_id)
    oss2_new_bucket.delete_bucket()


def test_versioned_bucket_with_only_delete_markers_is_not_empty(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    oss2_new_bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    version_id = oss2_new_bucket.put_object("k", b"data").versionid
    oss2_new_bucket.delete_object("k")
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        oss2_new_bucket.delete_bucket()
    listing = oss2_new_bucket.list_object_versions()
    oss2_new_bucket.delete_object("k", params={"versionId": version_id})
    oss2_new_bucket.delete_object("k", params={"versionId": listing.delete_marker[0].versionid})
    oss2_new_bucket.delete_bucket()


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_name_owned_by_another_account_is_not_available(
    two_accounts: LiveServer, bucket_name: str, version: str
) -> None:
    oss2_bucket(two_accounts, bucket_name, version).create_bucket()
    other = _other(two_accounts, bucket_name, version)
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        other.create_bucket()
    assert (caught.value.status, caught.value.code) == (409, "BucketAlreadyExists")
    assert caught.value.message.startswith("The requested bucket name is not available.")
    for manage in (other.get_bucket_info, other.get_bucket_acl, other.delete_bucket):
        with pytest.raises(oss2.exceptions.AccessDenied):
            manage()
    with pytest.raises(oss2.exceptions.AccessDenied):
        other.list_objects()
    other_service = oss2.Service(
        oss2.make_auth(OTHER_AK, OTHER_SK, version),
        two_accounts.endpoint,
        region=two_accounts.region,
    )
    assert bucket_name not in _bucket_names(other_service)
    assert bucket_name in _bucket_names(oss2_service(two_accounts, version))


def test_public_read_bucket_is_listable_by_another_account(
    two_accounts: LiveServer, bucket_name: str
) -> None:
    oss2_bucket(two_accounts, bucket_name).create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    assert _other(two_accounts, bucket_name, "v4").list_objects().object_list == []


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_list_buckets_pages_by_prefix_and_marker(live_server: LiveServer, version: str) -> None:
    prefix = f"p-{secrets.token_hex(4)}-"
    names = sorted(f"{prefix}{i}" for i in range(5))
    for name in names:
        oss2_bucket(live_server, name, version).create_bucket()
    service = oss2_service(live_server, version)
    first = service.list_buckets(prefix=prefix, max_keys=2)
    assert [b.name for b in first.buckets] == names[:2]
    assert first.is_truncated and first.next_marker == names[1]
    assert _bucket_names(service, prefix=prefix, max_keys=2) == names
    after = service.list_buckets(prefix=prefix, marker=names[2])
    assert [b.name for b in after.buckets] == names[3:]
    assert not after.is_truncated


@pytest.mark.parametrize("max_keys", [0, 1001])
def test_list_buckets_max_keys_out_of_range(live_server: LiveServer, max_keys: int) -> None:
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_service(live_server).list_buckets(max_keys=max_keys)


# --------------------------------------------------------------------------------------------
# oss-v2


def test_ossv2_bucket_lifecycle(
    ossv2: oss_v2.Client, bucket_name: str, live_server: LiveServer
) -> None:
    config = oss_v2.models.CreateBucketConfiguration(storage_class="IA", data_redundancy_type="ZRS")
    created = ossv2.put_bucket(
        oss_v2.PutBucketRequest(
            bucket=bucket_name, acl="public-read", create_bucket_configuration=config
        )
    )
    assert created.status_code == 200

    info = ossv2.get_bucket_info(oss_v2.GetBucketInfoRequest(bucket=bucket_name)).bucket_info
    assert info.name == bucket_name
    assert (info.storage_class, info.data_redundancy_type, info.acl) == ("IA", "ZRS", "public-read")
    assert info.owner.id == live_server.account_id
    assert info.location == f"oss-{live_server.region}"
    assert info.creation_date is not None

    location = ossv2.get_bucket_location(oss_v2.GetBucketLocationRequest(bucket=bucket_name))
    assert location.location == f"oss-{live_server.region}"

    ossv2.put_bucket_acl(oss_v2.PutBucketAclRequest(bucket=bucket_name, acl="private"))
    acl = ossv2.get_bucket_acl(oss_v2.GetBucketAclRequest(bucket=bucket_name))
    assert (acl.acl, acl.owner.id) == ("private", live_server.account_id)

    deleted = ossv2.delete_bucket(oss_v2.DeleteBucketRequest(bucket=bucket_name))
    assert deleted.status_code == 204
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.get_bucket_info(oss_v2.GetBucketInfoRequest(bucket=bucket_name))
    assert _service_error(caught.value).code == "NoSuchBucket"


def test_ossv2_versioning(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    get = oss_v2.GetBucketVersioningRequest(bucket=ossv2_new_bucket)
    assert ossv2.get_bucket_versioning(get).version_status is None
    for status in ("Enabled", "Suspended"):
        ossv2.put_bucket_versioning(
            oss_v2.PutBucketVersioningRequest(
                bucket=ossv2_new_bucket,
                versioning_configuration=oss_v2.VersioningConfiguration(status=status),
            )
        )
        assert ossv2.get_bucket_versioning(get).version_status == status


def test_ossv2_bucket_not_empty(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="a/b", body=b"1"))
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.delete_bucket(oss_v2.DeleteBucketRequest(bucket=ossv2_new_bucket))
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (409, "BucketNotEmpty")


def test_ossv2_list_buckets_paginator(ossv2: oss_v2.Client, live_server: LiveServer) -> None:
    prefix = f"v-{secrets.token_hex(4)}-"
    names = sorted(f"{prefix}{i}" for i in range(3))
    for name in names:
        ossv2.put_bucket(oss_v2.PutBucketRequest(bucket=name))
    paginator = ossv2.list_buckets_paginator(limit=2)
    pages = list(itertools.islice(paginator.iter_page(oss_v2.ListBucketsRequest(prefix=prefix)), 5))
    assert len(pages) == 2
    assert [b.name for page in pages for b in page.buckets] == names
    assert pages[0].owner.id == live_server.account_id
    assert all(b.region == live_server.region for page in pages for b in page.buckets)
