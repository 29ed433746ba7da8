"""Object API through the official clients: oss2 (V1, V4) and oss-v2 (V4, V1), plus raw requests
for what the clients cannot send (bad signatures, skewed clocks, truncated bodies)."""

from __future__ import annotations

import base64
import hashlib
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

import alibabacloud_oss_v2 as oss_v2
import httpx
import oss2
import pytest
from oss2.models import BucketVersioningConfig, Tagging, TaggingRule

from ossbox.signing.oss_v1 import presign_v1, sign_v1_header
from ossbox.store.crc import crc64
from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

AWKWARD_KEYS = [
    "plain.txt",
    "dir/sub/file.txt",
    "a b+c~*%.txt",
    "100%/x&y=z?q#h",
    "中文/键 名.bin",
    "trailing-slash/",
]


def _md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def _md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


def _version(bucket: oss2.Bucket) -> str:
    return "v4" if isinstance(bucket.auth, oss2.AuthV4) else "v1"


def _anonymous(server: LiveServer, bucket: oss2.Bucket) -> oss2.Bucket:
    return oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, bucket.bucket_name)


def _service_error(err: BaseException) -> Any:
    assert isinstance(err, oss_v2.exceptions.OperationError), err
    inner = err.unwrap()
    assert isinstance(inner, oss_v2.exceptions.ServiceError), inner
    return inner


def _enable_versioning(bucket: oss2.Bucket, status: str = "Enabled") -> None:
    config = BucketVersioningConfig()
    config.status = status
    bucket.put_bucket_versioning(config)


def _signed_headers(
    server: LiveServer,
    method: str,
    bucket: str,
    key: str | None,
    headers: dict[str, str] | None = None,
    *,
    query: list[tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """V1-signed headers for a request the clients would not send as it is."""
    return sign_v1_header(
        method=method,
        bucket=bucket,
        key=key,
        query=query or [],
        headers=headers or {},
        access_key_id=server.access_key_id,
        access_key_secret=server.access_key_secret,
        now=now or datetime.now(UTC),
    )


def _shift_clock(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move oss2's clock (V1 reads time.time, V4 datetime.utcnow) by `seconds`."""
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + seconds)

    class ShiftedDatetime(datetime):
        @classmethod
        def utcnow(cls) -> datetime:  # type: ignore[override]
            return datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=seconds)

    monkeypatch.setattr(oss2.auth, "datetime", ShiftedDatetime)


def _url(server: LiveServer, bucket: str, key: str) -> str:
    return f"{server.endpoint}/{bucket}/{quote(key, safe='')}"


def _error_code(response: httpx.Response) -> str:
    text = response.text
    start = text.find("<Code>")
    return text[start + 6 : text.find("</Code>")] if start >= 0 else ""


# --------------------------------------------------------------------------------------------
# Put / Get / Head round trips


def test_seed_sample_put_then_get(live_server: LiveServer, bucket_name: str) -> None:
    """The documentation's sample, with only the endpoint changed."""
    auth = oss2.Auth(live_server.access_key_id, live_server.access_key_secret)
    bucket = oss2.Bucket(auth, live_server.endpoint, bucket_name)
    bucket.create_bucket()
    result = bucket.put_object("exampleobject.txt", "Hello OSS")
    assert result.status == 200
    assert bucket.get_object("exampleobject.txt").read() == b"Hello OSS"


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_oss2_round_trip_of_awkward_keys(oss2_new_bucket: oss2.Bucket, key: str) -> None:
    data = key.encode() * 3
    put = oss2_new_bucket.put_object(key, data)
    assert put.etag == _md5_hex(data)
    assert put.crc == crc64(data)
    got = oss2_new_bucket.get_object(key)
    assert got.read() == data
    assert got.server_crc == crc64(data)
    assert oss2_new_bucket.object_exists(key)
    assert [o.key for o in oss2_new_bucket.list_objects(prefix=key).object_list] == [key]


def test_ossv2_round_trip_of_awkward_keys(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    for key in AWKWARD_KEYS:
        data = ("v2:" + key).encode()
        put = ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key=key, body=data))
        assert put.etag == f'"{_md5_hex(data)}"'
        assert put.hash_crc64 == str(crc64(data))
        got = ossv2.get_object(oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key=key))
        assert got.body.read() == data
        assert got.content_length == len(data)


def test_large_object_streams_back_with_matching_crc(oss2_new_bucket: oss2.Bucket) -> None:
    data = bytes(range(256)) * 8 * 1024 + b"tail"  # 2 MB + 4: several read chunks
    oss2_new_bucket.put_object("big.bin", data)
    result = oss2_new_bucket.get_object("big.bin")
    assert result.read() == data  # oss2 checks the CRC of a full read itself
    assert result.client_crc == result.server_crc == crc64(data)


def test_empty_object(oss2_new_bucket: oss2.Bucket) -> None:
    put = oss2_new_bucket.put_object("empty", b"")
    assert put.etag == "D41D8CD98F00B204E9800998ECF8427E"
    assert oss2_new_bucket.get_object("empty").read() == b""
    assert oss2_new_bucket.head_object("empty").content_length == 0


def test_metadata_and_standard_headers_round_trip(oss2_new_bucket: oss2.Bucket) -> None:
    headers = {
        "Content-Type": "text/x-custom",
        "Cache-Control": "no-cache",
        "Content-Disposition": 'attachment; filename="a.txt"',
        "Content-Encoding": "identity",
        "Content-Language": "en",
        "Expires": "Wed, 21 Oct 2015 07:28:00 GMT",
        "x-oss-meta-author": "alice",
        "x-oss-meta-Mixed-Case": "Value With Spaces",
    }
    put = oss2_new_bucket.put_object("meta.txt", b"hello", headers=headers)
    head = oss2_new_bucket.head_object("meta.txt")
    got = oss2_new_bucket.get_object("meta.txt")
    for response in (head, got):
        h = response.headers
        assert h["Content-Type"] == "text/x-custom"
        assert h["Cache-Control"] == "no-cache"
        assert h["Content-Disposition"] == 'attachment; filename="a.txt"'
        assert h["Content-Encoding"] == "identity"
        assert h["Content-Language"] == "en"
        assert h["Expires"] == "Wed, 21 Oct 2015 07:28:00 GMT"
        assert h["x-oss-meta-author"] == "alice"
        assert h["x-oss-meta-mixed-case"] == "Value With Spaces"
        assert h["x-oss-object-type"] == "Normal"
        assert h["x-oss-storage-class"] == "Standard"
        assert h["Accept-Ranges"] == "bytes"
        assert h["Content-MD5"] == _md5_b64(b"hello")
        assert response.etag == put.etag
        assert response.content_length == 5
    assert head.last_modified == got.last_modified
    assert abs(head.last_modified - time.time()) < 120


