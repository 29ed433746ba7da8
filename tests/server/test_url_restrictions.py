"""Signed-URL restrictions without a server: the source network and the address it is checked
against, the request whose signature is verified when the URL names only a mask, the traffic
limit's range and the pacer's rate."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.oss import traffic_limit
from ossbox.server.url_restrictions import admitted, as_signed, check_vpc, source_rule
from ossbox.signing.http import HttpRequest


def _ctx(query: str, *, peer: str = "127.0.0.1", client: str | None = None) -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    http = HttpRequest("GET", f"/b/k?{query}", [])
    ctx = RequestContext(
        request_id="0" * 24,
        http=http,
        receive=receive,
        config=ServerConfig(data_dir=Path("unused")),
        store=None,  # type: ignore[arg-type]
        now=datetime.now(UTC),
        host="127.0.0.1:9000",
        source_ip=client or peer,
        peer_ip=peer,
    )
    ctx.query = http.first_query_values()
    return ctx


def test_no_restriction() -> None:
    assert source_rule(_ctx("Expires=1")) is None


@pytest.mark.parametrize(
    ("query", "peer", "ok"),
    [
        ("x-oss-ac-source-ip=127.0.0.1&x-oss-ac-subnet-mask=32", "127.0.0.1", True),
        ("x-oss-ac-source-ip=127.0.0.1&x-oss-ac-subnet-mask=32", "127.0.0.2", False),
        ("x-oss-ac-source-ip=10.9.9.9&x-oss-ac-subnet-mask=8", "10.1.2.3", True),
        ("x-oss-ac-source-ip=10.0.0.0&x-oss-ac-subnet-mask=8", "11.0.0.1", False),
        ("x-oss-ac-source-ip=10.0.0.7", "10.0.0.7", True),  # no mask: that one address
        ("x-oss-ac-source-ip=10.0.0.7", "10.0.0.8", False),
        ("x-oss-ac-source-ip=fd00::&x-oss-ac-subnet-mask=8", "fd12::1", True),
        ("x-oss-ac-source-ip=fd00::&x-oss-ac-subnet-mask=8", "10.0.0.1", False),
        ("x-oss-ac-source-ip=10.0.0.0&x-oss-ac-subnet-mask=8", "::ffff:10.0.0.1", True),
    ],
)
def test_source_network(query: str, peer: str, ok: bool) -> None:
    rule = source_rule(_ctx(query, peer=peer))
    assert rule is not None and not rule.hidden
    assert admitted(rule) is ok


def test_forwarded_client_counts_only_with_forward_allow() -> None:
    restricted = "x-oss-ac-source-ip=10.0.0.0&x-oss-ac-subnet-mask=8"
    direct = source_rule(_ctx(restricted, peer="127.0.0.1", client="10.1.2.3"))
    assert direct is not None and not admitted(direct)
    forwarded = source_rule(
        _ctx(restricted + "&x-oss-ac-forward-allow=true", peer="127.0.0.1", client="10.1.2.3")
    )
    assert forwarded is not None and admitted(forwarded)


@pytest.mark.parametrize(
    "query",
    [
        "x-oss-ac-source-ip=127.0.0.1&x-oss-ac-subnet-mask=33",
        "x-oss-ac-source-ip=::1&x-oss-ac-subnet-mask=129",
        "x-oss-ac-source-ip=127.0.0.1&x-oss-ac-subnet-mask=",
        "x-oss-ac-source-ip=127.0.0.1&x-oss-ac-subnet-mask=%C2%B2",
        "x-oss-ac-source-ip=300.1.1.1&x-oss-ac-subnet-mask=8",
        "x-oss-ac-subnet-mask=abc",
    ],
)
def test_malformed_restriction_is_invalid_argument(query: str) -> None:
    with pytest.raises(OssError) as caught:
        source_rule(_ctx(query))
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")


def test_mask_alone_signs_the_requesters_network() -> None:
    ctx = _ctx("OSSAccessKeyId=a&x-oss-ac-subnet-mask=24", peer="10.1.2.3")
    rule = source_rule(ctx)
    assert rule is not None and rule.hidden and admitted(rule)
    signed = as_signed(ctx.http, rule)
    assert signed.target == (
        "/b/k?OSSAccessKeyId=a&x-oss-ac-subnet-mask=24&x-oss-ac-source-ip=10.1.2.0"
    )
    named = _ctx("x-oss-ac-source-ip=10.1.2.0&x-oss-ac-subnet-mask=24", peer="10.1.2.3")
    assert as_signed(named.http, source_rule(named)) is named.http


def test_vpc_restriction_is_refused() -> None:
    check_vpc(_ctx("Expires=1"))
    with pytest.raises(OssError) as caught:
        check_vpc(_ctx("x-oss-ac-vpc-id=vpc-123"))
    assert (caught.value.status, caught.value.code) == (403, "AccessDenied")
    assert caught.value.extra["EC"] == "0002-00000603"


@pytest.mark.parametrize("raw", ["819199", "838860801", "", "1e6", "-819200", "８１９２００"])
def test_traffic_limit_out_of_range(raw: str) -> None:
    with pytest.raises(OssError) as caught:
        traffic_limit.parse_limit(raw)
    assert (caught.value.code, caught.value.extra["EC"]) == ("InvalidArgument", "0004-00000502")


def test_traffic_limit_bounds_are_inclusive() -> None:
    assert traffic_limit.parse_limit("819200") == 819200
    assert traffic_limit.parse_limit("838860800") == 838860800


def test_pacer_keeps_to_the_rate() -> None:
    async def paced_body() -> tuple[float, bytes]:
        start = time.monotonic()
        chunks = [c async for c in traffic_limit.throttled_body(b"x" * 51_200, 819_200)]
        return time.monotonic() - start, b"".join(chunks)

    elapsed, body = asyncio.run(paced_body())
    assert body == b"x" * 51_200
    assert 0.45 <= elapsed <= 0.75  # 51,200 bytes at 102,400 B/s: 0.5 s
