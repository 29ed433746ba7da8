"""ACS3-HMAC-SHA256: known answers from captured traffic, and agreement with tea-openapi."""

from __future__ import annotations

import hashlib
import string
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from darabonba.request import DaraRequest
from hypothesis import given, settings
from hypothesis import strategies as st

from ossbox.signing.acs3 import (
    EMPTY_SHA256,
    canonical_headers_acs3,
    canonical_query_acs3,
    canonical_request_acs3,
    parse_authorization_acs3,
    sign_acs3,
    signature_acs3,
    string_to_sign_acs3,
    verify_acs3,
)
from ossbox.signing.http import HttpRequest
from ossbox.signing.result import SignatureFormatError
from ossbox.signing.rpc import RpcScheme, parse_rpc_request, verify_rpc

AK = "LTAI5tFAKEAKID"
SECRET = "FakeSecretKey1234567890"
NOW = datetime(2026, 11, 25, 4, 19, 4, tzinfo=UTC)
TEA_HEADERS = {
    "user-agent": "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2",
    "accept": "application/json",
}
POLICY = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*"}]}'


def send(
    method: str, query: dict[str, str], headers: dict[str, str], body: bytes = b""
) -> HttpRequest:
    """The request as it reaches the server: query urlencoded (space as "+"), headers in order."""
    target = "/?" + urlencode(query) if query else "/"
    return HttpRequest(method, target, list(headers.items()), body)


def authorization_of(headers: dict[str, str]) -> str:
    return headers["Authorization"]


# -- known answers: sign_acs3 reproduces what alibabacloud-sts20150401 sent (sts_wire.jsonl) --


def test_sign_acs3_reproduces_captured_assume_role_with_policy() -> None:
    headers = sign_acs3(
        method="POST",
        pathname="/",
        query={
            "DurationSeconds": "3600",
            "Policy": POLICY,
            "RoleArn": "acs:ram::1:role/r",
            "RoleSessionName": "alice",
        },
        headers={
            "host": "127.0.0.1:40671",
            **TEA_HEADERS,
            "x-acs-credentials-provider": "static_ak",
        },
        body=b"",
        access_key_id=AK,
        access_key_secret=SECRET,
        action="AssumeRole",
        version="2015-04-01",
        now=NOW,
        nonce="15fe39f22f26ec9ff8ea477aa0663fe9",
    )
    assert authorization_of(headers) == (
        "ACS3-HMAC-SHA256 Credential=LTAI5tFAKEAKID,SignedHeaders=accept;host;user-agent;"
        "x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;"
        "x-acs-signature-nonce;x-acs-version,"
        "Signature=591e57b8e416a6f85d26564583c09fff3a3dc55b15ace2a9bd0022244ef2af1b"
    )
    assert headers["x-acs-content-sha256"] == EMPTY_SHA256
    assert headers["x-acs-date"] == "2026-11-25T04:19:04Z"


def test_sign_acs3_reproduces_captured_sts_token_call() -> None:
    headers = sign_acs3(
        method="POST",
        pathname="/",
        query={},
        headers={
            "host": "127.0.0.1:40671",
            **TEA_HEADERS,
            "x-acs-credentials-provider": "static_sts",
        },
        body=b"",
        access_key_id="STS.x",
        access_key_secret=SECRET,
        security_token="tok+/=",
        action="GetCallerIdentity",
        version="2015-04-01",
        now=NOW,
        nonce="4e505ade69e8cda16b02c078d6b1b240",
    )
    assert (headers["x-acs-accesskey-id"], headers["x-acs-security-token"]) == ("STS.x", "tok+/=")
    assert authorization_of(headers).endswith(
        "Signature=8271096e239a04055f6109b74cee7aeab713cb40e2df2c07b9a38584b7da5382"
    )


