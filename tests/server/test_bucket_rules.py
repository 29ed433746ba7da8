"""Pure pieces of the bucket and listing handlers: tokens, URL encoding, endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.oss.buckets import service_host
from ossbox.server.oss.common import url_encode
from ossbox.server.oss.listing import decode_token, encode_token
from ossbox.signing.http import HttpRequest
from ossbox.store import Store

# Object keys: any Unicode text but surrogates (not encodable as UTF-8).
keys = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=64)


@given(keys)
def test_continuation_token_round_trips_any_key(key: str) -> None:
    token = encode_token(key)
    assert token.isascii() and "=" not in token
    assert url_encode(token) == token  # needs no escaping in a query or in url-encoded XML
    assert decode_token(token) == key


@pytest.mark.parametrize("token", ["not a token!", "a", "%41", "_w", "/x=="])
def test_foreign_continuation_tokens_are_invalid_argument(token: str) -> None:
    with pytest.raises(OssError) as caught:
        decode_token(token)
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")
    assert caught.value.extra["ArgumentName"] == "continuation-token"


@given(keys)
def test_url_encoding_is_undone_by_the_clients_unquote(key: str) -> None:
    encoded = url_encode(key)
    assert unquote(encoded) == key
    assert set(encoded) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%"
    )


def test_url_encoding_escapes_slash_space_and_plus() -> None:
    assert url_encode("dir/a b+c%") == "dir%2Fa%20b%2Bc%25"


def _context(host: str, bucket: str | None) -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    return RequestContext(
        request_id="0" * 24,
        http=HttpRequest("GET", "/", [("host", host)]),
        receive=receive,
        config=ServerConfig(data_dir=Path("unused")),
        store=cast(Store, None),
        now=datetime.now(UTC),
        host=host,
        bucket=bucket,
    )


@pytest.mark.parametrize(
    ("host", "bucket", "endpoint"),
    [
        ("127.0.0.1:9000", "bkt", "127.0.0.1:9000"),
        ("127.0.0.1:9000", None, "127.0.0.1:9000"),
        ("bkt.localhost:9000", "bkt", "localhost:9000"),
        ("localhost:9000", "bkt", "localhost:9000"),
    ],
)
def test_bucket_endpoints_are_the_host_clients_reach_the_service_at(
    host: str, bucket: str | None, endpoint: str
) -> None:
    assert service_host(_context(host, bucket)) == endpoint
