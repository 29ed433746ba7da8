"""Published OSS signature vectors (protocol-spec §2.6) and oss2's golden vectors."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.http import parse_query
from ossbox.signing.post_policy import (
    sign_post_policy_v1,
    sign_post_policy_v4,
    verify_post_policy_v1,
    verify_post_policy_v4,
)
from tests.signing.oss_wire import load_json

GOLDEN = load_json("oss2_golden_vectors.json")
GOLDEN_NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
VECTOR_QUERY = "param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2&%7Cparam2&param2"
VECTOR_KEY = "1234+-/123/1.txt"


def golden(name: str) -> dict[str, Any]:
    return next(vector for vector in GOLDEN if vector["name"] == name)


def logged(vector: dict[str, Any], what: str) -> str:
    """The string oss2 logged (`... = b'...'` or `... = text`), decoded."""
    line = next(entry for entry in vector["debug_log"] if f"{what} = " in entry)
    text = line.split(f"{what} = ", 1)[1]
    if text.startswith("b'"):
        return bytes(ast.literal_eval(text)).decode()
    return text


# --- protocol-spec §2.6 ---------------------------------------------------------------------


V1_DOC_HEADERS = {
    "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
    "Content-Type": "text/html",
    "x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT",
    "x-oss-meta-author": "alice",
    "x-oss-meta-magic": "abracadabra",
}


@pytest.mark.parametrize(
    ("query", "resource", "signature"),
    [
        ([], "/examplebucket/nelson", "kSHKmLxlyEAKtZPkJhG9bZb5k7M="),
        ([("acl", "")], "/examplebucket/nelson?acl", "/afkugFbmWDQ967j1vr6zygBLQk="),
    ],
)
def test_v1_header_vector(query: list[tuple[str, str]], resource: str, signature: str) -> None:
    string_to_sign = oss_v1.string_to_sign_v1(
        "PUT", "examplebucket", "nelson", query, V1_DOC_HEADERS, "Wed, 28 Dec 2022 10:27:41 GMT"
    )
    assert string_to_sign == (
        "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\nWed, 28 Dec 2022 10:27:41 GMT\n"
        "x-oss-date:Wed, 28 Dec 2022 10:27:41 GMT\nx-oss-meta-author:alice\n"
        f"x-oss-meta-magic:abracadabra\n{resource}"
    )
    assert oss_v1.signature_v1("sk", string_to_sign) == signature


def test_v1_header_signing_uses_x_oss_date_as_the_date_line() -> None:
    headers = oss_v1.sign_v1_header(
        method="PUT",
        bucket="examplebucket",
        key="nelson",
        headers=V1_DOC_HEADERS,
        access_key_id="ak",
        access_key_secret="sk",
        now=datetime(2030, 1, 1, tzinfo=UTC),  # Date differs; x-oss-date is what is signed
    )
    assert headers["Authorization"] == "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M="
    assert headers["Date"] == "Tue, 01 Jan 2030 00:00:00 GMT"


def test_v1_documentation_vector() -> None:
    headers = {
        "Content-MD5": "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=",
        "Content-Type": "text/html",
        "X-OSS-Meta-Author": "foo@bar.com",
        "X-OSS-Magic": "abracadabra",
    }
    date = "Thu, 17 Nov 2005 18:49:58 GMT"
    string_to_sign = oss_v1.string_to_sign_v1("PUT", "oss-example", "nelson", [], headers, date)
    assert string_to_sign == (
        "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\n"
        "Thu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\n"
        "x-oss-meta-author:foo@bar.com\n/oss-example/nelson"
    )
    secret = "OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV"
    assert oss_v1.signature_v1(secret, string_to_sign) == "26NBxoKdsyly4EDv6inkoDft/yA="


@pytest.mark.parametrize(
    ("key", "expires_at", "token", "string_to_sign", "signature"),
    [
        (
            "key",
            1699807420,
            None,
            "GET\n\n\n1699807420\n/bucket/key?versionId=versionId",
            "dcLTea+Yh9ApirQ8o8dOPqtvJXQ=",
        ),
        (
            "key+123",
            1699808204,
            "token",
            "GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId",
            "jzKYRrM5y6Br0dRFPaTGOsbrDhY=",
        ),
    ],
)
def test_v1_presign_vector(
    key: str, expires_at: int, token: str | None, string_to_sign: str, signature: str
) -> None:
    pairs = oss_v1.presign_v1(
        method="GET",
        bucket="bucket",
        key=key,
        query=[("versionId", "versionId")],
        access_key_id="ak",
        access_key_secret="sk",
        security_token=token,
        expires_at=expires_at,
    )
    assert dict(pairs)["Signature"] == signature
    tail = [("OSSAccessKeyId", "ak"), ("Expires", str(expires_at)), ("Signature", signature)]
    assert pairs[-3:] == tail
    string = oss_v1.string_to_sign_v1("GET", "bucket", key, pairs, {}, str(expires_at))
    assert string == string_to_sign


V4_HEADERS = {
    "x-oss-head1": "value",
    "abc": "value",
    "ZAbc": "value",
    "XYZ": "value",
    "content-type": "text/plain",
    "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
}


def test_v4_header_vector() -> None:
    headers = {**V4_HEADERS, "x-oss-date": "20231216T162057Z"}
    canonical = oss_v4.canonical_request_v4(
        "PUT", "bucket", VECTOR_KEY, parse_query(VECTOR_QUERY), headers
    )
    assert canonical == (
        "PUT\n/bucket/1234%2B-/123/1.txt\n"
        "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n"
        "content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\n"
        "x-oss-date:20231216T162057Z\nx-oss-head1:value\n\n\nUNSIGNED-PAYLOAD"
    )
    signed = oss_v4.sign_v4_header(
        method="PUT",
        bucket="bucket",
        key=VECTOR_KEY,
        query=parse_query(VECTOR_QUERY),
        headers=V4_HEADERS,
        access_key_id="ak",
        access_key_secret="sk",
        region="cn-hangzhou",
        now=datetime(2023, 12, 16, 16, 20, 57, tzinfo=UTC),
    )
    assert signed["Authorization"] == (
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,"
        "Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
    )


def test_v4_header_vector_with_additional_headers() -> None:
    signed = oss_v4.sign_v4_header(
        method="PUT",
        bucket="bucket",
        key=VECTOR_KEY,
        query=parse_query(VECTOR_QUERY),
        headers=V4_HEADERS,
        access_key_id="ak",
        access_key_secret="sk",
        region="cn-hangzhou",
        additional_headers=["ZAbc", "abc", "x-oss-head1", "missing"],
        now=datetime(2023, 12, 16, 17, 25, 12, tzinfo=UTC),
    )
    assert signed["Authorization"] == (
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,"
        "AdditionalHeaders=abc;zabc,"
        "Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"
    )


V4_PRESIGN_HEADERS = {**V4_HEADERS, "content-type": "application/octet-stream"}
del V4_PRESIGN_HEADERS["x-oss-content-sha256"]


@pytest.mark.parametrize(
    ("token", "additional", "now", "signature"),
    [
        (
            None,
            (),
            "2023-12-17T02:54:37",
            "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe",
        ),
        (
            "token",
            (),
            "2023-12-17T03:56:28",
            "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5",
        ),
        (
            None,
            ("ZAbc", "abc"),
            "2023-12-17T03:30:09",
            "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7",
        ),
        (
            None,
            ("x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"),
            "2023-12-17T03:30:09",
            "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7",
        ),
    ],
)
def test_v4_presign_vector(
    token: str | None, additional: tuple[str, ...], now: str, signature: str
) -> None:
    pairs = oss_v4.presign_v4(
        method="PUT",
        bucket="bucket",
        key=VECTOR_KEY,
        query=parse_query(VECTOR_QUERY),
        headers=V4_PRESIGN_HEADERS,
        access_key_id="ak",
        access_key_secret="sk",
        security_token=token,
        region="cn-hangzhou",
        expires=599,
        additional_headers=additional,
        now=datetime.fromisoformat(now).replace(tzinfo=UTC),
    )
    assert pairs[-1] == ("x-oss-signature", signature)
    sent = oss_v4.encode_query(pairs)
    assert "x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request" in sent
    assert ("x-oss-additional-headers=abc%3Bzabc" in sent) == bool(additional)


def test_signing_key_is_the_documented_hmac_chain() -> None:
    key = ("aliyun_v4" + "sk").encode()
    for part in ("20231216", "cn-hangzhou", "oss", "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    assert oss_v4.signing_key_v4("sk", "20231216", "cn-hangzhou") == key
    assert oss_v4.signing_key_v4("sk", "20231216", "cn-shanghai") != key


def test_signing_rejects_a_naive_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        oss_v4.iso_basic(datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        oss_v1.http_date(datetime(2024, 1, 1))


@pytest.mark.parametrize("expires", [0, 604801])
def test_presign_v4_refuses_expiry_outside_seven_days(expires: int) -> None:
    with pytest.raises(ValueError, match="604800"):
        oss_v4.presign_v4(
            method="GET",
            bucket="b",
            key="k",
            access_key_id="ak",
            access_key_secret="sk",
            region="cn-hangzhou",
            expires=expires,
            now=GOLDEN_NOW,
        )


# --- oss2 golden vectors (fixed clock 2024-01-02T03:04:05Z) ---------------------------------


@pytest.mark.parametrize("name", ["v1_put_header", "v1_get_acl_subresource", "v1_sts_header"])
def test_oss2_golden_v1_header(name: str) -> None:
    vector = golden(name)
    token = vector["headers"].get("x-oss-security-token")
    signed = oss_v1.sign_v1_header(
        method=vector["method"],
        bucket=vector["bucket"],
        key=vector["key"],
        query=(vector["params"] or {}).items(),
        headers=vector["in_headers"] or {},
        access_key_id=vector["ak"],
        access_key_secret=vector["sk"],
        security_token=token,
        now=GOLDEN_NOW,
    )
    assert signed["Authorization"] == vector["headers"]["authorization"]
    assert signed["Date"] == vector["headers"]["date"]
    string_to_sign = oss_v1.string_to_sign_v1(
        vector["method"],
        vector["bucket"],
        vector["key"],
        (vector["params"] or {}).items(),
        signed,
        signed["Date"],
    )
    assert string_to_sign == logged(vector, "string to be signed")


@pytest.mark.parametrize("name", ["v1_presign", "v1_sts_presign"])
def test_oss2_golden_v1_presign(name: str) -> None:
    vector = golden(name)
    url = urlsplit(vector["signed_url"])
    sent = dict(parse_query(url.query))
    pairs = oss_v1.presign_v1(
        method=vector["method"],
        bucket=vector["bucket"],
        key=vector["key"],
        query=(vector["params"] or {}).items(),
        headers=vector["in_headers"] or {},
        access_key_id=vector["ak"],
        access_key_secret=vector["sk"],
        security_token=sent.get("security-token"),
        expires_at=int(sent["Expires"]),
    )
    assert oss_v4.encode_query(pairs) == url.query
    string_to_sign = oss_v1.string_to_sign_v1(
        vector["method"],
        vector["bucket"],
        vector["key"],
        pairs,
        vector["in_headers"] or {},
        sent["Expires"],
    )
    assert string_to_sign == logged(vector, "string to be signed")


@pytest.mark.parametrize("name", ["v4_put_header", "v4_additional_headers", "v4_sts_header"])
def test_oss2_golden_v4_header(name: str) -> None:
    vector = golden(name)
    in_headers = vector["in_headers"] or {}
    signed = oss_v4.sign_v4_header(
        method=vector["method"],
        bucket=vector["bucket"],
        key=vector["key"],
        query=(vector["params"] or {}).items(),
        headers=in_headers,
        access_key_id=vector["ak"],
        access_key_secret=vector["sk"],
        security_token=vector["headers"].get("x-oss-security-token"),
        region="cn-hangzhou",
        additional_headers=in_headers.keys(),
        now=GOLDEN_NOW,
    )
    expected_signature = vector["headers"]["authorization"].split("Signature=")[1].split(",")[0]
    assert signed["Authorization"].endswith(f"Signature={expected_signature}")
    canonical = oss_v4.canonical_request_v4(
        vector["method"],
        vector["bucket"],
        vector["key"],
        (vector["params"] or {}).items(),
        signed,
        oss_v4.signed_additional_headers(signed, in_headers.keys()),
    )
    assert canonical == logged(vector, "canonical_request")
    scope = oss_v4.scope_v4("20240102", "cn-hangzhou")
    string_to_sign = oss_v4.string_to_sign_v4("20240102T030405Z", scope, canonical)
    assert string_to_sign == logged(vector, "string to be signed")


@pytest.mark.parametrize("name", ["v4_presign", "v4_sts_presign"])
def test_oss2_golden_v4_presign(name: str) -> None:
    vector = golden(name)
    url = urlsplit(vector["signed_url"])
    sent = dict(parse_query(url.query))
    pairs = oss_v4.presign_v4(
        method=vector["method"],
        bucket=vector["bucket"],
        key=vector["key"],
        query=(vector["params"] or {}).items(),
        headers=vector["in_headers"] or {},
        access_key_id=vector["ak"],
        access_key_secret=vector["sk"],
        security_token=sent.get("x-oss-security-token"),
        region="cn-hangzhou",
        expires=int(sent["x-oss-expires"]),
        now=GOLDEN_NOW,
    )
    assert oss_v4.encode_query(pairs) == url.query
    canonical = oss_v4.canonical_request_v4(
        vector["method"], vector["bucket"], vector["key"], pairs, vector["in_headers"] or {}
    )
    assert canonical == logged(vector, "canonical_request")


def test_every_golden_vector_is_covered() -> None:
    covered = {
        "v1_put_header",
        "v1_get_acl_subresource",
        "v1_sts_header",
        "v1_presign",
        "v1_sts_presign",
        "v4_put_header",
        "v4_additional_headers",
        "v4_sts_header",
        "v4_presign",
        "v4_sts_presign",
    }
    assert {vector["name"] for vector in GOLDEN} == covered


# --- PostObject policy ----------------------------------------------------------------------

POLICY = base64.b64encode(
    b'{"expiration":"2030-01-01T12:00:00.000Z","conditions":[["starts-with","$key","user/"]]}'
).decode()


def test_post_policy_v1_is_hmac_sha1_of_the_base64_policy() -> None:
    expected = base64.b64encode(hmac.new(b"sk", POLICY.encode(), hashlib.sha1).digest()).decode()
    assert sign_post_policy_v1(POLICY, "sk") == expected
    assert verify_post_policy_v1(POLICY, expected, "sk").ok
    wrong = verify_post_policy_v1(POLICY, expected, "other-secret")
    assert not wrong.ok
    assert wrong.reason
    assert wrong.string_to_sign == POLICY


def test_post_policy_v4_matches_oss_v2_signer() -> None:
    from alibabacloud_oss_v2.signer.v4 import SignerV4

    expected = SignerV4()._calc_signature("sk", "20240102", "cn-hangzhou", "oss", POLICY)
    signature = sign_post_policy_v4(POLICY, "sk", date="20240102", region="cn-hangzhou")
    assert signature == expected
    ok = verify_post_policy_v4(POLICY, signature, "sk", date="20240102", region="cn-hangzhou")
    assert ok.ok
    moved = verify_post_policy_v4(POLICY, signature, "sk", date="20240102", region="cn-beijing")
    assert not moved.ok
    assert moved.reason
    tampered = POLICY[:-2] + ("A" if POLICY[-2] != "A" else "B") + POLICY[-1]
    bad = verify_post_policy_v4(tampered, signature, "sk", date="20240102", region="cn-hangzhou")
    assert not bad.ok