def test_canonical_request_of_the_captured_host_with_scheme_call() -> None:
    headers = sign_acs3(
        method="POST",
        pathname="/",
        query={},
        headers={
            "host": "http://127.0.0.1:40671",
            **TEA_HEADERS,
            "x-acs-credentials-provider": "static_ak",
        },
        body=b"",
        access_key_id=AK,
        access_key_secret=SECRET,
        action="GetCallerIdentity",
        version="2015-04-01",
        now=NOW,
        nonce="a4262aaf799e99ff67f3205aaa13a978",
    )
    expected_canonical = (
        "POST\n/\n\n"
        "accept:application/json\n"
        "host:http://127.0.0.1:40671\n"
        "user-agent:AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2\n"
        "x-acs-action:GetCallerIdentity\n"
        f"x-acs-content-sha256:{EMPTY_SHA256}\n"
        "x-acs-credentials-provider:static_ak\n"
        "x-acs-date:2026-11-25T04:19:04Z\n"
        "x-acs-signature-nonce:a4262aaf799e99ff67f3205aaa13a978\n"
        "x-acs-version:2015-04-01\n\n"
        "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;"
        f"x-acs-date;x-acs-signature-nonce;x-acs-version\n{EMPTY_SHA256}"
    )
    req = send("POST", {}, headers)
    verification = verify_acs3(req, SECRET)
    assert verification.ok
    assert verification.canonical_request == expected_canonical
    digest = hashlib.sha256(expected_canonical.encode()).hexdigest()
    assert verification.string_to_sign == f"ACS3-HMAC-SHA256\n{digest}"
    assert authorization_of(headers).endswith(
        "Signature=109170535711b4610b1e55bae11b2f1072da4da60df06c8b7369a1ab97d475e6"
    )


def test_canonical_query_sorts_and_encodes_values_strictly() -> None:
    pairs = [("b", "x y+z*~/"), ("a", ""), ("c d", "é")]
    assert canonical_query_acs3(pairs) == "a=&b=x%20y%2Bz%2A~%2F&c d=%C3%A9"
    assert canonical_query_acs3(pairs, encode_names=True) == "a=&b=x%20y%2Bz%2A~%2F&c%20d=%C3%A9"


def test_canonical_headers_strip_and_join_repeated_values_sorted() -> None:
    headers = [("X-B", " 2 "), ("x-a", "v"), ("x-b", "1")]
    assert canonical_headers_acs3(headers, ["x-a", "x-b"]) == "x-a:v\nx-b:1,2\n"


# -- verification of received requests --------------------------------------------------------


def signed(
    *,
    query: dict[str, str] | None = None,
    body: bytes = b"",
    extra: dict[str, str] | None = None,
    token: str | None = None,
) -> dict[str, str]:
    return sign_acs3(
        method="POST",
        pathname="/",
        query=query or {},
        headers={"host": "127.0.0.1:9000", **TEA_HEADERS, **(extra or {})},
        body=body,
        access_key_id=AK,
        access_key_secret=SECRET,
        security_token=token,
        action="AssumeRole",
        version="2015-04-01",
        now=NOW,
        nonce="n-1",
    )


def test_form_body_parameters_are_parsed_and_covered_by_the_payload_hash() -> None:
    body = urlencode({"RoleArn": "acs:ram::1:role/r", "Policy": POLICY}).encode()
    headers = signed(body=body, extra={"content-type": "application/x-www-form-urlencoded"})
    req = send("POST", {"RoleSessionName": "s"}, headers, body)
    call = parse_rpc_request(req)
    assert call.scheme is RpcScheme.ACS3
    assert call.params == {"RoleSessionName": "s", "RoleArn": "acs:ram::1:role/r", "Policy": POLICY}
    assert verify_rpc(req, call, SECRET).reason == "signature does not match"  # query not signed
    req = send("POST", {}, headers, body)
    assert verify_rpc(req, parse_rpc_request(req), SECRET).ok
    other = send("POST", {}, headers, body.replace(b"role%2Fr", b"role%2Fx"))
    verification = verify_acs3(other, SECRET)
    assert verification.reason == "x-acs-content-sha256 does not match the body"
    assert verify_acs3(send("POST", {}, headers, b""), SECRET).reason == (
        "x-acs-content-sha256 does not match the body"
    )


def test_missing_content_sha256_header_means_the_hash_of_the_body() -> None:
    headers = signed(body=b"x=1", extra={"content-type": "application/x-www-form-urlencoded"})
    payload = headers.pop("x-acs-content-sha256")
    names = sorted(name.lower() for name in headers if name != "Authorization")
    canonical = canonical_request_acs3(
        method="POST",
        pathname="/",
        canonical_query="",
        canonical_headers=canonical_headers_acs3(headers.items(), names),
        signed_headers=names,
        payload_hash=payload,
    )
    signature = signature_acs3(SECRET, string_to_sign_acs3(canonical))
    headers["Authorization"] = (
        f"ACS3-HMAC-SHA256 Credential={AK},SignedHeaders={';'.join(names)},Signature={signature}"
    )
    assert verify_acs3(send("POST", {}, headers, b"x=1"), SECRET).ok
    assert not verify_acs3(send("POST", {}, headers, b"x=2"), SECRET).ok


