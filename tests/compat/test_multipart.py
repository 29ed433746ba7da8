"""Multipart upload through the official clients: oss2 (V1, V4) and alibabacloud-oss-v2 (V4, V1).

Both clients check the CRC-64 the server reports for every part and for the completed object
(oss2 raises InconsistentError, oss-v2 InconsistentError, on a mismatch), so a passing round
trip also proves the combined CRC.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
from oss2.models import PartInfo

from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

KB = 1024
MIN_PART = 100 * KB
# `/`, a space, `+` and non-ASCII: oss2 sends `/` as %2F, oss-v2 keeps it literal.
KEY = "dir/sub dir/a+b ünï 文件.bin"


def _md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


def _multipart_etag(parts: list[bytes]) -> str:
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f"{hashlib.md5(digests).hexdigest().upper()}-{len(parts)}"


def _upload_parts(bucket: oss2.Bucket, key: str, upload_id: str, parts: list[bytes]) -> list:
    infos = []
    for number, data in enumerate(parts, start=1):
        result = bucket.upload_part(key, upload_id, number, data)
        infos.append(PartInfo(number, result.etag, size=len(data), part_crc=result.crc))
    return infos


def _service_error(err: Exception) -> oss_v2.exceptions.ServiceError:
    assert isinstance(err, oss_v2.exceptions.OperationError)
    inner = err.unwrap()
    assert isinstance(inner, oss_v2.exceptions.ServiceError)
    return inner


# --------------------------------------------------------------------------------------------
# oss2


def test_oss2_multipart_round_trip_keeps_content_metadata_and_etag(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    parts = [os.urandom(MIN_PART), os.urandom(MIN_PART + 7), os.urandom(1234)]
    headers = {
        "Content-Type": "text/x-test",
        "x-oss-meta-colour": "blue",
        "Cache-Control": "no-cache",
        "x-oss-object-acl": "public-read",
        "x-oss-tagging": "team=storage&stage=ci",
    }
    upload_id = bucket.init_multipart_upload(KEY, headers=headers).upload_id
    infos = _upload_parts(bucket, KEY, upload_id, parts)
    assert [p.etag for p in infos] == [_md5_hex(p) for p in parts]

    result = bucket.complete_multipart_upload(KEY, upload_id, infos)

    assert result.status == 200
    assert result.etag == _multipart_etag(parts)
    assert result.crc is not None  # compared by oss2 with the CRC it combined from the parts
    got = bucket.get_object(KEY)
    assert got.read() == b"".join(parts)
    assert got.headers["x-oss-object-type"] == "Multipart"
    assert got.headers["Content-Type"] == "text/x-test"
    assert got.headers["x-oss-meta-colour"] == "blue"
    assert got.headers["Cache-Control"] == "no-cache"
    assert bucket.get_object_acl(KEY).acl == "public-read"
    assert bucket.get_object_tagging(KEY).tag_set.tagging_rule == {
        "team": "storage",
        "stage": "ci",
    }
    assert bucket.head_object(KEY).etag == _multipart_etag(parts)


def test_oss2_resumable_upload_uses_multipart_and_reads_back(
    oss2_new_bucket: oss2.Bucket, tmp_path: Path
) -> None:
    source = tmp_path / "source.bin"
    data = os.urandom(3 * MIN_PART + 999)
    source.write_bytes(data)

    result = oss2.resumable_upload(
        oss2_new_bucket,
        KEY,
        str(source),
        store=oss2.ResumableStore(root=str(tmp_path)),
        multipart_threshold=MIN_PART,
        part_size=MIN_PART,
        num_threads=2,
    )

    assert result.etag.endswith("-4")
    assert oss2_new_bucket.get_object(KEY).read() == data


def test_oss2_reuploading_a_part_replaces_it(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload("k").upload_id
    bucket.upload_part("k", upload_id, 1, b"first")
    second = bucket.upload_part("k", upload_id, 1, b"second")

    listed = bucket.list_parts("k", upload_id).parts

    assert [(p.part_number, p.etag, p.size) for p in listed] == [(1, second.etag, 6)]
    bucket.complete_multipart_upload("k", upload_id, [PartInfo(1, second.etag)])
    assert bucket.get_object("k").read() == b"second"


def test_oss2_part_and_upload_iterators_page_through_everything(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    keys = ["logs/a b", "logs/c+d/e", "logs/c+d/f", "other/ü"]
    upload_ids = {key: bucket.init_multipart_upload(key).upload_id for key in keys}
    second_upload = bucket.init_multipart_upload("logs/a b").upload_id
    first = upload_ids["logs/a b"]
    for number in (1, 2, 3):
        bucket.upload_part("logs/a b", first, number, b"x" * number)

    parts = list(oss2.PartIterator(bucket, "logs/a b", first, max_parts=1))
    assert [(p.part_number, p.size) for p in parts] == [(1, 1), (2, 2), (3, 3)]

    uploads = list(oss2.MultipartUploadIterator(bucket, max_uploads=1))
    assert [(u.key, u.upload_id) for u in uploads] == sorted(
        [(k, u) for k, u in upload_ids.items()] + [("logs/a b", second_upload)]
    )

    grouped = list(oss2.MultipartUploadIterator(bucket, prefix="logs/", delimiter="/"))
    assert sorted(u.key for u in grouped if not u.is_prefix()) == ["logs/a b", "logs/a b"]
    assert [u.key for u in grouped if u.is_prefix()] == ["logs/c+d/"]

    after_first = bucket.list_multipart_uploads(key_marker="logs/a b", upload_id_marker=first)
    assert [u.key for u in after_first.upload_list] == ["logs/a b", *keys[1:]]
    assert after_first.upload_list[0].upload_id == second_upload


def test_oss2_abort_removes_the_upload(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    bucket.upload_part(KEY, upload_id, 1, b"data")

    assert bucket.abort_multipart_upload(KEY, upload_id).status == 204

    assert bucket.list_multipart_uploads().upload_list == []
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.list_parts(KEY, upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.abort_multipart_upload(KEY, upload_id)
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object(KEY)


def test_oss2_upload_part_copy_copies_byte_ranges(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    source = os.urandom(2 * MIN_PART + 500)
    bucket.put_object("src/ü key", source)
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    cut = MIN_PART + 100

    name = bucket.bucket_name
    first = bucket.upload_part_copy(name, "src/ü key", (0, cut - 1), KEY, upload_id, 1)
    second = bucket.upload_part_copy(name, "src/ü key", (cut, None), KEY, upload_id, 2)

    assert first.etag == _md5_hex(source[:cut])
    assert second.etag == _md5_hex(source[cut:])
    bucket.complete_multipart_upload(
        KEY, upload_id, [PartInfo(1, first.etag), PartInfo(2, second.etag)]
    )
    assert bucket.get_object(KEY).read() == source


def test_oss2_upload_part_copy_of_missing_source_is_no_such_key(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.upload_part_copy(bucket.bucket_name, "absent", None, KEY, upload_id, 1)


def test_oss2_complete_all_header_uses_every_uploaded_part(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    parts = [os.urandom(MIN_PART), b"tail"]
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    _upload_parts(bucket, KEY, upload_id, parts)

    result = bucket.complete_multipart_upload(
        KEY, upload_id, None, headers={"x-oss-complete-all": "yes"}
    )

    assert result.etag == _multipart_etag(parts)
    assert bucket.get_object(KEY).read() == b"".join(parts)


def test_oss2_complete_all_header_with_a_body_is_invalid_argument(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    infos = _upload_parts(bucket, KEY, upload_id, [b"only"])
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.complete_multipart_upload(
            KEY, upload_id, infos, headers={"x-oss-complete-all": "yes"}
        )


def test_oss2_complete_errors(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    small = _upload_parts(bucket, KEY, upload_id, [b"a" * 10, b"b" * 10])
    bogus_etag = PartInfo(1, "0" * 32)

    with pytest.raises(oss2.exceptions.ServerError) as unknown:
        bucket.complete_multipart_upload(KEY, upload_id, [PartInfo(3, small[0].etag)])
    assert (unknown.value.status, unknown.value.code) == (400, "InvalidPart")
    with pytest.raises(oss2.exceptions.ServerError) as mismatch:
        bucket.complete_multipart_upload(KEY, upload_id, [bogus_etag])
    assert mismatch.value.code == "InvalidPart"
    with pytest.raises(oss2.exceptions.ServerError) as repeated:
        bucket.complete_multipart_upload(KEY, upload_id, [small[0], small[0]])
    assert (repeated.value.status, repeated.value.code) == (400, "InvalidPartOrder")
    with pytest.raises(oss2.exceptions.ServerError) as too_small:
        bucket.complete_multipart_upload(KEY, upload_id, small)
    assert (too_small.value.status, too_small.value.code) == (400, "EntityTooSmall")
    # The failed attempts left the upload intact: the last part alone may be small.
    bucket.complete_multipart_upload(KEY, upload_id, small[1:])
    assert bucket.get_object(KEY).read() == b"b" * 10


def test_oss2_unknown_or_foreign_upload_id_is_no_such_upload(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    for key, uid in [(KEY, "0" * 32), ("another-key", upload_id)]:
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.upload_part(key, uid, 1, b"data")
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.complete_multipart_upload(key, uid, [PartInfo(1, "0" * 32)])
        with pytest.raises(oss2.exceptions.NoSuchUpload):
            bucket.list_parts(key, uid)


def test_oss2_upload_id_of_another_bucket_is_no_such_upload(
    live_server: LiveServer, oss2_new_bucket: oss2.Bucket, bucket_name: str
) -> None:
    other = oss2_bucket(live_server, bucket_name + "-b")
    other.create_bucket()
    upload_id = other.init_multipart_upload(KEY).upload_id
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        oss2_new_bucket.upload_part(KEY, upload_id, 1, b"data")


@pytest.mark.parametrize("part_number", [0, 10001, "²", "9" * 30])
def test_oss2_part_number_out_of_range_is_invalid_argument(
    oss2_new_bucket: oss2.Bucket, part_number: int | str
) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.upload_part(KEY, upload_id, part_number, b"data")


def test_oss2_number_that_is_not_plain_decimal_is_refused_not_a_server_error(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    with pytest.raises(oss2.exceptions.InvalidArgument):
        bucket.list_parts(KEY, upload_id, max_parts="²")
    with pytest.raises(oss2.exceptions.MalformedXml):
        bucket.complete_multipart_upload(KEY, upload_id, [PartInfo("1" * 5000, "0" * 32)])


def test_oss2_part_with_wrong_content_md5_is_rejected_and_not_kept(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(oss2.exceptions.InvalidDigest):
        bucket.upload_part(KEY, upload_id, 1, b"data", headers={"Content-MD5": wrong})
    assert bucket.list_parts(KEY, upload_id).parts == []
    right = base64.b64encode(hashlib.md5(b"data").digest()).decode()
    assert bucket.upload_part(KEY, upload_id, 1, b"data", headers={"Content-MD5": right}).etag


def test_oss2_forbid_overwrite_refuses_to_replace_an_object(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    bucket.put_object(KEY, b"existing")
    forbid = {"x-oss-forbid-overwrite": "true"}
    with pytest.raises(oss2.exceptions.ServerError) as at_initiate:
        bucket.init_multipart_upload(KEY, headers=forbid)
    assert (at_initiate.value.status, at_initiate.value.code) == (409, "FileAlreadyExists")

    upload_id = bucket.init_multipart_upload(KEY).upload_id
    infos = _upload_parts(bucket, KEY, upload_id, [b"new"])
    with pytest.raises(oss2.exceptions.ServerError) as at_complete:
        bucket.complete_multipart_upload(KEY, upload_id, infos, headers=forbid)
    assert at_complete.value.code == "FileAlreadyExists"
    assert bucket.get_object(KEY).read() == b"existing"


def test_oss2_complete_in_versioned_bucket_returns_the_version_id(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    config = oss2.models.BucketVersioningConfig()
    config.status = oss2.BUCKET_VERSIONING_ENABLE
    bucket.put_bucket_versioning(config)
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    infos = _upload_parts(bucket, KEY, upload_id, [b"v"])

    result = bucket.complete_multipart_upload(KEY, upload_id, infos)

    assert result.versionid
    assert bucket.get_object(KEY, params={"versionId": result.versionid}).read() == b"v"


# --------------------------------------------------------------------------------------------
# alibabacloud-oss-v2


def _v2_upload(client: oss_v2.Client, bucket: str, key: str, parts: list[bytes]) -> tuple:
    upload_id = client.initiate_multipart_upload(
        oss_v2.InitiateMultipartUploadRequest(bucket=bucket, key=key)
    ).upload_id
    uploaded = []
    for number, data in enumerate(parts, start=1):
        result = client.upload_part(
            oss_v2.UploadPartRequest(
                bucket=bucket, key=key, upload_id=upload_id, part_number=number, body=data
            )
        )
        uploaded.append(oss_v2.UploadPart(part_number=number, etag=result.etag))
    return upload_id, uploaded


def _v2_complete(
    client: oss_v2.Client, bucket: str, key: str, upload_id: str, parts: list
) -> oss_v2.CompleteMultipartUploadResult:
    return client.complete_multipart_upload(
        oss_v2.CompleteMultipartUploadRequest(
            bucket=bucket,
            key=key,
            upload_id=upload_id,
            complete_multipart_upload=oss_v2.CompleteMultipartUpload(parts=parts),
        )
    )


def _v2_read(client: oss_v2.Client, bucket: str, key: str) -> bytes:
    body = client.get_object(oss_v2.GetObjectRequest(bucket=bucket, key=key)).body
    return body.read()


def test_ossv2_multipart_round_trip(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    parts = [os.urandom(MIN_PART), os.urandom(500)]
    upload_id, uploaded = _v2_upload(ossv2, ossv2_new_bucket, KEY, parts)

    result = _v2_complete(ossv2, ossv2_new_bucket, KEY, upload_id, uploaded)

    assert result.status_code == 200
    assert result.key == KEY  # sent URL-encoded (encoding-type=url), decoded by the client
    assert result.bucket == ossv2_new_bucket
    assert result.etag == f'"{_multipart_etag(parts)}"'
    assert result.hash_crc64 is not None
    assert _v2_read(ossv2, ossv2_new_bucket, KEY) == b"".join(parts)


def test_ossv2_descending_parts_are_invalid_part_order(
    ossv2: oss_v2.Client, ossv2_new_bucket: str
) -> None:
    upload_id, uploaded = _v2_upload(ossv2, ossv2_new_bucket, KEY, [os.urandom(MIN_PART), b"x"])
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        _v2_complete(ossv2, ossv2_new_bucket, KEY, upload_id, list(reversed(uploaded)))
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (400, "InvalidPartOrder")


def test_ossv2_abort_then_list_parts_is_no_such_upload(
    ossv2: oss_v2.Client, ossv2_new_bucket: str
) -> None:
    upload_id, _ = _v2_upload(ossv2, ossv2_new_bucket, KEY, [b"x"])
    aborted = ossv2.abort_multipart_upload(
        oss_v2.AbortMultipartUploadRequest(bucket=ossv2_new_bucket, key=KEY, upload_id=upload_id)
    )
    assert aborted.status_code == 204
    with pytest.raises(oss_v2.exceptions.OperationError) as caught:
        ossv2.list_parts(
            oss_v2.ListPartsRequest(bucket=ossv2_new_bucket, key=KEY, upload_id=upload_id)
        )
    error = _service_error(caught.value)
    assert (error.status_code, error.code) == (404, "NoSuchUpload")


def test_ossv2_paginators_list_every_part_and_upload(
    ossv2: oss_v2.Client, ossv2_new_bucket: str
) -> None:
    upload_id, _ = _v2_upload(ossv2, ossv2_new_bucket, KEY, [b"a", b"bb", b"ccc"])
    other_id, _ = _v2_upload(ossv2, ossv2_new_bucket, "z/other key", [])

    part_pages = ossv2.list_parts_paginator(limit=2).iter_page(
        oss_v2.ListPartsRequest(bucket=ossv2_new_bucket, key=KEY, upload_id=upload_id)
    )
    parts = [part for page in part_pages for part in page.parts]
    assert [(p.part_number, p.size) for p in parts] == [(1, 1), (2, 2), (3, 3)]
    assert all(p.hash_crc64 for p in parts)

    upload_pages = ossv2.list_multipart_uploads_paginator(limit=1).iter_page(
        oss_v2.ListMultipartUploadsRequest(bucket=ossv2_new_bucket)
    )
    uploads = [upload for page in upload_pages for upload in page.uploads]
    assert [(u.key, u.upload_id) for u in uploads] == [(KEY, upload_id), ("z/other key", other_id)]
    assert all(u.initiated is not None for u in uploads)


def test_ossv2_upload_part_copy(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    source = os.urandom(MIN_PART + 300)
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="src+1", body=source))
    upload_id, _ = _v2_upload(ossv2, ossv2_new_bucket, KEY, [])
    copied = []
    for number, byte_range in [(1, f"bytes=0-{MIN_PART - 1}"), (2, f"bytes={MIN_PART}-")]:
        result = ossv2.upload_part_copy(
            oss_v2.UploadPartCopyRequest(
                bucket=ossv2_new_bucket,
                key=KEY,
                upload_id=upload_id,
                part_number=number,
                source_key="src+1",
                source_range=byte_range,
            )
        )
        assert result.last_modified is not None
        copied.append(oss_v2.UploadPart(part_number=number, etag=result.etag))

    _v2_complete(ossv2, ossv2_new_bucket, KEY, upload_id, copied)

    assert _v2_read(ossv2, ossv2_new_bucket, KEY) == source


def test_ossv2_uploader_splits_a_file_into_parts(
    ossv2: oss_v2.Client, ossv2_new_bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "upload.bin"
    data = os.urandom(3 * MIN_PART + 17)
    source.write_bytes(data)
    uploader = ossv2.uploader(part_size=MIN_PART, parallel_num=2)

    result = uploader.upload_file(
        oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key=KEY), str(source)
    )

    assert result.upload_id
    assert result.etag.strip('"').endswith("-4")
    assert _v2_read(ossv2, ossv2_new_bucket, KEY) == data


def test_ossv2_uploader_from_a_stream(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    data = os.urandom(2 * MIN_PART + 1)
    uploader = ossv2.uploader(part_size=MIN_PART, parallel_num=1)

    result = uploader.upload_from(
        oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="stream"), io.BytesIO(data)
    )

    assert result.upload_id
    assert _v2_read(ossv2, ossv2_new_bucket, "stream") == data


def test_ossv2_copier_copies_through_upload_part_copy(
    ossv2: oss_v2.Client, ossv2_new_bucket: str
) -> None:
    data = os.urandom(2 * MIN_PART + 5)
    ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key="big", body=data))
    copier = ossv2.copier(
        part_size=MIN_PART, multipart_copy_threshold=MIN_PART, disable_shallow_copy=True
    )

    result = copier.copy(
        oss_v2.CopyObjectRequest(bucket=ossv2_new_bucket, key=KEY, source_key="big")
    )

    assert result.upload_id  # multipart copy, CRC compared with the source's by the copier
    assert _v2_read(ossv2, ossv2_new_bucket, KEY) == data


def test_oss2_upload_part_copy_checks_source_conditions_and_range(
    oss2_new_bucket: oss2.Bucket,
) -> None:
    bucket = oss2_new_bucket
    etag = bucket.put_object("src", b"0123456789").etag
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    name = bucket.bucket_name

    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.upload_part_copy(
            name, "src", None, KEY, upload_id, 1, headers={"x-oss-copy-source-if-match": '"0"'}
        )
    with pytest.raises(oss2.exceptions.ServerError) as past_end:
        bucket.upload_part_copy(name, "src", (5, 10), KEY, upload_id, 1)
    assert (past_end.value.status, past_end.value.code) == (416, "InvalidRange")
    copied = bucket.upload_part_copy(
        name, "src", (2, 4), KEY, upload_id, 1, headers={"x-oss-copy-source-if-match": etag}
    )
    bucket.complete_multipart_upload(KEY, upload_id, [PartInfo(1, copied.etag)])
    assert bucket.get_object(KEY).read() == b"234"
