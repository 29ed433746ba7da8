"""If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, and the copy-source forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ossbox.server.errors import OssError
from ossbox.server.oss.common import http_date
from ossbox.server.oss.conditions import not_modified

ETAG = "5EB63BBBE01EEED093CB22BB8F5ACDC3"
MODIFIED = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
BEFORE = http_date(MODIFIED - timedelta(hours=1))
SAME = http_date(MODIFIED)  # one-second resolution: the sub-second part is ignored
AFTER = http_date(MODIFIED + timedelta(hours=1))


def check(prefix: str = "", **headers: str) -> bool:
    lookup = {prefix + name.replace("_", "-"): value for name, value in headers.items()}
    return not_modified(lookup.get, ETAG, MODIFIED, prefix)


def failed_condition(**headers: str) -> str:
    with pytest.raises(OssError) as caught:
        check(**headers)
    assert caught.value.status == 412
    assert caught.value.code == "PreconditionFailed"
    return caught.value.extra["Condition"]


def test_no_condition_serves_the_object() -> None:
    assert check() is False


@pytest.mark.parametrize("value", [f'"{ETAG}"', ETAG.lower(), "*", f'"X", "{ETAG}"'])
def test_if_match_with_the_etag_serves_the_object(value: str) -> None:
    assert check(if_match=value) is False


def test_if_match_with_another_etag_is_412() -> None:
    assert failed_condition(if_match='"0123"') == "If-Match"


def test_if_none_match_with_the_etag_is_304() -> None:
    assert check(if_none_match=f'"{ETAG}"') is True
    assert check(if_none_match='"0123"') is False


def test_if_modified_since_is_304_unless_modified_later() -> None:
    assert check(if_modified_since=BEFORE) is False
    assert check(if_modified_since=SAME) is True
    assert check(if_modified_since=AFTER) is True


def test_if_unmodified_since_is_412_when_modified_later() -> None:
    assert check(if_unmodified_since=SAME) is False
    assert check(if_unmodified_since=AFTER) is False
    assert failed_condition(if_unmodified_since=BEFORE) == "If-Unmodified-Since"


def test_a_true_if_match_overrides_if_unmodified_since() -> None:
    assert check(if_match=ETAG, if_unmodified_since=BEFORE) is False


def test_a_false_if_none_match_overrides_if_modified_since() -> None:
    assert check(if_none_match='"other"', if_modified_since=AFTER) is False


def test_unparseable_dates_are_ignored() -> None:
    assert check(if_modified_since="yesterday", if_unmodified_since="not a date") is False


def test_copy_source_conditions_read_prefixed_headers() -> None:
    prefix = "x-oss-copy-source-"
    assert check(prefix, if_none_match=ETAG) is True
    with pytest.raises(OssError) as caught:
        check(prefix, if_match='"nope"')
    assert caught.value.extra["Condition"] == "x-oss-copy-source-If-Match"
    # Plain headers do not count for a copy.
    assert not_modified({"if-none-match": ETAG}.get, ETAG, MODIFIED, prefix) is False
