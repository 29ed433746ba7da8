"""The raw HTTP request as the signature schemes see it, and the encodings they share.

Signing (client) and verifying (server) both start from an `HttpRequest`: the method, the
request-target exactly as it went on the wire, the headers in wire order and, for form-encoded
RPC calls, the body. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, unquote_plus

_STRICT_SAFE = "-_.~"  # RFC 3986 unreserved, besides letters and digits


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """Percent-encode every byte but A-Z a-z 0-9 - _ . ~ (and `/` when asked), upper-case hex."""
    return quote(value, safe=_STRICT_SAFE + ("/" if keep_slash else ""))


def pop_encode(value: str) -> str:
    """The POP (RPC) percent-encoding: the strict RFC 3986 set, space as %20."""
    return quote(value, safe="-_.~")


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Split a raw query into decoded (name, value) pairs, in order, `+` read as a space.

    Empty values are kept (`acl=` and `acl` both give ("acl", "")). Undecodable UTF-8 is
    replaced rather than raised, so a hostile query cannot crash the caller.
    """
    pairs: list[tuple[str, str]] = []
    if not raw_query:
        return pairs
    for part in raw_query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote_plus(name, errors="replace"), unquote_plus(value, errors="replace")))
    return pairs


def decode_path(raw_path: str) -> str:
    """Percent-decode a raw path (a `+` stays a `+`)."""
    return unquote(raw_path, errors="strict")


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, as received or as about to be sent.

    `target` is the request-target exactly as on the wire (`/bkt/a%2Fb?acl=`); `headers` keeps
    wire order and original case; `body` is only needed for RPC calls with a form body.
    """

    method: str
    target: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    _lower: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lower: dict[str, str] = {}
        for name, value in self.headers:
            key = name.lower()
            # Repeated headers are joined with "," as HTTP allows.
            lower[key] = f"{lower[key]},{value}" if key in lower else value
        object.__setattr__(self, "_lower", lower)

    @property
    def raw_path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def raw_query(self) -> str:
        return self.target.partition("?")[2]

    def header(self, name: str) -> str | None:
        """The header's value (case-insensitive name), repeated values joined by ","."""
        return self._lower.get(name.lower())

    def lower_headers(self) -> dict[str, str]:
        """All headers by lower-cased name."""
        return dict(self._lower)

    def query(self) -> list[tuple[str, str]]:
        """The decoded query pairs, in wire order."""
        return parse_query(self.raw_query)

    def first_query_values(self) -> dict[str, str]:
        """Decoded query as a dict; when a name repeats, the first value wins (as OSS does)."""
        out: dict[str, str] = {}
        for name, value in self.query():
            out.setdefault(name, value)
        return out


def header_items(headers: Iterable[tuple[str, str]] | dict[str, str]) -> list[tuple[str, str]]:
    """Normalise a header mapping or pair list to a list of pairs."""
    return list(headers.items()) if isinstance(headers, dict) else list(headers)
