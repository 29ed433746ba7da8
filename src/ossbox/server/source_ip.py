"""The address a request comes from (acs:SourceIp): the TCP peer, and nothing a client can write.

Only when the peer is inside a `--trusted-proxy` CIDR is X-Forwarded-For read, from the right:
each trusted proxy appends the address it received the request from, so the right-most entry
that is not itself a trusted proxy is the client; anything to its left was written by the client
and is ignored. An unreadable entry stops the walk at the last address a trusted hop vouched
for. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are given as IPv4.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from ossbox.server.config import IpNetwork

IpAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_network(text: str) -> IpNetwork:
    """A `--trusted-proxy` value: a CIDR block or a single address; ValueError otherwise."""
    return ipaddress.ip_network(text.strip(), strict=False)


def parse_networks(texts: Iterable[str]) -> tuple[IpNetwork, ...]:
    return tuple(parse_network(text) for text in texts)


def read_address(text: str) -> IpAddr | None:
    """`1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]` or `[::1]:80` as an address, else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: IpAddr, proxies: Sequence[IpNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(peer: str, forwarded_for: str | None, proxies: Sequence[IpNetwork]) -> str:
    """The request's source address, given the TCP peer, the X-Forwarded-For header (repeated
    headers joined with ",") and the trusted proxy networks."""
    if not proxies:
        return peer
    current = read_address(peer)
    if current is None:
        return peer
    if forwarded_for is None or not _trusted(current, proxies):
        return str(current)
    for entry in reversed(forwarded_for.split(",")):
        hop = read_address(entry)
        if hop is None:
            break
        current = hop
        if not _trusted(hop, proxies):
            break
    return str(current)
