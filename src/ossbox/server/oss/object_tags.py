"""Object tags: the `x-oss-tagging` header, the `<Tagging>` document, and OSS's limits.

Limits (PutObjectTagging): at most 10 tags per object, unique keys, a key 1..128 characters, a
value at most 256 characters. The header form is URL-encoded `k1=v1&k2=v2` (`k` alone means
an empty value; `a=b=c` is malformed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import unquote
from xml.etree.ElementTree import Element  # types only; parsing uses defusedxml

from ossbox.server.errors import OssError, malformed_xml
from ossbox.server.oss.common import element, xml_document

MAX_TAGS = 10
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256


def invalid_tag(message: str) -> OssError:
    return OssError(400, "InvalidTag", message)


def validate_tags(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The tags as a dict, after checking OSS's limits (InvalidTag otherwise)."""
    tags: dict[str, str] = {}
    for key, value in pairs:
        if not 1 <= len(key) <= MAX_TAG_KEY:
            raise invalid_tag("The TagKey you have provided is invalid.")
        if len(value) > MAX_TAG_VALUE:
            raise invalid_tag("The TagValue you have provided is invalid.")
        if key in tags:
            raise invalid_tag("Cannot provide multiple Tags with the same key.")
        tags[key] = value
    if len(tags) > MAX_TAGS:
        raise invalid_tag(f"Object tags cannot be greater than {MAX_TAGS}.")
    return tags


def parse_tagging_header(value: str) -> dict[str, str]:
    """`x-oss-tagging: k1=v1&k2=v2` (URL-encoded) as validated tags."""
    pairs: list[tuple[str, str]] = []
    for part in value.split("&"):
        if not part:
            continue
        key, sep, tag_value = part.partition("=")
        if sep and "=" in tag_value:
            raise invalid_tag("The tag provided was not a valid tag.")
        pairs.append((_decode(key), _decode(tag_value)))
    return validate_tags(pairs)


def _decode(text: str) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise invalid_tag("The tag provided was not a valid tag.") from None


def tags_from_xml(root: Element) -> dict[str, str]:
    """`<Tagging><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tagging>` as validated tags."""
    tag_set = root.find("TagSet")
    if root.tag != "Tagging" or tag_set is None:
        raise malformed_xml()
    pairs: list[tuple[str, str]] = []
    for tag in tag_set.findall("Tag"):
        key = tag.find("Key")
        if key is None:
            raise malformed_xml()
        value = tag.find("Value")
        pairs.append((key.text or "", "" if value is None else value.text or ""))
    return validate_tags(pairs)


def tagging_xml(tags: Mapping[str, str]) -> str:
    children = "".join(
        f"<Tag>{element('Key', key)}{element('Value', value)}</Tag>" for key, value in tags.items()
    )
    return xml_document("Tagging", [f"<TagSet>{children}</TagSet>"])