def test_default_content_type_is_octet_stream(live_server: LiveServer, bucket_name: str) -> None:
    bucket = oss2_bucket(live_server, bucket_name)
    bucket.create_bucket()
    headers = _signed_headers(live_server, "PUT", bucket_name, "no-type")
    response = httpx.put(_url(live_server, bucket_name, "no-type"), headers=headers, content=b"x")
    assert response.status_code == 200
    assert bucket.head_object("no-type").content_type == "application/octet-stream"


def test_ossv2_metadata_round_trip(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(
        oss_v2.PutObjectRequest(
            bucket=ossv2_new_bucket,
            key="m",
            body=b"data",
            metadata={"color": "blue", "shape": "round"},
            content_type="text/plain",
            cache_control="max-age=60",
            tagging="k1=v1&k2=v%202",
        )
    )
    head = ossv2.head_object(oss_v2.HeadObjectRequest(bucket=ossv2_new_bucket, key="m"))
    assert head.metadata == {"color": "blue", "shape": "round"}
    assert head.content_type == "text/plain"
    assert head.cache_control == "max-age=60"
    assert head.tagging_count == 2
    assert head.hash_crc64 == str(crc64(b"data"))
    assert head.content_md5 == _md5_b64(b"data")
    meta = ossv2.get_object_meta(oss_v2.GetObjectMetaRequest(bucket=ossv2_new_bucket, key="m"))
    assert meta.content_length == 4
    assert meta.etag == f'"{_md5_hex(b"data")}"'
    tags = ossv2.get_object_tagging(
        oss_v2.GetObjectTaggingRequest(bucket=ossv2_new_bucket, key="m")
    )
    assert {t.key: t.value for t in tags.tag_set.tags} == {"k1": "v1", "k2": "v 2"}


def test_get_object_meta_reports_size_etag_and_time(oss2_new_bucket: oss2.Bucket) -> None:
    put = oss2_new_bucket.put_object("gm", b"12345")
    meta = oss2_new_bucket.get_object_meta("gm")
    assert meta.content_length == 5
    assert meta.etag == put.etag
    assert meta.last_modified > 0


def test_overwrite_replaces_content_and_metadata(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("k", b"one", headers={"x-oss-meta-a": "1"})
    oss2_new_bucket.put_object("k", b"two", headers={"x-oss-meta-b": "2"})
    head = oss2_new_bucket.head_object("k")
    assert oss2_new_bucket.get_object("k").read() == b"two"
    assert "x-oss-meta-a" not in head.headers
    assert head.headers["x-oss-meta-b"] == "2"


def test_storage_class_and_acl_at_upload(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object(
        "ia", b"x", headers={"x-oss-storage-class": "IA", "x-oss-object-acl": "public-read"}
    )
    assert oss2_new_bucket.head_object("ia").headers["x-oss-storage-class"] == "IA"
    assert oss2_new_bucket.get_object_acl("ia").acl == "public-read"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"x-oss-object-acl": "world-writable"}, "InvalidArgument"),
        ({"x-oss-storage-class": "Glacier"}, "InvalidArgument"),
        ({"x-oss-tagging": "a=b=c"}, "InvalidTag"),
        ({"x-oss-tagging": "&".join(f"k{i}=v" for i in range(11))}, "InvalidTag"),
        ({"x-oss-meta-big": "x" * 8200}, "InvalidArgument"),
        ({"Content-MD5": "not base64!"}, "InvalidDigest"),
    ],
)
def test_bad_put_headers_are_refused_and_nothing_is_stored(
    oss2_new_bucket: oss2.Bucket, headers: dict[str, str], code: str
) -> None:
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss2_new_bucket.put_object("refused", b"data", headers=headers)
    assert (caught.value.status, caught.value.code) == (400, code)
    assert not oss2_new_bucket.object_exists("refused")


def test_content_md5_mismatch_is_invalid_digest(oss2_new_bucket: oss2.Bucket) -> None:
    with pytest.raises(oss2.exceptions.InvalidDigest) as caught:
        oss2_new_bucket.put_object("md5", b"data", headers={"Content-MD5": _md5_b64(b"other")})
    assert caught.value.message == "The Content-MD5 you specified was invalid."
    assert not oss2_new_bucket.object_exists("md5")
    ok = oss2_new_bucket.put_object("md5", b"data", headers={"Content-MD5": _md5_b64(b"data")})
    assert ok.status == 200


