"""GetObject's Range header: OSS's default behaviour and `x-oss-range-behavior: standard`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ossbox.server.errors import OssError
from ossbox.server.oss.ranges import ByteRange, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-499", (0, 500)),
        ("bytes=500-999", (500, 1000)),
        ("bytes=500-", (500, 1000)),
        ("bytes=0-", (0, 1000)),
        ("bytes=-500", (500, 1000)),
        ("bytes=999-999", (999, 1000)),
        ("bytes=-1000", (0, 1000)),
        ("Bytes = 1 - 2", (1, 3)),
        ("bytes=0-499,500-999", (0, 500)),  # several ranges: the first is served
    ],
)
def test_valid_ranges_are_served_in_both_behaviours(header: str, expected: tuple[int, int]) -> None:
    byte_range = parse_range(header, SIZE)
    assert byte_range is not None
    assert (byte_range.start, byte_range.stop) == expected
    if "," not in header:
        assert parse_range(header, SIZE, standard=True) == byte_range


@pytest.mark.parametrize(
    "header",
    [
        "byte=0-499",  # unit misspelt
        "bytes=0-1000",  # end past EOF
        "bytes=1000-2000",  # start past EOF
        "bytes=1000-",
        "bytes=-2000",  # suffix longer than the object
        "bytes=-0",
        "bytes=5-3",  # end before start
        "bytes=-",
        "bytes=a-b",
        "bytes=",
        "",
    ],
)
def test_invalid_ranges_are_ignored_by_default(header: str) -> None:
    assert parse_range(header, SIZE) is None


def test_no_header_means_the_whole_object() -> None:
    assert parse_range(None, SIZE) is None
    assert parse_range(None, SIZE, standard=True) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [("bytes=0-1000", (0, 1000)), ("bytes=990-5000", (990, 1000)), ("bytes=-2000", (0, 1000))],
)
def test_standard_behaviour_clamps_an_end_past_eof(header: str, expected: tuple[int, int]) -> None:
    byte_range = parse_range(header, SIZE, standard=True)
    assert byte_range is not None
    assert (byte_range.start, byte_range.stop) == expected


@pytest.mark.parametrize("header", ["bytes=1000-2000", "bytes=1000-", "bytes=-0", "bytes=0-1,3-4"])
def test_standard_behaviour_refuses_unsatisfiable_ranges_with_416(header: str) -> None:
    with pytest.raises(OssError) as caught:
        parse_range(header, SIZE, standard=True)
    assert caught.value.status == 416
    assert caught.value.code == "InvalidRange"
    assert caught.value.headers == {"Content-Range": f"bytes */{SIZE}"}


def test_standard_behaviour_ignores_bad_syntax() -> None:
    assert parse_range("bytes=5-3", SIZE, standard=True) is None
    assert parse_range("items=0-1", SIZE, standard=True) is None


def test_empty_object_has_no_satisfiable_range() -> None:
    assert parse_range("bytes=0-", 0) is None
    assert parse_range("bytes=-5", 0) is None
    for header in ("bytes=0-", "bytes=-5", "bytes=0-0"):
        with pytest.raises(OssError):
            parse_range(header, 0, standard=True)


def test_content_range_names_inclusive_end_and_total() -> None:
    assert ByteRange(10, 20, 100).content_range == "bytes 10-19/100"
    assert ByteRange(10, 20, 100).length == 10


@given(
    size=st.integers(min_value=0, max_value=5000),
    first=st.integers(min_value=0, max_value=6000),
    last=st.integers(min_value=0, max_value=6000),
    standard=st.booleans(),
)
def test_a_served_range_always_lies_inside_the_object(
    size: int, first: int, last: int, standard: bool
) -> None:
    try:
        byte_range = parse_range(f"bytes={first}-{last}", size, standard=standard)
    except OssError:
        assert standard and first >= size
        return
    if byte_range is None:
        return
    assert 0 <= byte_range.start < byte_range.stop <= size
    assert byte_range.start == first
    if not standard:
        assert byte_range.stop == last + 1
