"""The OSS error body and its HEAD form."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from ossbox.server.errors import no_such_key


def test_error_xml_has_code_message_ids_and_extras() -> None:
    body = no_such_key("a<b&c").to_xml("REQ1", "127.0.0.1:9000")
    root = ET.fromstring(body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "NoSuchKey"
    assert root.findtext("Message") == "The specified key does not exist."
    assert root.findtext("RequestId") == "REQ1"
    assert root.findtext("HostId") == "127.0.0.1:9000"
    assert root.findtext("Key") == "a<b&c"


def test_head_form_is_the_same_xml_in_base64() -> None:
    err = no_such_key("k")
    assert base64.b64decode(err.header_form("R", "H")) == err.to_xml("R", "H")