def test_query_names_are_accepted_raw_as_tea_signs_them_or_encoded_as_the_spec_says() -> None:
    query = {"a b": "1", "Plain": "2"}
    headers = signed(query=query)  # sign_acs3 signs names raw, like tea
    assert verify_acs3(send("POST", query, headers), SECRET).ok
    names = sorted(name.lower() for name in headers if name != "Authorization")
    canonical = canonical_request_acs3(
        method="POST",
        pathname="/",
        canonical_query=canonical_query_acs3(query.items(), encode_names=True),
        canonical_headers=canonical_headers_acs3(headers.items(), names),
        signed_headers=names,
        payload_hash=EMPTY_SHA256,
    )
    spec_signature = signature_acs3(SECRET, string_to_sign_acs3(canonical))
    auth = headers["Authorization"].rsplit("=", 1)[0] + "=" + spec_signature
    assert verify_acs3(send("POST", query, {**headers, "Authorization": auth}), SECRET).ok
    assert not verify_acs3(send("POST", {**query, "a b": "2"}, headers), SECRET).ok


def test_added_or_repeated_query_pair_is_refused() -> None:
    query = {"RoleSessionName": "s"}
    headers = signed(query=query)
    req = send("POST", query, headers)
    assert verify_acs3(req, SECRET).ok
    for suffix in ("&RoleSessionName=mallory", "&Extra=1"):
        changed = HttpRequest(req.method, req.target + suffix, req.headers)
        assert verify_acs3(changed, SECRET).reason == "signature does not match"


def test_signed_header_missing_from_the_request_is_refused_with_its_name() -> None:
    headers = signed()
    del headers["accept"]
    verification = verify_acs3(send("POST", {}, headers), SECRET)
    assert not verification.ok and "accept" in str(verification.reason)


def test_common_header_added_after_signing_is_refused_even_with_a_valid_signature() -> None:
    headers = {**signed(), "x-acs-security-token": "smuggled"}
    verification = verify_acs3(send("POST", {}, headers), SECRET)
    assert verification.reason == "headers must be signed: x-acs-security-token"


def test_path_is_signed() -> None:
    headers = sign_acs3(
        method="GET",
        pathname="/p/q",
        query={},
        headers={"host": "h"},
        body=b"",
        access_key_id=AK,
        access_key_secret=SECRET,
        action="A",
        version="v",
        now=NOW,
        nonce="n",
    )
    assert verify_acs3(HttpRequest("GET", "/p/q", list(headers.items())), SECRET).ok
    assert not verify_acs3(HttpRequest("GET", "/p/r", list(headers.items())), SECRET).ok


def test_uppercase_hex_signature_is_accepted() -> None:
    headers = signed()
    prefix, hex_signature = headers["Authorization"].rsplit("=", 1)
    headers["Authorization"] = f"{prefix}={hex_signature.upper()}"
    assert verify_acs3(send("POST", {}, headers), SECRET).ok


# -- malformed ACS3 requests ------------------------------------------------------------------


def test_authorization_with_spaces_after_commas_parses() -> None:
    auth = parse_authorization_acs3(
        "ACS3-HMAC-SHA256 Credential=AK, SignedHeaders=host;x-acs-date, Signature=ab"
    )
    assert (auth.access_key_id, auth.signed_headers, auth.signature) == (
        "AK",
        ("host", "x-acs-date"),
        "ab",
    )
    assert "ab" not in repr(auth).replace("access", "")


@pytest.mark.parametrize(
    "value",
    [
        "ACS3-HMAC-SHA256",
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host",
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=ab",
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;;a,Signature=ab",
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ab,Signature=cd",
        "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ab,Extra=1",
        "ACS3-HMAC-SHA256 Credential=AK;SignedHeaders=host;Signature=ab",
        "ACS3-HMAC-SHA256Credential=AK,SignedHeaders=host,Signature=ab",
    ],
)
def test_malformed_authorization_is_incomplete_signature(value: str) -> None:
    with pytest.raises(SignatureFormatError) as info:
        parse_authorization_acs3(value)
    assert (info.value.status, info.value.code) == (400, "IncompleteSignature")
    assert info.value.message == "The request signature does not conform to Aliyun standards."


@pytest.mark.parametrize("algorithm", ["ACS3-HMAC-SM3", "ACS3-RSA-SHA256"])
def test_other_acs3_algorithms_are_an_invalid_signature_method(algorithm: str) -> None:
    with pytest.raises(SignatureFormatError) as info:
        parse_authorization_acs3(f"{algorithm} Credential=AK,SignedHeaders=host,Signature=ab")
    assert info.value.code == "InvalidSignatureMethod"


def parse_error(headers: dict[str, str]) -> SignatureFormatError:
    with pytest.raises(SignatureFormatError) as info:
        parse_rpc_request(send("POST", {}, headers))
    return info.value


