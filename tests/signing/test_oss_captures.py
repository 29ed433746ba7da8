"""Every signed OSS request the official clients sent verifies; any signed byte changed fails.

Captures: oss2 2.19.1 and alibabacloud-oss-v2 1.4.1, V1 and V4, header and URL signatures
(reference/captures). Time checks are separate (`time_error`), so the captured dates are fine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from ossbox.signing import oss_v1
from ossbox.signing.http import HttpRequest
from ossbox.signing.oss_auth import OssAuth, Scheme, parse_oss_auth, verify_oss
from ossbox.signing.result import SignatureFormatError, Verification
from tests.signing.oss_wire import (
    CAPTURE_AK,
    CAPTURE_SECRET,
    CAPTURE_TOKEN,
    bump,
    is_oss_request,
    load_jsonl,
    raw_query_pairs,
    route,
    to_request,
    with_header,
    with_method,
    with_raw_query,
    with_target,
)

CLIENT_CAPTURES = [
    (name, index, capture)
    for name in ("oss2_wire.jsonl", "ossv2_wire.jsonl")
    for index, capture in enumerate(load_jsonl(name))
]
INTEGRATION = [c for c in load_jsonl("integration_wire.jsonl") if is_oss_request(c)]
CAPTURE_IDS = [f"{name.split('_')[0]}-{index}" for name, index, _ in CLIENT_CAPTURES]
URL_SIGNATURE_PARAMS = {"OSSAccessKeyId", "Signature", "x-oss-signature"}
UNSIGNED_HEADERS = {"host", "user-agent", "accept-encoding", "connection"}


def verify(req: HttpRequest) -> tuple[OssAuth, Verification]:
    auth = parse_oss_auth(req)
    assert auth is not None
    bucket, key = route(req.target)
    return auth, verify_oss(req, auth, bucket=bucket, key=key, secret=CAPTURE_SECRET)


def is_signed_query_param(name: str, auth: OssAuth, client: str) -> bool:
    if auth.scheme in (Scheme.V4_HEADER, Scheme.V4_QUERY):
        return name != "x-oss-signature"
    if name == "Expires":
        return True
    # oss-v2 leaves x-oss-process unsigned in V1; the verifier's retry accepts that.
    signed = oss_v1.SUBRESOURCES if client == "oss2" else oss_v1.SUBRESOURCES_OSS_V2
    return name in signed


def is_signed_header(name: str, auth: OssAuth) -> bool:
    lower = name.lower()
    if lower.startswith("x-oss-") or lower in ("content-type", "content-md5"):
        return True
    if auth.scheme is Scheme.V1_HEADER:
        return lower == "date"
    return lower in auth.additional_headers


def query_mutations(req: HttpRequest, auth: OssAuth, client: str, signed: bool) -> Iterator[Any]:
    pairs = raw_query_pairs(req.target)
    for i, (name, value) in enumerate(pairs):
        if name in URL_SIGNATURE_PARAMS or is_signed_query_param(name, auth, client) != signed:
            continue
        if name == "x-oss-signature-version":
            continue  # any other value is a format error, covered in test_oss_auth_errors
        if name == "x-oss-credential":  # its region is signed (the scope), its AK is not
            changed = (name, value.replace("cn-hangzhou", "cn-hangzhov"))
        else:
            changed = (name, bump(value)) if value else (bump(name), value)
        new_pairs = [*pairs[:i], changed, *pairs[i + 1 :]]
        yield f"query {name}", with_target(req, with_raw_query(req.target, new_pairs))


def header_mutations(req: HttpRequest, auth: OssAuth, signed: bool) -> Iterator[Any]:
    for name, value in req.headers:
        if name.lower() == "authorization" or is_signed_header(name, auth) != signed:
            continue
        if not signed and name.lower() not in UNSIGNED_HEADERS | {"date", "range"}:
            continue
        yield f"header {name}", with_header(req, name, bump(value))


def signed_mutations(req: HttpRequest, auth: OssAuth, client: str) -> Iterator[Any]:
    yield "method", with_method(req, bump(req.method))
    path, mark, query = req.target.partition("?")
    if path != "/":
        yield "path", with_target(req, bump(path) + mark + query)
    yield from query_mutations(req, auth, client, signed=True)
    yield from header_mutations(req, auth, signed=True)


def unsigned_mutations(req: HttpRequest, auth: OssAuth, client: str) -> Iterator[Any]:
    yield from query_mutations(req, auth, client, signed=False)
    yield from header_mutations(req, auth, signed=False)
    if auth.scheme is Scheme.V1_HEADER and client == "ossv2" and auth.security_token:
        # oss-v2 V1 sends the token as `security-token`, outside the signature.
        yield "header security-token", with_header(req, "security-token", "CAIS-other")


@pytest.mark.parametrize(("name", "index", "capture"), CLIENT_CAPTURES, ids=CAPTURE_IDS)
def test_captured_request_verifies(name: str, index: int, capture: dict[str, Any]) -> None:
    auth, result = verify(to_request(capture))
    assert result.ok, result.string_to_sign
    assert result.reason is None
    assert auth.access_key_id == CAPTURE_AK
    assert (result.canonical_request is not None) == auth.scheme.startswith("v4")


@pytest.mark.parametrize(("name", "index", "capture"), CLIENT_CAPTURES, ids=CAPTURE_IDS)
def test_changing_a_signed_byte_fails(name: str, index: int, capture: dict[str, Any]) -> None:
    req = to_request(capture)
    auth, original = verify(req)
    client = name.split("_")[0]
    labels = []
    for label, mutated in signed_mutations(req, auth, client):
        labels.append(label)
        try:
            _, result = verify(mutated)
        except SignatureFormatError as error:  # e.g. a mutated scope date: rejected earlier
            assert error.status in (400, 403), label
            continue
        assert not result.ok, f"{label} still verifies"
        assert result.reason == "signature does not match the string to sign", label
        assert result.string_to_sign != original.string_to_sign, label
    assert "method" in labels
    assert any(label.startswith("header") for label in labels) or not auth.scheme.endswith("header")


@pytest.mark.parametrize(("name", "index", "capture"), CLIENT_CAPTURES, ids=CAPTURE_IDS)
def test_changing_the_signature_fails(name: str, index: int, capture: dict[str, Any]) -> None:
    req = to_request(capture)
    auth, original = verify(req)
    forged = dataclasses.replace(auth, signature=bump(auth.signature))
    bucket, key = route(req.target)
    result = verify_oss(req, forged, bucket=bucket, key=key, secret=CAPTURE_SECRET)
    assert not result.ok
    if "x-oss-process" not in req.target:  # else the report shows the full sub-resource set
        assert result.string_to_sign == original.string_to_sign
    wrong_secret = verify_oss(req, auth, bucket=bucket, key=key, secret=CAPTURE_SECRET + "x")
    assert not wrong_secret.ok


@pytest.mark.parametrize(("name", "index", "capture"), CLIENT_CAPTURES, ids=CAPTURE_IDS)
def test_changing_an_unsigned_part_still_verifies(
    name: str, index: int, capture: dict[str, Any]
) -> None:
    req = to_request(capture)
    auth, _ = verify(req)
    for label, mutated in unsigned_mutations(req, auth, name.split("_")[0]):
        _, result = verify(mutated)
        assert result.ok, f"{label} is not signed, yet verification failed"


def test_mutations_cover_each_kind_of_part() -> None:
    """The mutation tables above really reach query params, headers, dates and tokens."""
    seen: set[str] = set()
    for name, _, capture in CLIENT_CAPTURES:
        req = to_request(capture)
        auth, _ = verify(req)
        client = name.split("_")[0]
        seen.update(f"signed {label}" for label, _ in signed_mutations(req, auth, client))
        seen.update(f"unsigned {label}" for label, _ in unsigned_mutations(req, auth, client))
    expected = {
        "signed path",
        "signed query acl",
        "signed query Expires",
        "signed query x-oss-date",
        "signed query x-oss-expires",
        "signed query x-oss-credential",
        "signed query security-token",
        "signed query x-oss-security-token",
        "signed query response-content-type",
        "signed query x-oss-process",
        "signed query prefix",  # V4 signs every query param
        "signed header date",
        "signed header x-oss-date",
        "signed header Content-Type",
        "signed header Content-MD5",
        "signed header x-oss-meta-a",
        "signed header x-oss-security-token",
        "signed header x-oss-content-sha256",
        "signed header Range",  # listed in AdditionalHeaders
        "unsigned query prefix",  # V1 signs sub-resources only
        "unsigned query max-keys",
        "unsigned query x-oss-process",  # oss-v2 V1
        "unsigned header Host",
        "unsigned header User-Agent",
        "unsigned header Date",  # oss-v2 sends Date with V4; V4 does not sign it
        "unsigned header Range",
        "unsigned header security-token",
    }
    assert expected <= seen, sorted(expected - seen)


def test_x_oss_process_is_outside_every_v1_signature() -> None:
    """The price of accepting oss-v2 V1: x-oss-process may be added to any V1 request."""
    capture = next(c for n, _, c in CLIENT_CAPTURES if n == "oss2_wire.jsonl")
    req = to_request(capture)
    added = with_target(req, req.target + "?x-oss-process=image%2Fresize%2Cw_1")
    assert verify(added)[1].ok
    added_acl = with_target(req, req.target + "?acl=")
    assert not verify(added_acl)[1].ok


def test_oss_v2_v1_token_header_is_read_but_unsigned() -> None:
    capture = load_jsonl("ossv2_wire.jsonl")[18]
    auth, result = verify(to_request(capture))
    assert auth.scheme is Scheme.V1_HEADER
    assert auth.security_token == CAPTURE_TOKEN
    assert result.ok


def test_integration_captures_agree_across_clients() -> None:
    """oss2 and oss-v2 signed the same STS-credential PUT (secret not recorded): ossbox must
    build the same string to sign from two differently laid-out requests, and both carry the
    same signature. With the long-term secret they must fail."""
    assert len(INTEGRATION) == 2
    results = [verify(to_request(capture)) for capture in INTEGRATION]
    (auth_oss2, oss2), (auth_v2, v2) = results
    assert auth_oss2.signature == auth_v2.signature
    assert auth_oss2.security_token == auth_v2.security_token == "CAIS-fake-sts-token+/="
    assert oss2.canonical_request == v2.canonical_request
    assert oss2.string_to_sign == v2.string_to_sign
    assert not oss2.ok
    assert not v2.ok
