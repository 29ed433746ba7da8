"""ListObjects (v1, v2) and ListObjectVersions through oss2 (V1, V4) and oss-v2 (V4, V1).

Keys hold `/`, spaces, `+`, `%`, `~` and non-ASCII characters, so paging, delimiters and
`encoding-type=url` are exercised with what breaks naive encoders.
"""

from __future__ import annotations

import itertools
import secrets
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TypeVar

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

T = TypeVar("T")

KEYS = sorted(
    [
        "a.txt",
        "dir/a b.txt",
        "dir/c+d.txt",
        "dir/sub/x.txt",
        "dir/sub/y.txt",
        "dir/x%41.txt",
        "dir/ü/β.txt",
        "dir~/z",
        "e f/g",
        "z",
    ]
)
DIR_LISTING = ["dir/a b.txt", "dir/c+d.txt", "dir/sub/", "dir/x%41.txt", "dir/ü/"]
TOP_LISTING = ["a.txt", "dir/", "dir~/", "e f/", "z"]


def _fill(bucket: oss2.Bucket, keys: list[str] = KEYS) -> None:
    for key in keys:
        bucket.put_object(key, key.encode())


def _bounded(items: Iterable[T], limit: int = 100) -> list[T]:
    """At most `limit` items: a paging regression ends the test instead of looping forever."""
    return list(itertools.islice(items, limit))


def _names(entries: list[oss2.models.SimplifiedObjectInfo]) -> list[str]:
    return [entry.key for entry in entries]


def _anonymous_xml(server: LiveServer, bucket: str, **params: str) -> ET.Element:
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    url = f"{server.endpoint}/{bucket}/?{query}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return ET.fromstring(response.read())


@pytest.fixture(scope="module", params=["v1", "v4"])
def filled(request: pytest.FixtureRequest, live_server: LiveServer) -> oss2.Bucket:
    """A bucket holding KEYS, shared by the read-only tests of one signature version."""
    bucket = oss2_bucket(live_server, f"filled-{secrets.token_hex(6)}", request.param)
    bucket.create_bucket()
    _fill(bucket)
    return bucket


# --------------------------------------------------------------------------------------------
# oss2: ListObjects and ListObjectsV2


def test_iterators_list_every_key_across_pages(filled: oss2.Bucket) -> None:
    assert _names(_bounded(oss2.ObjectIterator(filled, max_keys=3))) == KEYS
    assert _names(_bounded(oss2.ObjectIteratorV2(filled, max_keys=3))) == KEYS


def test_delimiter_rolls_keys_into_common_prefixes_across_pages(filled: oss2.Bucket) -> None:
    for iterator in (oss2.ObjectIterator, oss2.ObjectIteratorV2):
        top = _bounded(iterator(filled, delimiter="/", max_keys=1))
        assert _names(top) == TOP_LISTING
        assert [e.is_prefix() for e in top] == [False, True, True, True, False]
        assert _names(_bounded(iterator(filled, prefix="dir/", delimiter="/", max_keys=2))) == (
            DIR_LISTING
        )


def test_v1_page_reports_next_marker_and_resumes_after_it(filled: oss2.Bucket) -> None:
    first = filled.list_objects(prefix="dir/", delimiter="/", max_keys=3)
    assert _names(first.object_list) == ["dir/a b.txt", "dir/c+d.txt"]
    assert first.prefix_list == ["dir/sub/"]
    assert first.is_truncated and first.next_marker == "dir/sub/"
    rest = filled.list_objects(prefix="dir/", delimiter="/", marker=first.next_marker)
    assert (_names(rest.object_list), rest.prefix_list) == (["dir/x%41.txt"], ["dir/ü/"])
    assert not rest.is_truncated


def test_marker_between_keys_lists_what_follows(filled: oss2.Bucket) -> None:
    result = filled.list_objects(marker="dir/sub/x.txt", max_keys=100)
    assert _names(result.object_list) == KEYS[KEYS.index("dir/sub/x.txt") + 1 :]


def test_v1_contents_carry_owner_and_object_fields(
    filled: oss2.Bucket, live_server: LiveServer
) -> None:
    entry = filled.list_objects(prefix="z").object_list[0]
    assert (entry.key, entry.size, entry.type, entry.storage_class) == (
        "z",
        1,
        "Normal",
        "Standard",
    )
    assert entry.etag == "FBADE9E36A3F36D3D676C1B808451DD7"  # MD5 of b"z"
    assert entry.owner.id == live_server.account_id
    assert entry.last_modified > 0


