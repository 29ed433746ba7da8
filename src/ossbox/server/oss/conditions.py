"""Conditional requests: If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.

GetObject and HeadObject read them as request headers; CopyObject reads the same four with the
`x-oss-copy-source-` prefix, about the source object. The order is RFC 7232's (and S3's): a
true If-Match makes If-Unmodified-Since irrelevant, a false If-None-Match makes
If-Modified-Since irrelevant. Dates OSS cannot parse are ignored, as HTTP servers do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ossbox.server.errors import OssError
from ossbox.server.oss.common import parse_http_date

HeaderLookup = Callable[[str], str | None]


def precondition_failed(condition: str) -> OssError:
    return OssError(
        412,
        "PreconditionFailed",
        "At least one of the pre-conditions you specified did not hold.",
        extra={"Condition": condition},
    )


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [item.strip().strip('"').upper() for item in header.split(",")]
    return "*" in candidates or etag.upper() in candidates


def _seconds(moment: datetime) -> int:
    """HTTP dates have one-second resolution; compare at that resolution."""
    return int(moment.timestamp())


def not_modified(
    lookup: HeaderLookup, etag: str, last_modified: datetime, prefix: str = ""
) -> bool:
    """True when the request should get 304 Not Modified; raises PreconditionFailed (412).

    `lookup` reads a request header by name; `prefix` is "" for GET/HEAD and
    "x-oss-copy-source-" for CopyObject.
    """
    if_match = lookup(prefix + "if-match")
    if if_match is not None:
        if not _etag_matches(if_match, etag):
            raise precondition_failed(f"{prefix}If-Match")
    else:
        since = _date(lookup(prefix + "if-unmodified-since"))
        if since is not None and _seconds(last_modified) > _seconds(since):
            raise precondition_failed(f"{prefix}If-Unmodified-Since")
    if_none_match = lookup(prefix + "if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = _date(lookup(prefix + "if-modified-since"))
    return since is not None and _seconds(last_modified) <= _seconds(since)


def _date(value: str | None) -> datetime | None:
    return None if value is None else parse_http_date(value)
