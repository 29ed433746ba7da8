"""acs:SourceIp: the TCP peer, unless the peer is a trusted proxy; then the right-most
X-Forwarded-For entry that is not a trusted proxy. IPv4 and IPv6 alike."""

from __future__ import annotations

import pytest

from ossbox.cli.main import build_parser
from ossbox.server.source_ip import client_ip, parse_networks, read_address

PROXIES = parse_networks(["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"])


def test_without_trusted_proxies_the_peer_is_the_source_whatever_the_header_says() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9", ()) == "127.0.0.1"
    assert client_ip("::1", "203.0.113.9", ()) == "::1"


def test_an_untrusted_peer_is_the_source_even_with_forwarded_for() -> None:
    assert client_ip("198.51.100.7", "203.0.113.9", PROXIES) == "198.51.100.7"
    assert client_ip("2001:db8::7", "203.0.113.9", PROXIES) == "2001:db8::7"


def test_a_trusted_peer_without_forwarded_for_is_the_source() -> None:
    assert client_ip("127.0.0.1", None, PROXIES) == "127.0.0.1"


def test_a_trusted_peer_forwards_the_right_most_untrusted_address() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9", PROXIES) == "203.0.113.9"
    # The client wrote 1.1.1.1 itself; the proxy appended the address it really saw.
    assert client_ip("127.0.0.1", "1.1.1.1, 203.0.113.9", PROXIES) == "203.0.113.9"


def test_chained_trusted_proxies_are_skipped() -> None:
    header = "1.1.1.1, 203.0.113.9, 10.1.2.3, 10.9.9.9"
    assert client_ip("127.0.0.1", header, PROXIES) == "203.0.113.9"


def test_all_hops_trusted_gives_the_left_most() -> None:
    assert client_ip("127.0.0.1", "10.0.0.5, 10.0.0.6", PROXIES) == "10.0.0.5"


def test_an_unreadable_entry_stops_at_the_last_vouched_address() -> None:
    assert client_ip("127.0.0.1", "203.0.113.9, garbage", PROXIES) == "127.0.0.1"
    assert client_ip("127.0.0.1", "garbage, 10.0.0.5", PROXIES) == "10.0.0.5"
    assert client_ip("127.0.0.1", "", PROXIES) == "127.0.0.1"


def test_ipv6_entries_with_brackets_and_ports() -> None:
    assert client_ip("fd00::1", "[2001:db8::9]:4321", PROXIES) == "2001:db8::9"
    assert client_ip("fd00::1", "2001:db8::9", PROXIES) == "2001:db8::9"
    assert client_ip("127.0.0.1", "203.0.113.9:5555", PROXIES) == "203.0.113.9"


def test_ipv4_mapped_peers_and_entries_are_ipv4() -> None:
    assert client_ip("::ffff:127.0.0.1", "::ffff:203.0.113.9", PROXIES) == "203.0.113.9"


@pytest.mark.parametrize("text", ["", "nope", "[::1", "1.2.3.4.5", "[zz::]:80"])
def test_read_address_refuses_junk(text: str) -> None:
    assert read_address(text) is None


def test_serve_accepts_repeatable_trusted_proxies_and_refuses_junk(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    args = parser.parse_args(
        ["serve", "--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "fd00::/8"]
    )
    assert [str(n) for n in args.trusted_proxy] == ["127.0.0.1/32", "fd00::/8"]
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--trusted-proxy", "not-a-cidr"])
    assert "not an IP address or CIDR block" in capsys.readouterr().err
