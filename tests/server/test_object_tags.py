"""Object tags: the x-oss-tagging header, the Tagging document and OSS's limits."""

from __future__ import annotations

import pytest
from defusedxml.ElementTree import fromstring

from ossbox.server.errors import OssError
from ossbox.server.oss.object_tags import (
    parse_tagging_header,
    tagging_xml,
    tags_from_xml,
    validate_tags,
)


def test_header_is_url_decoded() -> None:
    assert parse_tagging_header("a=1&b%20c=d%2Be&empty=&bare") == {
        "a": "1",
        "b c": "d+e",
        "empty": "",
        "bare": "",
    }


@pytest.mark.parametrize(
    "header",
    ["aa=bb=cc", "k=%FF", "&".join(f"k{i}=v" for i in range(11)), "a=1&a=2", "=v"],
)
def test_malformed_or_excessive_header_is_invalid_tag(header: str) -> None:
    with pytest.raises(OssError) as caught:
        parse_tagging_header(header)
    assert (caught.value.status, caught.value.code) == (400, "InvalidTag")


def test_limits_are_128_for_keys_and_256_for_values() -> None:
    assert validate_tags([("k" * 128, "v" * 256)]) == {"k" * 128: "v" * 256}
    for pair in [("k" * 129, "v"), ("k", "v" * 257), ("", "v")]:
        with pytest.raises(OssError):
            validate_tags([pair])


def test_document_round_trips() -> None:
    tags = {"a": "1", "x<y": "&", "空": ""}
    assert tags_from_xml(fromstring(tagging_xml(tags))) == tags


def test_empty_tag_set_is_no_tags() -> None:
    assert tags_from_xml(fromstring("<Tagging><TagSet/></Tagging>")) == {}


@pytest.mark.parametrize(
    "document",
    [
        "<Tagging/>",
        "<Other><TagSet/></Other>",
        "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
    ],
)
def test_documents_without_the_schema_are_malformed_xml(document: str) -> None:
    with pytest.raises(OssError) as caught:
        tags_from_xml(fromstring(document))
    assert caught.value.code == "MalformedXML"