def test_ossv2_content_md5_mismatch(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    request = oss_v2.PutObjectRequest(
        bucket=ossv2_new_bucket, key="x", body=b"abc", content_md5=_md5_b64(b"abd")
    )
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.put_object(request)
    assert _service_error(caught.value).code == "InvalidDigest"


def test_forbid_overwrite(oss2_new_bucket: oss2.Bucket) -> None:
    forbid = {"x-oss-forbid-overwrite": "true"}
    oss2_new_bucket.put_object("once", b"first", headers=forbid)
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss2_new_bucket.put_object("once", b"second", headers=forbid)
    assert (caught.value.status, caught.value.code) == (409, "FileAlreadyExists")
    assert caught.value.message == (
        "The object you specified already exists and can not be overwritten."
    )
    assert oss2_new_bucket.get_object("once").read() == b"first"
    oss2_new_bucket.put_object("once", b"third", headers={"x-oss-forbid-overwrite": "false"})
    assert oss2_new_bucket.get_object("once").read() == b"third"


def test_ossv2_forbid_overwrite(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    def put(body: bytes) -> Any:
        return ossv2.put_object(
            oss_v2.PutObjectRequest(
                bucket=ossv2_new_bucket, key="f", body=body, forbid_overwrite=True
            )
        )

    put(b"a")
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        put(b"b")
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (409, "FileAlreadyExists")


def test_missing_key_is_no_such_key_everywhere(oss2_new_bucket: oss2.Bucket) -> None:
    calls: list[Callable[[], Any]] = [
        lambda: oss2_new_bucket.get_object("nope"),
        lambda: oss2_new_bucket.get_object_acl("nope"),
        lambda: oss2_new_bucket.get_object_tagging("nope"),
        lambda: oss2_new_bucket.get_symlink("nope"),
        lambda: oss2_new_bucket.put_object_acl("nope", "private"),
        lambda: oss2_new_bucket.copy_object(oss2_new_bucket.bucket_name, "nope", "dst"),
    ]
    for call in calls:
        with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
            call()
        assert caught.value.details["Key"] == "nope"
    with pytest.raises(oss2.exceptions.NotFound) as head:
        oss2_new_bucket.head_object("nope")
    assert head.value.code == "NoSuchKey"  # read from x-oss-err
    assert not oss2_new_bucket.object_exists("nope")


def test_ossv2_head_of_missing_key(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.head_object(oss_v2.HeadObjectRequest(bucket=ossv2_new_bucket, key="missing"))
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (404, "NoSuchKey")
    assert not ossv2.is_object_exist(ossv2_new_bucket, "missing")


# --------------------------------------------------------------------------------------------
# Ranges, conditions, response-* overrides

DATA = b"0123456789abcdefghij"  # 20 bytes


@pytest.fixture
def ranged(oss2_new_bucket: oss2.Bucket) -> oss2.Bucket:
    oss2_new_bucket.put_object("r", DATA)
    return oss2_new_bucket


@pytest.mark.parametrize(
    ("byte_range", "body", "content_range"),
    [
        ((0, 4), DATA[0:5], "bytes 0-4/20"),
        ((15, None), DATA[15:], "bytes 15-19/20"),
        ((None, 3), DATA[-3:], "bytes 17-19/20"),
        ((19, 19), DATA[19:], "bytes 19-19/20"),
    ],
)
def test_oss2_range_forms(
    ranged: oss2.Bucket,
    byte_range: tuple[int | None, int | None],
    body: bytes,
    content_range: str,
) -> None:
    result = ranged.get_object("r", byte_range=byte_range)
    assert result.status == 206
    assert result.read() == body
    assert result.headers["Content-Range"] == content_range
    assert result.content_length == len(body)
    assert result.server_crc == crc64(DATA)  # x-oss-hash-crc64ecma is the whole object's


@pytest.mark.parametrize("header", ["bytes=0-20", "bytes=20-30", "bytes=-21", "bytes=5-2"])
def test_unservable_range_is_ignored_by_default(ranged: oss2.Bucket, header: str) -> None:
    result = ranged.get_object("r", headers={"Range": header})
    assert result.status == 200
    assert "Content-Range" not in result.headers
    assert result.read() == DATA


def test_standard_range_behaviour(ranged: oss2.Bucket) -> None:
    standard = {"x-oss-range-behavior": "standard"}
    clamped = ranged.get_object("r", headers={**standard, "Range": "bytes=10-100"})
    assert clamped.status == 206
    assert clamped.headers["Content-Range"] == "bytes 10-19/20"
    assert clamped.read() == DATA[10:]
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        ranged.get_object("r", headers={**standard, "Range": "bytes=20-30"})
    assert (caught.value.status, caught.value.code) == (416, "InvalidRange")
    assert caught.value.headers["Content-Range"] == "bytes */20"


def test_ossv2_ranges(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="r", body=DATA))

    def get(range_header: str, behavior: str | None = None) -> Any:
        return ossv2.get_object(
            oss_v2.GetObjectRequest(
                bucket=ossv2_new_bucket, key="r", range_header=range_header, range_behavior=behavior
            )
        )

    part = get("bytes=2-5")
    assert (part.status_code, part.content_range, part.body.read()) == (
        206,
        "bytes 2-5/20",
        DATA[2:6],
    )
    assert get("bytes=-5").body.read() == DATA[-5:]
    assert get("bytes=0-99", "standard").content_range == "bytes 0-19/20"
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        get("bytes=50-", "standard")
    assert _service_error(caught.value).code == "InvalidRange"


def test_ossv2_get_object_to_file_checks_crc(
    live_server: LiveServer, ossv2_new_bucket: str, tmp_path: Any
) -> None:
    # get_object_to_file makes retry_max_attempts - 1 attempts (an SDK quirk), so the shared
    # client's single attempt would download nothing: this one may make two.
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        live_server.access_key_id, live_server.access_key_secret
    )
    cfg.region, cfg.endpoint, cfg.use_path_style = live_server.region, live_server.endpoint, True
    cfg.retry_max_attempts = 2
    client = oss_v2.Client(cfg)
    data = b"z" * 300_000
    client.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="f", body=data))
    target = tmp_path / "out"
    request = oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="f")
    result = client.get_object_to_file(request, str(target))
    assert result.hash_crc64 == str(crc64(data))
    assert target.read_bytes() == data


def test_oss2_resumable_download_in_ranges(oss2_new_bucket: oss2.Bucket, tmp_path: Any) -> None:
    data = bytes(range(256)) * 1200  # 300 KB, fetched as 100 KB ranges
    oss2_new_bucket.put_object("multi", data)
    target = tmp_path / "multi"
    oss2.resumable_download(
        oss2_new_bucket,
        "multi",
        str(target),
        multiget_threshold=100 * 1024,
        part_size=100 * 1024,
        num_threads=2,
        store=oss2.ResumableDownloadStore(root=str(tmp_path)),
    )
    assert target.read_bytes() == data


def test_ossv2_downloader_in_ranges(
    ossv2: oss_v2.Client, ossv2_new_bucket: str, tmp_path: Any
) -> None:
    data = bytes(range(251)) * 1500
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="d", body=data))
    target = tmp_path / "d"
    downloader = ossv2.downloader(part_size=100 * 1024, parallel_num=2)
    result = downloader.download_file(
        oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="d"), str(target)
    )
    assert result.written == len(data)
    assert target.read_bytes() == data


