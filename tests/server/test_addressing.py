"""Where a request points: path style, virtual-host style, and the name rules."""

from __future__ import annotations

import pytest

from ossbox.server.errors import OssError
from ossbox.server.oss.addressing import resolve, virtual_host_bucket

DOMAINS = ("localhost", "oss.example.test")


@pytest.mark.parametrize(
    ("raw_path", "host", "expected"),
    [
        ("/", "127.0.0.1:9000", (None, None)),
        ("/bkt", "127.0.0.1:9000", ("bkt", None)),
        ("/bkt/", "127.0.0.1:9000", ("bkt", None)),
        ("/bkt/dir%2Fa%20b%2Bc", "127.0.0.1:9000", ("bkt", "dir/a b+c")),
        ("/bkt/dir/a%20b+c", "127.0.0.1:9000", ("bkt", "dir/a b+c")),
        ("/bkt/%E4%BD%A0%E5%A5%BD", "[::1]:9000", ("bkt", "你好")),
        ("/key/with/slashes", "bkt.localhost:9000", ("bkt", "key/with/slashes")),
        ("/", "bkt.localhost:9000", ("bkt", None)),
        ("/k", "bkt.oss.example.test", ("bkt", "k")),
    ],
)
def test_resolve_path_and_virtual_host(
    raw_path: str, host: str, expected: tuple[str | None, str | None]
) -> None:
    assert resolve(raw_path, host, DOMAINS) == expected


@pytest.mark.parametrize("host", ["127.0.0.1:9000", "localhost:9000", "other.test", "[::1]"])
def test_hosts_that_are_not_virtual_hosts(host: str) -> None:
    assert virtual_host_bucket(host, DOMAINS) is None


@pytest.mark.parametrize(
    ("raw_path", "code"),
    [
        ("/ab/k", "InvalidBucketName"),
        ("/Upper/k", "InvalidBucketName"),
        ("/-bkt/k", "InvalidBucketName"),
        ("/bkt-/k", "InvalidBucketName"),
        ("/b_kt/k", "InvalidBucketName"),
        ("/" + "a" * 64 + "/k", "InvalidBucketName"),
        ("/bkt/%2Fleading-slash", "InvalidObjectName"),
        ("/bkt/%5Cleading-backslash", "InvalidObjectName"),
        ("/bkt/" + "a" * 1024, "InvalidObjectName"),
        ("/bkt/%FF%FE", "InvalidObjectName"),
        ("bkt/k", "InvalidURI"),
    ],
)
def test_bad_names_get_the_oss_error(raw_path: str, code: str) -> None:
    with pytest.raises(OssError) as caught:
        resolve(raw_path, "127.0.0.1", DOMAINS)
    assert caught.value.code == code
    assert caught.value.status == 400


def test_longest_valid_key_is_accepted() -> None:
    assert resolve("/bkt/" + "a" * 1023, "127.0.0.1", DOMAINS) == ("bkt", "a" * 1023)


def test_dot_segments_stay_inside_the_key() -> None:
    # Keys never become file paths (blobs have random ids), so `..` is just two dots.
    assert resolve("/bkt/a/../../etc/passwd", "127.0.0.1", DOMAINS) == (
        "bkt",
        "a/../../etc/passwd",
    )