def test_v2_owner_only_with_fetch_owner(filled: oss2.Bucket, live_server: LiveServer) -> None:
    assert filled.list_objects_v2(prefix="z").object_list[0].owner is None
    owned = filled.list_objects_v2(prefix="z", fetch_owner=True).object_list[0]
    assert owned.owner.id == live_server.account_id


def test_v2_start_after_and_continuation_token(filled: oss2.Bucket) -> None:
    first = filled.list_objects_v2(start_after="dir/sub/", max_keys=2)
    assert _names(first.object_list) == ["dir/sub/x.txt", "dir/sub/y.txt"]
    assert first.is_truncated and first.next_continuation_token
    rest = filled.list_objects_v2(
        continuation_token=first.next_continuation_token, start_after="ignored", max_keys=100
    )
    assert _names(rest.object_list) == KEYS[KEYS.index("dir/sub/y.txt") + 1 :]
    assert not rest.is_truncated and not rest.next_continuation_token


def test_listing_without_encoding_type_gives_raw_keys(filled: oss2.Bucket) -> None:
    result = filled.list_objects_v2(prefix="dir/", encoding_type="", max_keys=100)
    assert _names(result.object_list) == [k for k in KEYS if k.startswith("dir/")]


def test_url_encoding_covers_keys_prefixes_markers_and_delimiter(
    filled: oss2.Bucket, live_server: LiveServer
) -> None:
    filled.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    root = _anonymous_xml(
        live_server,
        filled.bucket_name,
        prefix="dir/",
        delimiter="/",
        marker="dir/a b.txt",
        **{"max-keys": "2", "encoding-type": "url"},
    )
    assert root.findtext("EncodingType") == "url"
    assert root.findtext("Prefix") == "dir%2F"
    assert root.findtext("Delimiter") == "%2F"
    assert root.findtext("Marker") == "dir%2Fa%20b.txt"
    assert [e.findtext("Key") for e in root.findall("Contents")] == ["dir%2Fc%2Bd.txt"]
    assert [e.findtext("Prefix") for e in root.findall("CommonPrefixes")] == ["dir%2Fsub%2F"]
    assert root.findtext("NextMarker") == "dir%2Fsub%2F"
    plain = _anonymous_xml(live_server, filled.bucket_name, prefix="dir/x")
    assert plain.find("EncodingType") is None
    assert [e.findtext("Key") for e in plain.findall("Contents")] == ["dir/x%41.txt"]


@pytest.mark.parametrize("max_keys", [0, 1001])
def test_max_keys_out_of_range_is_invalid_argument(
    oss2_new_bucket: oss2.Bucket, max_keys: int
) -> None:
    for call in (
        oss2_new_bucket.list_objects,
        oss2_new_bucket.list_objects_v2,
        oss2_new_bucket.list_object_versions,
    ):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            call(max_keys=max_keys)


def test_bad_encoding_type_and_token_are_invalid_arguments(oss2_new_bucket: oss2.Bucket) -> None:
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_new_bucket.list_objects_v2(encoding_type="base64")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_new_bucket.list_objects_v2(continuation_token="not a token!")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_new_bucket.list_object_versions(versionid_marker="v1")


def test_empty_bucket_lists_nothing(oss2_new_bucket: oss2.Bucket) -> None:
    result = oss2_new_bucket.list_objects()
    assert (result.object_list, result.prefix_list, result.is_truncated) == ([], [], False)
    assert oss2_new_bucket.list_object_versions().versions == []


# --------------------------------------------------------------------------------------------
# oss2: ListObjectVersions


def _all_versions(bucket: oss2.Bucket, max_keys: int) -> list[tuple[str, str, bool, bool]]:
    """(key, version id, is latest, is delete marker), page by page through the markers."""
    found: list[tuple[str, str, bool, bool]] = []
    key_marker = version_marker = ""
    for _ in range(100):  # bounded: a paging regression fails instead of looping forever
        page = bucket.list_object_versions(
            key_marker=key_marker, versionid_marker=version_marker, max_keys=max_keys
        )
        found += [(v.key, v.versionid, v.is_latest, False) for v in page.versions]
        found += [(d.key, d.versionid, d.is_latest, True) for d in page.delete_marker]
        if not page.is_truncated:
            return found
        key_marker, version_marker = page.next_key_marker, page.next_versionid_marker
    raise AssertionError("ListObjectVersions never stopped paging")