@pytest.mark.parametrize(
    ("header", "argument"),
    [
        ("x-acs-action", "x-acs-action"),
        ("x-acs-version", "x-acs-version"),
        ("x-acs-date", "x-acs-date"),
        ("x-acs-signature-nonce", "x-acs-signature-nonce"),
    ],
)
def test_missing_common_header_is_missing_parameter(header: str, argument: str) -> None:
    headers = signed()
    del headers[header]
    error = parse_error(headers)
    assert (error.code, error.argument) == ("MissingParameter", argument)


def test_bad_date_is_invalid_timestamp_format() -> None:
    error = parse_error({**signed(), "x-acs-date": "Wed, 25 Nov 2026 04:19:04 GMT"})
    assert (error.code, error.argument) == ("InvalidTimeStamp.Format", "x-acs-date")


@pytest.mark.parametrize("header", ["x-acs-action", "host", "x-acs-security-token"])
def test_common_header_left_out_of_signed_headers_is_incomplete_signature(header: str) -> None:
    headers = signed(token="tok")
    auth = headers["Authorization"]
    headers["Authorization"] = auth.replace(f"{header};", "").replace(f";{header},", ",")
    assert headers["Authorization"] != auth
    assert parse_error(headers).code == "IncompleteSignature"


def test_unsigned_content_type_with_a_body_is_incomplete_signature() -> None:
    headers = signed(body=b"a=1")
    headers["content-type"] = "application/x-www-form-urlencoded"
    with pytest.raises(SignatureFormatError) as info:
        parse_rpc_request(send("POST", {}, headers, b"a=1"))
    assert info.value.code == "IncompleteSignature"


def test_accesskey_id_header_must_match_the_credential() -> None:
    headers = signed(token="tok")
    assert parse_rpc_request(send("POST", {}, headers)).security_token == "tok"
    headers["x-acs-accesskey-id"] = "STS.other"
    assert parse_error(headers).code == "IncompleteSignature"


def test_sign_acs3_requires_the_host_it_will_send() -> None:
    with pytest.raises(ValueError, match=r"(?i)host"):
        sign_acs3(
            method="GET",
            pathname="/",
            query={},
            headers={"accept": "application/json"},
            body=b"",
            access_key_id=AK,
            access_key_secret=SECRET,
            action="A",
            version="v",
            now=NOW,
            nonce="n",
        )


# -- agreement with alibabacloud_tea_openapi (hypothesis) -------------------------------------

_PIECES = st.one_of(
    st.sampled_from([*" +*~/%&=?#", "%20", "é", "中"]), st.characters(codec="utf-8")
)
_VALUES = st.lists(_PIECES, max_size=12).map("".join)
_NAMES = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + "-_.~ +*/é"),
    min_size=1,
    max_size=8,
)
_HEADER_VALUES = st.text(alphabet=st.sampled_from(string.printable[:95]), max_size=16)


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    host=st.sampled_from(["127.0.0.1:9000", "http://127.0.0.1:9000", "sts.aliyuncs.com"]),
    query=st.dictionaries(_NAMES, _VALUES, max_size=5),
    form=st.dictionaries(_NAMES, _VALUES, max_size=3),
    custom=_HEADER_VALUES,
    token=st.sampled_from([None, "tok+/="]),
)
def test_tea_signed_requests_verify_and_match_sign_acs3(
    method: str,
    host: str,
    query: dict[str, str],
    form: dict[str, str],
    custom: str,
    token: str | None,
) -> None:
    body = urlencode(form).encode()
    base = {"host": host, **TEA_HEADERS, "x-custom": custom}
    if body:
        base["content-type"] = "application/x-www-form-urlencoded"
    ours = sign_acs3(
        method=method,
        pathname="/",
        query=query,
        headers=base,
        body=body,
        access_key_id=AK,
        access_key_secret=SECRET,
        security_token=token,
        action="AssumeRole",
        version="2015-04-01",
        now=NOW,
        nonce="nonce-1",
    )
    tea = DaraRequest()
    tea.method = method
    tea.pathname = "/"
    tea.query = dict(query)
    tea.headers = {k: v for k, v in ours.items() if k != "Authorization"}
    tea_auth = TeaUtils.get_authorization(
        tea, "ACS3-HMAC-SHA256", hashlib.sha256(body).hexdigest(), AK, SECRET
    )
    assert ours["Authorization"] == tea_auth
    req = send(method, query, ours, body)
    call = parse_rpc_request(req)
    assert call.params == {**form, **query}
    verification = verify_rpc(req, call, SECRET)
    assert verification.ok, verification.reason