def test_conditional_get(ranged: oss2.Bucket) -> None:
    etag = ranged.head_object("r").etag
    modified = ranged.head_object("r").headers["Last-Modified"]
    later = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    earlier = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)

    assert ranged.get_object("r", headers={"If-Match": f'"{etag}"'}).read() == DATA
    assert ranged.get_object("r", headers={"If-Modified-Since": earlier}).read() == DATA
    assert ranged.get_object("r", headers={"If-Unmodified-Since": later}).read() == DATA
    for headers in ({"If-None-Match": f'"{etag}"'}, {"If-Modified-Since": modified}):
        with pytest.raises(oss2.exceptions.NotModified):
            ranged.get_object("r", headers=headers)
    for headers in ({"If-Match": '"0000"'}, {"If-Unmodified-Since": earlier}):
        with pytest.raises(oss2.exceptions.PreconditionFailed):
            ranged.get_object("r", headers=headers)
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        ranged.head_object("r", headers={"If-Match": '"0000"'})


def test_ossv2_conditions(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    put = ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="c", body=b"c"))
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.get_object(
            oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="c", if_match='"FFFF"')
        )
    assert _service_error(caught.value).status_code == 412
    ok = ossv2.get_object(
        oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="c", if_none_match='"FFFF"')
    )
    assert ok.etag == put.etag


def test_response_overrides_on_signed_get(ranged: oss2.Bucket) -> None:
    params = {
        "response-content-type": "image/png",
        "response-content-language": "fr",
        "response-expires": "Thu, 01 Dec 1994 16:00:00 GMT",
        "response-cache-control": "no-store",
        "response-content-disposition": "attachment; filename=r.bin",
        "response-content-encoding": "identity",
    }
    result = ranged.get_object("r", params=params)
    assert result.read() == DATA
    headers = result.headers
    assert headers["Content-Type"] == "image/png"
    assert headers["Content-Language"] == "fr"
    assert headers["Expires"] == "Thu, 01 Dec 1994 16:00:00 GMT"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Disposition"] == "attachment; filename=r.bin"
    assert headers["Content-Encoding"] == "identity"


def test_ossv2_response_overrides(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="o", body=b"o"))
    result = ossv2.get_object(
        oss_v2.GetObjectRequest(
            bucket=ossv2_new_bucket,
            key="o",
            response_content_type="text/csv",
            response_content_disposition="inline",
        )
    )
    assert result.content_type == "text/csv"
    assert result.content_disposition == "inline"