def test_versions_after_overwrites_and_deletes(oss2_new_bucket: oss2.Bucket) -> None:
    bucket = oss2_new_bucket
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    key = "v/a b+c ü"
    first = bucket.put_object(key, b"1").versionid
    second = bucket.put_object(key, b"22").versionid
    marker = bucket.delete_object(key).versionid
    other = bucket.put_object("w", b"3").versionid

    listing = bucket.list_object_versions()
    assert not listing.is_truncated
    assert [(v.key, v.versionid, v.is_latest, v.size) for v in listing.versions] == [
        (key, second, False, 2),
        (key, first, False, 1),
        ("w", other, True, 1),
    ]
    assert [(d.key, d.versionid, d.is_latest) for d in listing.delete_marker] == [
        (key, marker, True)
    ]
    assert listing.versions[0].etag == "B6D767D2F8ED5D21A44B0E5886680CB9"  # MD5 of b"22"

    expected = sorted(_all_versions(bucket, 1000))
    assert sorted(_all_versions(bucket, 1)) == expected
    assert sorted(_all_versions(bucket, 2)) == expected


def test_versions_listing_groups_by_delimiter(filled: oss2.Bucket) -> None:
    listing = filled.list_object_versions(prefix="dir/", delimiter="/")
    assert [v.key for v in listing.versions] == ["dir/a b.txt", "dir/c+d.txt", "dir/x%41.txt"]
    assert listing.common_prefix == ["dir/sub/", "dir/ü/"]
    assert {v.versionid for v in listing.versions} == {"null"}


# --------------------------------------------------------------------------------------------
# oss-v2


def test_ossv2_paginators_list_every_key(ossv2: oss_v2.Client, filled: oss2.Bucket) -> None:
    v1_pages = _bounded(
        ossv2.list_objects_paginator(limit=3).iter_page(
            oss_v2.ListObjectsRequest(bucket=filled.bucket_name)
        )
    )
    assert [c.key for page in v1_pages for c in page.contents] == KEYS
    assert len(v1_pages) == 4
    v2_pages = _bounded(
        ossv2.list_objects_v2_paginator(limit=3).iter_page(
            oss_v2.ListObjectsV2Request(bucket=filled.bucket_name)
        )
    )
    assert [c.key for page in v2_pages for c in page.contents or []] == KEYS
    assert [page.key_count for page in v2_pages] == [3, 3, 3, 1]


def test_ossv2_delimiter_listing(ossv2: oss_v2.Client, filled: oss2.Bucket) -> None:
    request = oss_v2.ListObjectsV2Request(bucket=filled.bucket_name, prefix="dir/", delimiter="/")
    names: list[str] = []
    for page in _bounded(ossv2.list_objects_v2_paginator(limit=2).iter_page(request)):
        assert page.prefix == "dir/" and page.delimiter == "/"
        names += [c.key for c in page.contents or []]
        names += [p.prefix for p in page.common_prefixes or []]
    assert sorted(names) == DIR_LISTING


def test_ossv2_versions_paginator(ossv2: oss_v2.Client, ossv2_new_bucket: str) -> None:
    ossv2.put_bucket_versioning(
        oss_v2.PutBucketVersioningRequest(
            bucket=ossv2_new_bucket,
            versioning_configuration=oss_v2.VersioningConfiguration(status="Enabled"),
        )
    )
    written = []
    for key in ("k/1", "k/1", "k 2", "k+3"):
        put = ossv2.put_object(oss_v2.PutObjectRequest(bucket=ossv2_new_bucket, key=key, body=b"x"))
        written.append((key, put.version_id))
    deleted = ossv2.delete_object(oss_v2.DeleteObjectRequest(bucket=ossv2_new_bucket, key="k 2"))
    request = oss_v2.ListObjectVersionsRequest(bucket=ossv2_new_bucket)
    versions: list[tuple[str, str]] = []
    markers: list[tuple[str, str]] = []
    for page in _bounded(ossv2.list_object_versions_paginator(limit=1).iter_page(request)):
        versions += [(v.key, v.version_id) for v in page.version or []]
        markers += [(d.key, d.version_id) for d in page.delete_marker or []]
    assert sorted(versions) == sorted(written)
    assert markers == [("k 2", deleted.version_id)]
