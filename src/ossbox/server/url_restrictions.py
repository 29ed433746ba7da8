"""Where a signed request may come from, as its URL restricts it (the seeds' signed-URL sample):

- `x-oss-ac-source-ip` with `x-oss-ac-subnet-mask` (the number of 1 bits): only requests from
  that network. The address checked is the TCP peer; with `x-oss-ac-forward-allow=true` the
  request may have been forwarded, and the client address behind `--trusted-proxy` peers
  (X-Forwarded-For, see source_ip.py) is checked instead. OSS answers a request from elsewhere
  as a signature mismatch (EC 0002-00000602 for V1 URLs, 0002-00000225 for V4). OSS documents
  URLs that carry only the mask (`...&x-oss-ac-subnet-mask=32&Signature=...`): the address is
  then the requester's own, so the signature verifies with `x-oss-ac-source-ip` set to the
  requester's network (its address with the mask applied).
- `x-oss-ac-vpc-id`: only requests from that VPC. Nothing reaches ossbox through an Alibaba
  Cloud VPC, so such a URL is always refused (EC 0002-00000603).

The parameters are signed like any sub-resource, so a URL cannot be stripped of them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from ossbox.server.context import RequestContext, parse_uint
from ossbox.server.errors import OssError, invalid_argument
from ossbox.server.source_ip import IpAddr, read_address
from ossbox.signing.http import HttpRequest, uri_encode

SOURCE_IP = "x-oss-ac-source-ip"
SUBNET_MASK = "x-oss-ac-subnet-mask"
VPC_ID = "x-oss-ac-vpc-id"
FORWARD_ALLOW = "x-oss-ac-forward-allow"
EC_IP_V1 = "0002-00000602"
EC_IP_V4 = "0002-00000225"
EC_VPC = "0002-00000603"


@dataclass(frozen=True)
class SourceRule:
    """The network a signed request must come from, and the address that is checked."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    requester: IpAddr | None
    hidden: bool  # the URL names no address: it is the requester's network


def forward_allowed(query: Mapping[str, str]) -> bool:
    """Whether the URL lets the request be forwarded (`x-oss-ac-forward-allow=true`)."""
    return query.get(FORWARD_ALLOW, "").strip().lower() == "true"


def requester(ctx: RequestContext) -> IpAddr | None:
    """The address a source-IP restriction is checked against."""
    return read_address(ctx.source_ip if forward_allowed(ctx.query) else ctx.peer_ip)


def _mask(raw: str | None, max_bits: int) -> int:
    if raw is None:
        return max_bits  # UNCONFIRMED: an address without a mask is that single address
    bits = parse_uint(raw)
    if bits is not None and bits <= max_bits:
        return bits
    # UNCONFIRMED wording: OSS documents an invalid mask as refused, not its message.
    raise invalid_argument("Invalid x-oss-ac-subnet-mask.", SUBNET_MASK, raw)


def source_rule(ctx: RequestContext) -> SourceRule | None:
    """The request's source restriction; None when its URL has none. Malformed: InvalidArgument."""
    raw_ip, raw_mask = ctx.query.get(SOURCE_IP), ctx.query.get(SUBNET_MASK)
    if raw_ip is None and raw_mask is None:
        return None
    address = requester(ctx)
    if raw_ip is None:  # the URL names no address: the network is the requester's own
        base = address
        if base is None:
            raise invalid_argument("The request has no source address.", SUBNET_MASK, raw_mask)
    else:
        base = read_address(raw_ip)
        if base is None:
            raise invalid_argument("Invalid x-oss-ac-source-ip.", SOURCE_IP, raw_ip)
    bits = _mask(raw_mask, base.max_prefixlen)
    network = ipaddress.ip_network(f"{base}/{bits}", strict=False)
    return SourceRule(network, address, hidden=raw_ip is None)


def as_signed(http: HttpRequest, rule: SourceRule | None) -> HttpRequest:
    """The request whose signature is verified: with the requester's network as
    `x-oss-ac-source-ip` when the URL leaves the address out (UNCONFIRMED: the network
    address, e.g. 10.1.2.0 for 10.1.2.3 with mask 24, is the value OSS signs)."""
    if rule is None or not rule.hidden:
        return http
    param = f"{SOURCE_IP}={uri_encode(str(rule.network.network_address))}"
    separator = "&" if http.raw_query else "?"
    return HttpRequest(http.method, f"{http.target}{separator}{param}", http.headers, http.body)


def admitted(rule: SourceRule) -> bool:
    return rule.requester is not None and rule.requester in rule.network  # False across versions


def check_vpc(ctx: RequestContext) -> None:
    """A URL restricted to a VPC: refused, since no request here comes through one."""
    vpc = ctx.query.get(VPC_ID)
    if vpc is None:
        return
    # UNCONFIRMED code and wording: OSS documents the case (EC 0002-00000603), not the words.
    raise OssError(
        403,
        "AccessDenied",
        "The request is not from the VPC this signed URL is restricted to.",
        extra={"VpcId": vpc, "EC": EC_VPC},
    )