def test_anonymous_get_may_override_only_content_type(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    oss2_new_bucket.put_object("pub", b"p", headers={"x-oss-object-acl": "public-read"})
    params = {"response-content-type": "text/html", "response-cache-control": "no-store"}
    result = _anonymous(live_server, oss2_new_bucket).get_object("pub", params=params)
    assert result.headers["Content-Type"] == "text/html"
    assert "Cache-Control" not in result.headers


# --------------------------------------------------------------------------------------------
# Copy


def test_copy_within_a_bucket_keeps_content_and_metadata(oss2_new_bucket: oss2.Bucket) -> None:
    data = b"copy me"
    oss2_new_bucket.put_object(
        "src/a b+c.txt", data, headers={"x-oss-meta-x": "1", "Content-Type": "text/plain"}
    )
    result = oss2_new_bucket.copy_object(oss2_new_bucket.bucket_name, "src/a b+c.txt", "dst")
    assert result.etag == _md5_hex(data)
    assert result.crc == crc64(data)
    head = oss2_new_bucket.head_object("dst")
    assert head.headers["x-oss-meta-x"] == "1"
    assert head.content_type == "text/plain"
    assert oss2_new_bucket.get_object("dst").read() == data
    # The copy is independent of its source.
    oss2_new_bucket.delete_object("src/a b+c.txt")
    assert oss2_new_bucket.get_object("dst").read() == data


def test_copy_with_replace_directive_takes_request_metadata(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("s", b"s", headers={"x-oss-meta-old": "1"})
    oss2_new_bucket.copy_object(
        oss2_new_bucket.bucket_name,
        "s",
        "d",
        headers={
            "x-oss-metadata-directive": "REPLACE",
            "x-oss-meta-new": "2",
            "Content-Type": "text/csv",
        },
    )
    head = oss2_new_bucket.head_object("d")
    assert "x-oss-meta-old" not in head.headers
    assert head.headers["x-oss-meta-new"] == "2"
    assert head.content_type == "text/csv"


def test_update_object_meta_copies_onto_itself(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("self", b"same", headers={"x-oss-meta-a": "1"})
    oss2_new_bucket.update_object_meta("self", {"x-oss-meta-b": "2"})
    head = oss2_new_bucket.head_object("self")
    assert head.headers["x-oss-meta-b"] == "2"
    assert "x-oss-meta-a" not in head.headers
    assert oss2_new_bucket.get_object("self").read() == b"same"
    oss2_new_bucket.copy_object(oss2_new_bucket.bucket_name, "self", "self")
    assert oss2_new_bucket.get_object("self").read() == b"same"


def test_copy_across_buckets(
    oss2_new_bucket: oss2.Bucket, live_server: LiveServer, bucket_name: str
) -> None:
    other = oss2_bucket(live_server, bucket_name + "-2", _version(oss2_new_bucket))
    other.create_bucket()
    other.put_object("中文 源", b"from elsewhere")
    oss2_new_bucket.copy_object(other.bucket_name, "中文 源", "here")
    assert oss2_new_bucket.get_object("here").read() == b"from elsewhere"


def test_copy_errors(oss2_new_bucket: oss2.Bucket) -> None:
    name = oss2_new_bucket.bucket_name
    oss2_new_bucket.put_object("s", b"s")
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        oss2_new_bucket.copy_object("no-such-bucket-xyz", "s", "d")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_new_bucket.copy_object(name, "s", "d", headers={"x-oss-metadata-directive": "MOVE"})
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        oss2_new_bucket.copy_object(
            name, "s", "d", headers={"x-oss-copy-source-if-match": '"0000"'}
        )
    etag = oss2_new_bucket.head_object("s").etag
    with pytest.raises(oss2.exceptions.NotModified):
        oss2_new_bucket.copy_object(
            name, "s", "d", headers={"x-oss-copy-source-if-none-match": f'"{etag}"'}
        )
    assert not oss2_new_bucket.object_exists("d")
    oss2_new_bucket.copy_object(name, "s", "d", headers={"x-oss-copy-source-if-match": etag})
    assert oss2_new_bucket.object_exists("d")
    with pytest.raises(oss2.exceptions.OssError) as caught:
        oss2_new_bucket.copy_object(name, "s", "d", headers={"x-oss-forbid-overwrite": "true"})
    assert caught.value.code == "FileAlreadyExists"


def test_copy_of_a_private_source_needs_read_access(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket, bucket_name: str
) -> None:
    """Anonymous may write into a public-read-write bucket, but not copy from a private one."""
    public = oss2_bucket(live_server, bucket_name + "-pub")
    public.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    oss2_new_bucket.put_object("secret", b"s")
    anonymous = _anonymous(live_server, public)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.copy_object(oss2_new_bucket.bucket_name, "secret", "stolen")
    anonymous.put_object("fine", b"ok")
    assert public.get_object("fine").read() == b"ok"


def test_ossv2_copy(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(
        oss_v2.PutObjectRequest(
            bucket=ossv2_new_bucket, key="dir/src", body=b"abc", metadata={"k": "v"}
        )
    )
    result = ossv2.copy_object(
        oss_v2.CopyObjectRequest(
            bucket=ossv2_new_bucket,
            key="dst",
            source_key="dir/src",
            metadata_directive="REPLACE",
            metadata={"k2": "v2"},
        )
    )
    assert result.etag == f'"{_md5_hex(b"abc")}"'
    assert result.last_modified is not None
    assert result.hash_crc64 == str(crc64(b"abc"))
    head = ossv2.head_object(oss_v2.HeadObjectRequest(bucket=ossv2_new_bucket, key="dst"))
    assert head.metadata == {"k2": "v2"}


# --------------------------------------------------------------------------------------------
# Append


def test_append_positions_and_crc(oss2_new_bucket: oss2.Bucket) -> None:
    first = oss2_new_bucket.append_object("log", 0, b"hello ", headers={"x-oss-meta-a": "1"})
    assert first.next_position == 6
    assert first.crc == crc64(b"hello ")
    second = oss2_new_bucket.append_object(
        "log", first.next_position, b"world", init_crc=first.crc, headers={"x-oss-meta-b": "2"}
    )
    assert second.next_position == 11
    assert second.crc == crc64(b"hello world")
    head = oss2_new_bucket.head_object("log")
    assert head.object_type == "Appendable"
    assert head.headers["x-oss-next-append-position"] == "11"
    assert head.headers["x-oss-meta-a"] == "1"  # metadata comes from the first append only
    assert "x-oss-meta-b" not in head.headers
    assert oss2_new_bucket.get_object("log").read() == b"hello world"


def test_append_at_the_wrong_position(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.append_object("log", 0, b"abc")
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as caught:
        oss2_new_bucket.append_object("log", 1, b"x")
    assert caught.value.next_position == 3
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as fresh:
        oss2_new_bucket.append_object("new-log", 5, b"x")
    assert fresh.value.next_position == 0
    assert oss2_new_bucket.get_object("log").read() == b"abc"


def test_append_to_a_normal_object_is_refused(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("normal", b"n")
    with pytest.raises(oss2.exceptions.ObjectNotAppendable):
        oss2_new_bucket.append_object("normal", 1, b"x")


def test_append_position_must_be_an_integer(oss2_new_bucket: oss2.Bucket) -> None:
    for params in ({"append": "", "position": "abc"}, {"append": ""}):
        url = oss2_new_bucket.sign_url("POST", "p", 60, params=params)
        response = httpx.post(url, content=b"x")
        assert response.status_code == 400
        assert _error_code(response) == "InvalidArgument"


def test_ossv2_append(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    first = ossv2.append_object(
        oss_v2.AppendObjectRequest(bucket=ossv2_new_bucket, key="a", position=0, body=b"12")
    )
    assert first.next_position == 2
    second = ossv2.append_object(
        oss_v2.AppendObjectRequest(
            bucket=ossv2_new_bucket,
            key="a",
            position=first.next_position,
            body=b"34",
            init_hash_crc64=first.hash_crc64,
        )
    )
    assert second.next_position == 4
    assert second.hash_crc64 == str(crc64(b"1234"))
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.append_object(
            oss_v2.AppendObjectRequest(bucket=ossv2_new_bucket, key="a", position=9, body=b"x")
        )
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (409, "PositionNotEqualToLength")
    assert error.headers.get("x-oss-next-append-position") == "4"


# --------------------------------------------------------------------------------------------
# Symlinks


def test_symlink_reads_through_to_its_target(oss2_new_bucket: oss2.Bucket) -> None:
    target_key = "dir/target 文件+.txt"
    oss2_new_bucket.put_object(target_key, b"target data")
    oss2_new_bucket.put_symlink(target_key, "link", headers={"x-oss-meta-via": "link"})
    assert oss2_new_bucket.get_symlink("link").target_key == target_key
    got = oss2_new_bucket.get_object("link")
    assert got.read() == b"target data"  # CRC checked by oss2: the target's
    head = oss2_new_bucket.head_object("link")
    assert head.object_type == "Symlink"
    assert head.content_length == len(b"target data")
    assert head.etag == _md5_hex(b"target data")
    assert head.headers["x-oss-meta-via"] == "link"
    ranged = oss2_new_bucket.get_object("link", byte_range=(0, 5))
    assert ranged.read() == b"target"


def test_dangling_symlink_and_non_symlink(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_symlink("gone", "dangling")
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        oss2_new_bucket.get_object("dangling")
    assert (caught.value.status, caught.value.code) == (404, "SymlinkTargetNotExist")
    oss2_new_bucket.put_object("plain", b"p")
    with pytest.raises(oss2.exceptions.ServerError) as not_link:
        oss2_new_bucket.get_symlink("plain")
    assert (not_link.value.status, not_link.value.code) == (400, "NotSymlink")


def test_symlink_needs_read_access_to_the_target(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    oss2_new_bucket.put_object("private-target", b"secret")
    oss2_new_bucket.put_symlink(
        "private-target", "public-link", headers={"x-oss-object-acl": "public-read"}
    )
    with pytest.raises(oss2.exceptions.AccessDenied):
        _anonymous(live_server, oss2_new_bucket).get_object("public-link")


def test_ossv2_symlink(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="t", body=b"tt"))
    ossv2.put_symlink(
        oss_v2.PutSymlinkRequest(bucket=ossv2_new_bucket, key="l", target="t", metadata={"m": "1"})
    )
    link = ossv2.get_symlink(oss_v2.GetSymlinkRequest(bucket=ossv2_new_bucket, key="l"))
    assert link.target == "t"
    assert link.metadata == {"m": "1"}
    got = ossv2.get_object(oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="l"))
    assert got.body.read() == b"tt"


# --------------------------------------------------------------------------------------------
# Delete (one and many), versions


def test_delete_is_204_even_for_a_missing_key(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("d", b"d")
    assert oss2_new_bucket.delete_object("d").status == 204
    assert not oss2_new_bucket.object_exists("d")
    result = oss2_new_bucket.delete_object("d")
    assert result.status == 204
    assert "x-oss-delete-marker" not in result.headers
    assert result.versionid is None


def test_batch_delete_reports_keys_url_decoded(oss2_new_bucket: oss2.Bucket) -> None:
    keys = ["a b", "c+d", "中文/e", "f&g<h>"]
    for key in keys:
        oss2_new_bucket.put_object(key, b"x")
    result = oss2_new_bucket.batch_delete_objects([*keys, "never-existed"])
    assert sorted(result.deleted_keys) == sorted([*keys, "never-existed"])
    assert list(oss2.ObjectIterator(oss2_new_bucket)) == []


def test_ossv2_delete_multiple_quiet_and_verbose(
    ossv2: oss_v2.Client, ossv2_new_bucket: str
) -> None:
    for key in ("q1", "q2", "v 1"):
        ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key=key, body=b"x"))
    quiet = ossv2.delete_multiple_objects(
        oss_v2.DeleteMultipleObjectsRequest(
            bucket=ossv2_new_bucket,
            objects=[oss_v2.DeleteObject(key="q1"), oss_v2.DeleteObject(key="q2")],
            quiet=True,
        )
    )
    assert not quiet.deleted_objects
    verbose = ossv2.delete_multiple_objects(
        oss_v2.DeleteMultipleObjectsRequest(
            bucket=ossv2_new_bucket, objects=[oss_v2.DeleteObject(key="v 1")]
        )
    )
    assert [d.key for d in verbose.deleted_objects] == ["v 1"]
    listed = ossv2.list_objects_v2(oss_v2.ListObjectsV2Request(bucket=ossv2_new_bucket))
    assert not listed.contents


def test_batch_delete_needs_a_valid_content_md5(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    name = oss2_new_bucket.bucket_name
    body = b"<Delete><Object><Key>k</Key></Object></Delete>"
    url = f"{live_server.endpoint}/{name}/?delete"

    def post(extra: dict[str, str], content: bytes = body) -> httpx.Response:
        signed = _signed_headers(live_server, "POST", name, None, extra, query=[("delete", "")])
        return httpx.post(url, headers=signed, content=content)

    missing = post({})
    assert (missing.status_code, _error_code(missing)) == (400, "MissingArgument")
    wrong = post({"Content-MD5": _md5_b64(b"other")})
    assert (wrong.status_code, _error_code(wrong)) == (400, "InvalidDigest")
    too_many = b"<Delete>" + b"<Object><Key>k</Key></Object>" * 1001 + b"</Delete>"
    refused = post({"Content-MD5": _md5_b64(too_many)}, too_many)
    assert (refused.status_code, _error_code(refused)) == (400, "MalformedXML")
    bad = b"<Delete><Quiet>maybe</Quiet><Object><Key>k</Key></Object></Delete>"
    assert _error_code(post({"Content-MD5": _md5_b64(bad)}, bad)) == "MalformedXML"
    ok = post({"Content-MD5": _md5_b64(body)})
    assert ok.status_code == 200
    assert "<Deleted><Key>k</Key></Deleted>" in ok.text


def test_versioned_put_get_delete(oss2_new_bucket: oss2.Bucket) -> None:
    _enable_versioning(oss2_new_bucket)
    v1 = oss2_new_bucket.put_object("v", b"one")
    v2 = oss2_new_bucket.put_object("v", b"two")
    assert v1.versionid and v2.versionid and v1.versionid != v2.versionid
    old = oss2_new_bucket.get_object("v", params={"versionId": v1.versionid})
    assert old.read() == b"one"
    assert old.versionid == v1.versionid
    assert oss2_new_bucket.head_object("v").versionid == v2.versionid

    deleted = oss2_new_bucket.delete_object("v")
    assert deleted.delete_marker is True
    marker = deleted.versionid
    assert marker
    with pytest.raises(oss2.exceptions.NoSuchKey) as caught:
        oss2_new_bucket.get_object("v")
    assert caught.value.headers["x-oss-delete-marker"] == "true"
    with pytest.raises(oss2.exceptions.ServerError) as by_id:
        oss2_new_bucket.get_object("v", params={"versionId": marker})
    assert by_id.value.status == 405
    assert by_id.value.headers["x-oss-delete-marker"] == "true"
    with pytest.raises(oss2.exceptions.ServerError) as unknown:
        oss2_new_bucket.get_object("v", params={"versionId": "CAEQ-no-such-version"})
    assert (unknown.value.status, unknown.value.code) == (404, "NoSuchVersion")

    removed = oss2_new_bucket.delete_object("v", params={"versionId": marker})
    assert removed.delete_marker is True
    assert removed.versionid == marker
    assert oss2_new_bucket.get_object("v").read() == b"two"
    gone = oss2_new_bucket.delete_object("v", params={"versionId": v2.versionid})
    assert gone.versionid == v2.versionid
    assert "x-oss-delete-marker" not in gone.headers
    assert oss2_new_bucket.get_object("v").read() == b"one"


def test_suspended_versioning_reports_null_versions(oss2_new_bucket: oss2.Bucket) -> None:
    _enable_versioning(oss2_new_bucket)
    _enable_versioning(oss2_new_bucket, "Suspended")
    put = oss2_new_bucket.put_object("s", b"s")
    assert put.versionid == "null"
    assert oss2_new_bucket.delete_object("s").versionid == "null"


def test_versioned_batch_delete(oss2_new_bucket: oss2.Bucket) -> None:
    _enable_versioning(oss2_new_bucket)
    first = oss2_new_bucket.put_object("bv", b"1")
    oss2_new_bucket.put_object("bv", b"2")
    versions = oss2.models.BatchDeleteObjectVersionList()
    versions.append(oss2.models.BatchDeleteObjectVersion("bv", first.versionid))
    versions.append(oss2.models.BatchDeleteObjectVersion("bv"))
    result = oss2_new_bucket.delete_object_versions(versions)
    by_version = {d.versionid: d for d in result.delete_versions}
    assert by_version[first.versionid].delete_marker is False
    marker = by_version[""]
    assert marker.key == "bv"
    assert marker.delete_marker is True
    assert marker.delete_marker_versionid
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_new_bucket.get_object("bv")


def test_versioned_copy_reports_both_versions(oss2_new_bucket: oss2.Bucket) -> None:
    _enable_versioning(oss2_new_bucket)
    first = oss2_new_bucket.put_object("cs", b"first")
    oss2_new_bucket.put_object("cs", b"second")
    copied = oss2_new_bucket.copy_object(
        oss2_new_bucket.bucket_name, "cs", "cd", params={"versionId": first.versionid}
    )
    assert copied.headers["x-oss-copy-source-version-id"] == first.versionid
    assert copied.versionid
    assert oss2_new_bucket.get_object("cd").read() == b"first"


# --------------------------------------------------------------------------------------------
# ACL and tagging


def test_object_acl_round_trip(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("acl", b"a")
    assert oss2_new_bucket.get_object_acl("acl").acl == "default"
    for acl in ("private", "public-read", "public-read-write", "default"):
        oss2_new_bucket.put_object_acl("acl", acl)
        assert oss2_new_bucket.get_object_acl("acl").acl == acl
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_new_bucket.put_object_acl("acl", "everyone")


def test_anonymous_reads_follow_object_then_bucket_acl(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    anonymous = _anonymous(live_server, oss2_new_bucket)
    oss2_new_bucket.put_object("open", b"open", headers={"x-oss-object-acl": "public-read"})
    oss2_new_bucket.put_object("closed", b"closed")
    assert anonymous.get_object("open").read() == b"open"  # private bucket, public object
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.get_object("closed")
    oss2_new_bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert anonymous.get_object("closed").read() == b"closed"  # object ACL default
    oss2_new_bucket.put_object_acl("closed", oss2.OBJECT_ACL_PRIVATE)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.get_object("closed")  # public bucket, private object
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.put_object("open", b"overwrite")  # public-read does not grant writes


def test_ossv2_object_acl(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="a", body=b"a"))
    ossv2.put_object_acl(
        oss_v2.PutObjectAclRequest(bucket=ossv2_new_bucket, key="a", acl="public-read")
    )
    result = ossv2.get_object_acl(oss_v2.GetObjectAclRequest(bucket=ossv2_new_bucket, key="a"))
    assert result.acl == "public-read"
    assert result.owner is not None and result.owner.id


def test_object_tagging_round_trip(oss2_new_bucket: oss2.Bucket) -> None:
    oss2_new_bucket.put_object("t", b"t", headers={"x-oss-tagging": "a=1&b=x%20y"})
    assert oss2_new_bucket.get_object_tagging("t").tag_set.tagging_rule == {"a": "1", "b": "x y"}
    rules = TaggingRule()
    rules.add("k", "v")
    rules.add("空 格", "+/=")
    oss2_new_bucket.put_object_tagging("t", Tagging(rules))
    assert oss2_new_bucket.get_object_tagging("t").tag_set.tagging_rule == {
        "k": "v",
        "空 格": "+/=",
    }
    assert oss2_new_bucket.head_object("t").headers["x-oss-tagging-count"] == "2"
    assert oss2_new_bucket.delete_object_tagging("t").status == 204
    assert oss2_new_bucket.get_object_tagging("t").tag_set.tagging_rule == {}
    assert "x-oss-tagging-count" not in oss2_new_bucket.head_object("t").headers


@pytest.mark.parametrize(
    "tags",
    [
        [(f"k{i}", "v") for i in range(11)],
        [("k" * 129, "v")],
        [("k", "v" * 257)],
        [("k", "1"), ("k", "2")],
    ],
)
def test_object_tagging_limits(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket, tags: list[tuple[str, str]]
) -> None:
    """oss2 checks these limits itself, so the document is sent raw."""
    name = oss2_new_bucket.bucket_name
    oss2_new_bucket.put_object("t", b"t")
    body = "<Tagging><TagSet>"
    body += "".join(f"<Tag><Key>{k}</Key><Value>{v}</Value></Tag>" for k, v in tags)
    body += "</TagSet></Tagging>"
    signed = _signed_headers(live_server, "PUT", name, "t", query=[("tagging", "")])
    response = httpx.put(
        _url(live_server, name, "t"), params={"tagging": ""}, headers=signed, content=body
    )
    assert (response.status_code, _error_code(response)) == (400, "InvalidTag")
    assert oss2_new_bucket.get_object_tagging("t").tag_set.tagging_rule == {}


def test_ossv2_tagging_by_version(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_bucket_versioning(
        oss_v2.PutBucketVersioningRequest(
            bucket=ossv2_new_bucket,
            versioning_configuration=oss_v2.VersioningConfiguration(status="Enabled"),
        )
    )
    first = ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="t", body=b"1"))
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="t", body=b"2"))
    tagging = oss_v2.Tagging(tag_set=oss_v2.TagSet(tags=[oss_v2.Tag(key="old", value="yes")]))
    put = ossv2.put_object_tagging(
        oss_v2.PutObjectTaggingRequest(
            bucket=ossv2_new_bucket, key="t", version_id=first.version_id, tagging=tagging
        )
    )
    assert put.version_id == first.version_id
    old = ossv2.get_object_tagging(
        oss_v2.GetObjectTaggingRequest(
            bucket=ossv2_new_bucket, key="t", version_id=first.version_id
        )
    )
    assert [(t.key, t.value) for t in old.tag_set.tags] == [("old", "yes")]
    latest = ossv2.get_object_tagging(
        oss_v2.GetObjectTaggingRequest(bucket=ossv2_new_bucket, key="t")
    )
    assert not latest.tag_set.tags


# --------------------------------------------------------------------------------------------
# Signed URLs and the auth layer in front of the object handlers


def test_oss2_signed_urls_put_and_get(oss2_new_bucket: oss2.Bucket) -> None:
    key = "exampledir/exampleobject.txt"
    headers = {"Content-Type": "text/txt", "x-oss-storage-class": "Standard"}
    put_url = oss2_new_bucket.sign_url("PUT", key, 60, slash_safe=True, headers=headers)
    assert httpx.put(put_url, content=b"via url", headers=headers).status_code == 200
    get_url = oss2_new_bucket.sign_url("GET", key, 60, slash_safe=True)
    response = httpx.get(get_url)
    assert response.status_code == 200
    assert response.content == b"via url"
    assert response.headers["Content-Type"] == "text/txt"


def test_ossv2_presigned_get(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="p q", body=b"pq"))
    presigned = ossv2.presign(oss_v2.GetObjectRequest(bucket=ossv2_new_bucket, key="p q"))
    response = httpx.get(presigned.url)
    assert response.status_code == 200
    assert response.content == b"pq"


def test_tampered_signature_and_wrong_secret_do_not_match(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    name = oss2_new_bucket.bucket_name
    oss2_new_bucket.put_object("k", b"k")
    signed = _signed_headers(live_server, "GET", name, "k")
    signed["Authorization"] = signed["Authorization"][:-4] + "AAA="
    tampered = httpx.get(_url(live_server, name, "k"), headers=signed)
    assert (tampered.status_code, _error_code(tampered)) == (403, "SignatureDoesNotMatch")
    wrong = oss2.Bucket(
        oss2.Auth(live_server.access_key_id, "not-the-secret"), live_server.endpoint, name
    )
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        wrong.get_object("k")
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        wrong.put_object("k", b"overwrite")
    assert oss2_new_bucket.get_object("k").read() == b"k"


def test_unknown_access_key(live_server: LiveServer, oss2_new_bucket: oss2.Bucket) -> None:
    stranger = oss2.Bucket(
        oss2.AuthV4("LTAI5tNobodyHasThisKey00", "secret"),
        live_server.endpoint,
        oss2_new_bucket.bucket_name,
        region=live_server.region,
    )
    with pytest.raises(oss2.exceptions.OssError) as caught:
        stranger.put_object("k", b"k")
    assert (caught.value.status, caught.value.code) == (403, "InvalidAccessKeyId")


def test_skewed_date_is_request_time_too_skewed(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    name = oss2_new_bucket.bucket_name
    skewed = datetime.now(UTC) - timedelta(minutes=20)
    signed = _signed_headers(live_server, "PUT", name, "skew", now=skewed)
    response = httpx.put(_url(live_server, name, "skew"), headers=signed, content=b"x")
    assert (response.status_code, _error_code(response)) == (403, "RequestTimeTooSkewed")
    assert not oss2_new_bucket.object_exists("skew")


def test_expired_signed_url_is_access_denied(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    oss2_new_bucket.put_object("k", b"k")
    _shift_clock(monkeypatch, -3600)
    url = oss2_new_bucket.sign_url("GET", "k", 60)
    monkeypatch.undo()
    response = httpx.get(url)
    assert (response.status_code, _error_code(response)) == (403, "AccessDenied")
    assert "<Message>Request has expired.</Message>" in response.text
    pairs = presign_v1(
        method="GET",
        bucket=oss2_new_bucket.bucket_name,
        key="k",
        access_key_id=live_server.access_key_id,
        access_key_secret=live_server.access_key_secret,
        expires_at=int(time.time()) - 1,
    )
    v1 = httpx.get(_url(live_server, oss2_new_bucket.bucket_name, "k"), params=pairs)
    assert (v1.status_code, _error_code(v1)) == (403, "AccessDenied")


def test_v4_signed_url_limits(
    live_server: LiveServer, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = oss2_bucket(live_server, bucket_name, "v4")
    bucket.create_bucket()
    bucket.put_object("k", b"k")
    _shift_clock(monkeypatch, 3600)
    future = bucket.sign_url("GET", "k", 60)
    monkeypatch.undo()
    response = httpx.get(future)
    assert (response.status_code, _error_code(response)) == (403, "AccessDenied")
    too_long = bucket.sign_url("GET", "k", 604801)
    response = httpx.get(too_long)
    assert (response.status_code, _error_code(response)) == (400, "InvalidArgument")
    assert httpx.get(bucket.sign_url("GET", "k", 604800)).content == b"k"


def test_signature_in_header_and_url_is_invalid_argument(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    url = oss2_new_bucket.sign_url("GET", "k", 60)
    signed = _signed_headers(live_server, "GET", oss2_new_bucket.bucket_name, "k")
    response = httpx.get(url, headers={"Authorization": signed["Authorization"]})
    assert (response.status_code, _error_code(response)) == (400, "InvalidArgument")


# --------------------------------------------------------------------------------------------
# Interrupted uploads leave nothing behind


def _tmp_files(server: LiveServer) -> list[str]:
    return [p.name for p in (server.data_dir / "tmp").iterdir()]


@pytest.mark.parametrize("half_close", [False, True], ids=["close", "half-close"])
def test_truncated_upload_leaves_no_object(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket, half_close: bool
) -> None:
    """A body shorter than its Content-Length never becomes an object, and no temp file stays."""
    name = oss2_new_bucket.bucket_name
    headers = _signed_headers(live_server, "PUT", name, "cut", {"Content-Length": "100000"})
    head = f"PUT /{name}/cut HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    answer = b""
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(head.encode() + b"x" * 5000)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                answer += chunk
        else:
            time.sleep(0.1)
    assert not answer.startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 5
    while _tmp_files(live_server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tmp_files(live_server) == []
    assert not oss2_new_bucket.object_exists("cut")


def test_declared_size_over_5_gb_is_entity_too_large(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket
) -> None:
    """Refused from the headers alone: the client need not send (or the server read) 5 GB."""
    name = oss2_new_bucket.bucket_name
    size = str(5 * 1024**3 + 1)
    headers = _signed_headers(live_server, "PUT", name, "huge", {"Content-Length": size})
    head = f"PUT /{name}/huge HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall(head.encode())
        answer = b""
        while b"</Error>" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"<Code>EntityTooLarge</Code>" in answer
    assert not oss2_new_bucket.object_exists("huge")
