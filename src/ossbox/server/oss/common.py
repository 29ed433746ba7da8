"""Formats and small helpers every OSS handler shares: dates, ETags, XML in and out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import quote
from xml.etree.ElementTree import Element  # types only; parsing uses defusedxml
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET

from ossbox.server.context import RequestContext, parse_uint
from ossbox.server.errors import invalid_argument, malformed_xml

MAX_XML_BODY = 2 * 1024 * 1024  # OSS caps XML request bodies (DeleteMultipleObjects) at 2 MB


def iso8601(moment: datetime) -> str:
    """XML timestamps exactly as oss2 parses them: `YYYY-MM-DDTHH:MM:SS.000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(moment: datetime) -> str:
    """`Last-Modified` and friends: `Wed, 28 Dec 2022 10:27:41 GMT`."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def quote_etag(etag: str) -> str:
    return f'"{etag}"'


def unquote_etag(etag: str) -> str:
    return etag.strip().strip('"').upper()


def esc(value: str) -> str:
    return escape(value)


def element(name: str, value: str | int | bool | None) -> str:
    """`<name>value</name>`, escaped; booleans as true/false; None as an empty element."""
    if value is None:
        return f"<{name}></{name}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def xml_document(root: str, children: Iterable[str]) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{"".join(children)}</{root}>'


async def read_xml(ctx: RequestContext, *, limit: int = MAX_XML_BODY) -> Element:
    """The request body parsed as XML; MalformedXML on anything else (DTDs refused)."""
    return parse_xml(await ctx.read_body(limit=limit))


def parse_xml(body: bytes) -> Element:
    """A request body already read (e.g. to check its Content-MD5) parsed as `read_xml` does."""
    if not body.strip():
        raise malformed_xml()
    try:
        root: Element = SafeET.fromstring(body)
    except Exception:  # defusedxml raises several types; all mean "not acceptable XML"
        raise malformed_xml() from None
    return root


def child_text(node: Element, name: str, default: str | None = None) -> str | None:
    found = node.find(name)
    if found is None:
        return default
    return found.text or ""


def int_param(ctx: RequestContext, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]; InvalidArgument otherwise."""
    raw = ctx.query.get(name)
    if raw is None or raw == "":
        return default
    value = parse_uint(raw)
    if value is None or not low <= value <= high:
        raise invalid_argument(f"Argument {name} is invalid.", name, raw)
    return value


def owner_xml(owner_id: str) -> str:
    return f"<Owner>{element('ID', owner_id)}{element('DisplayName', owner_id)}</Owner>"


def url_encode(value: str) -> str:
    """`encoding-type=url`: every byte but A-Z a-z 0-9 - _ . ~ percent-encoded."""
    return quote(value, safe="")


class KeyEncoding:
    """How keys and prefixes go into response XML: as is, or URL-encoded (`encoding-type=url`)."""

    def __init__(self, ctx: RequestContext) -> None:
        encoding = ctx.query.get("encoding-type", "")
        if encoding not in ("", "url"):
            raise invalid_argument(
                "The encoding-type parameter is invalid.", "encoding-type", encoding
            )
        self.url = encoding == "url"

    def __call__(self, name: str) -> str:
        return url_encode(name) if self.url else name

    def encoding_type(self) -> list[str]:
        """The `<EncodingType>` element, when names are encoded."""
        return [element("EncodingType", "url")] if self.url else []
