"""Fuzz suite: hostile input gets a protocol error, never a 500, a hang or a crash.

Each target is driven in process (the ASGI app as uvicorn would call it, or a pure function)
with hypothesis: the request parser and router, the V1/V4 Authorization header and signed-URL
query parsers, every XML-accepting API, policy documents, OIDC JWTs (AssumeRoleWithOIDC) and
PostObject form uploads. Budget: a few hundred inputs per target in CI, 100,000 in the nightly
mode (`bash scripts/suites.sh fuzz --nightly`); the inputs tried and the time per target are
reported.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.policy import PolicyError, PolicyKind, parse_policy
from ossbox.server.app import OssboxApp
from ossbox.server.oidc.jwt import sign_rs256
from ossbox.server.oidc.keys import load_or_create
from ossbox.store.ram import OidcProvider
from tests.conftest import ACCOUNT_ID, REGION, ROOT_AK
from tests.suites.asgi import BUCKET, STATUSES, World, open_world, target
from tests.suites.budget import pick, report

EXAMPLES = int(os.environ.get("OSSBOX_FUZZ_EXAMPLES") or pick(300, 100_000))
ISSUER = "https://127.0.0.1:9000/_ossbox/oidc"

COUNTS: dict[str, int] = {}


def fuzz_settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = open_world(tmp_path_factory.mktemp("fuzz") / "data", oidc_issuer=ISSUER)
    _oidc_setup(w.app)
    yield w
    w.close()


def _oidc_setup(app: OssboxApp) -> None:
    provider = OidcProvider(
        account_id=ACCOUNT_ID,
        name="fuzz-provider",
        issuer_url=ISSUER,
        client_ids=("sts.aliyuncs.com",),
    )
    app.store.ram.create_oidc_provider(provider)
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Federated": [provider.arn]},
            }
        ],
    }
    app.store.ram.create_role(ACCOUNT_ID, "fuzz-role", json.dumps(trust))


def runtarget(name: str, body: Callable[[], None]) -> None:
    COUNTS[name] = 0
    STATUSES.clear()
    started = time.monotonic()
    body()
    seconds = time.monotonic() - started
    tried = COUNTS[name]
    assert tried >= min(EXAMPLES, 100), f"{name}: only {tried} inputs tried"
    statuses = {str(k): v for k, v in sorted(STATUSES.items())}
    report("fuzz", target=name, inputs=tried, seconds=round(seconds, 1), statuses=statuses)


def tried(name: str) -> None:
    COUNTS[name] += 1


# --------------------------------------------------------------------------------------------
# Strategies

TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
LATIN = st.text(st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"))
SUBRESOURCES = [
    "acl", "uploads", "uploadId", "partNumber", "delete", "cors", "policy", "versioning",
    "versions", "tagging", "symlink", "objectMeta", "bucketInfo", "location", "prefix",
    "marker", "max-keys", "delimiter", "encoding-type", "continuation-token", "list-type",
    "start-after", "versionId", "response-content-type", "Action", "Version", "position",
    "append", "key-marker", "upload-id-marker", "max-uploads", "max-parts",
]  # fmt: skip
HEADERS = [
    "Authorization", "Date", "x-oss-date", "Content-Type", "Content-MD5", "Range", "If-Match",
    "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "x-oss-copy-source",
    "x-oss-copy-source-range", "x-oss-meta-a", "x-oss-object-acl", "x-oss-storage-class",
    "x-oss-forbid-overwrite", "x-oss-tagging", "Origin", "Access-Control-Request-Method",
    "Access-Control-Request-Headers", "Host", "x-oss-security-token", "x-acs-action",
    "x-oss-acl", "x-oss-symlink-target", "x-oss-metadata-directive", "X-Forwarded-For",
    "x-oss-content-sha256", "Cache-Control", "Expires",
]  # fmt: skip
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "COPY", "get"]


def _path() -> st.SearchStrategy[str]:
    segment = st.one_of(TEXT.map(lambda s: quote(s, safe="")), TEXT.map(lambda s: quote(s)))
    first = st.one_of(st.just(BUCKET), st.just(""), segment)
    return st.builds(
        lambda head, rest: "/" + "/".join([head, *rest]),
        first,
        st.lists(segment, max_size=4),
    )


QUERY = st.lists(st.tuples(st.one_of(st.sampled_from(SUBRESOURCES), TEXT), TEXT), max_size=5)
HEADER_LIST = st.lists(st.tuples(st.one_of(st.sampled_from(HEADERS), TEXT), TEXT), max_size=6)


def test_fuzz_request_parser_and_router(world: World) -> None:
    @fuzz_settings()
    @given(st.sampled_from(METHODS), _path(), QUERY, HEADER_LIST, st.binary(max_size=64))
    def run(method: str, path: str, query: Any, headers: Any, body: bytes) -> None:
        tried("request parser and router")
        headers = [(n.strip() or "x", v) for n, v in headers]
        world.send(method.upper(), target(path, query), headers, body)

    runtarget("request parser and router", run)


# Signature parsers: Authorization headers (V1, V4) and signed-URL queries (V1, V4)

V4_FIELDS = ["Credential", "AdditionalHeaders", "Signature", "SignedHeaders", ""]
DATES = st.one_of(
    st.just(datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.just(datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")),
    TEXT,
)


def _v4_authorization() -> st.SearchStrategy[str]:
    credential = st.builds(
        lambda ak, day, region, rest: f"{ak}/{day}/{region}/{rest}",
        st.one_of(st.just(ROOT_AK), TEXT),
        st.one_of(st.just(datetime.now(UTC).strftime("%Y%m%d")), TEXT),
        st.one_of(st.just(REGION), TEXT),
        st.one_of(st.just("oss/aliyun_v4_request"), TEXT),
    )
    field = st.builds(
        lambda name, value: f"{name}={value}" if name else value,
        st.sampled_from(V4_FIELDS),
        st.one_of(credential, TEXT, st.text("0123456789abcdef", max_size=70)),
    )
    return st.builds(
        lambda scheme, fields, sep: scheme + sep.join(fields),
        st.sampled_from(
            ["OSS4-HMAC-SHA256 ", "OSS4-HMAC-SHA256", "OSS4-ECDSA ", "oss4-hmac-sha256 "]
        ),
        st.lists(field, max_size=5),
        st.sampled_from([",", ", ", ",,", " "]),
    )


def _v1_authorization() -> st.SearchStrategy[str]:
    return st.builds(
        lambda scheme, ak, sep, sig: f"{scheme}{ak}{sep}{sig}",
        st.sampled_from(["OSS ", "OSS", "oss ", "OSS  ", "Bearer "]),
        st.one_of(st.just(ROOT_AK), TEXT),
        st.sampled_from([":", "::", "", " :"]),
        st.one_of(TEXT, st.just(base64.b64encode(b"x" * 20).decode())),
    )


QUERY_SIG_PARAMS = [
    "OSSAccessKeyId", "Expires", "Signature", "security-token", "x-oss-signature-version",
    "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature",
    "x-oss-additional-headers", "x-oss-security-token",
]  # fmt: skip
SIG_VALUES = st.one_of(
    TEXT,
    st.just(ROOT_AK),
    st.just("OSS4-HMAC-SHA256"),
    st.integers(-(2**40), 2**40).map(str),
    st.just(datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")),
    st.just(f"{ROOT_AK}/{datetime.now(UTC):%Y%m%d}/{REGION}/oss/aliyun_v4_request"),
)


def test_fuzz_signature_parsers(world: World) -> None:
    @fuzz_settings()
    @given(
        st.one_of(_v1_authorization(), _v4_authorization(), st.none()),
        DATES,
        st.lists(st.tuples(st.sampled_from(QUERY_SIG_PARAMS), SIG_VALUES), max_size=8),
        st.sampled_from(["GET", "PUT", "HEAD", "DELETE"]),
    )
    def run(authorization: str | None, date: str, query: Any, method: str) -> None:
        tried("signature parsers (V1/V4 header, URL query)")
        headers = [("Date", date), ("x-oss-date", date)]
        if authorization is not None:
            headers.append(("Authorization", authorization))
        answer = world.send(method, target(f"/{BUCKET}/obj", query), headers)
        assert answer.status in (200, 206, 304) or 400 <= answer.status < 500

    runtarget("signature parsers (V1/V4 header, URL query)", run)


# XML bodies of every XML-accepting API, signed as the bucket owner so the parsers are reached

XML_NAMES = [
    "CreateBucketConfiguration", "StorageClass", "DataRedundancyType", "VersioningConfiguration",
    "Status", "CORSConfiguration", "CORSRule", "AllowedOrigin", "AllowedMethod", "AllowedHeader",
    "ExposeHeader", "MaxAgeSeconds", "ResponseVary", "Delete", "Quiet", "Object", "Key",
    "VersionId", "Tagging", "TagSet", "Tag", "Value", "CompleteMultipartUpload", "Part",
    "PartNumber", "ETag", "AccessControlPolicy", "AccessControlList", "Grant",
]  # fmt: skip
XML_TEXT = st.one_of(
    TEXT,
    st.sampled_from(["Enabled", "Suspended", "true", "false", "GET", "*", "1", "-1", "IA", ""]),
    st.integers(-(2**70), 2**70).map(str),
)


def _xml_element(depth: int) -> st.SearchStrategy[str]:
    name = st.one_of(
        st.sampled_from(XML_NAMES), st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)
    )
    if depth == 0:
        content: st.SearchStrategy[str] = XML_TEXT.map(_escape)
    else:
        content = st.one_of(
            XML_TEXT.map(_escape), st.lists(_xml_element(depth - 1), max_size=4).map("".join)
        )
    return st.builds(lambda n, c: f"<{n}>{c}</{n}>", name, content)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _mangle(text: str, cut: int, junk: str) -> str:
    return text[:cut] + junk if cut else text


def _templated(outer: str, inner: str, fields: list[str]) -> st.SearchStrategy[str]:
    """Documents of the APIs' own shape with fuzzed values: they get past the schema."""
    item = st.lists(
        st.builds(lambda n, v: f"<{n}>{_escape(v)}</{n}>", st.sampled_from(fields), XML_TEXT),
        max_size=6,
    ).map(lambda xs: f"<{inner}>{''.join(xs)}</{inner}>" if inner else "".join(xs))
    return st.lists(item, max_size=5).map(lambda items: f"<{outer}>{''.join(items)}</{outer}>")


TEMPLATED = st.one_of(
    _templated("CreateBucketConfiguration", "", ["StorageClass", "DataRedundancyType"]),
    _templated("VersioningConfiguration", "", ["Status"]),
    _templated(
        "CORSConfiguration",
        "CORSRule",
        ["AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"],
    ),
    _templated("Delete", "Object", ["Key", "VersionId"]).map(
        lambda d: d.replace("<Delete>", "<Delete><Quiet>true</Quiet>", 1)
    ),
    _templated("Tagging", "TagSet", ["Tag"]).map(
        lambda d: d.replace("<Tag>", "<Tag><Key>k</Key><Value>", 1).replace(
            "</Tag>", "</Value></Tag>", 1
        )
    ),
    _templated("CompleteMultipartUpload", "Part", ["PartNumber", "ETag"]),
)

XML_BODIES = st.one_of(
    TEMPLATED,
    _xml_element(3),
    st.builds(lambda e: '<?xml version="1.0" encoding="UTF-8"?>' + e, _xml_element(3)),
    st.builds(_mangle, _xml_element(3), st.integers(0, 60), TEXT),
    st.just('<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Delete>&b;</Delete>'),
    st.just('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Tagging>&e;</Tagging>'),
    LATIN,
)


def test_fuzz_xml_bodies(world: World) -> None:
    apis: list[tuple[str, str | None, list[tuple[str, str]]]] = [
        ("PUT", None, []),  # PutBucket: CreateBucketConfiguration
        ("PUT", None, [("versioning", "")]),
        ("PUT", None, [("cors", "")]),
        ("PUT", None, [("acl", "")]),
        ("POST", None, [("delete", "")]),
        ("PUT", "obj", [("tagging", "")]),
        ("POST", "mp", [("uploadId", world.upload_id)]),  # CompleteMultipartUpload
    ]

    @fuzz_settings()
    @given(st.sampled_from(apis), XML_BODIES)
    def run(api: tuple[str, str | None, list[tuple[str, str]]], body: str) -> None:
        tried("XML bodies (7 APIs)")
        method, key, query = api
        world.signed(method, key, query, body.encode("utf-8", "surrogatepass") or b" ")

    runtarget("XML bodies (7 APIs)", run)


# Policy documents: the pure parser for the three grammars, and PutBucketPolicy end to end

POLICY_KEYS = [
    "Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Condition", "Principal", "Sid", "RAM", "Service", "Federated",
]  # fmt: skip
POLICY_VALUES = [
    "1", "Allow", "Deny", "*", "oss:*", "oss:GetObject", "sts:AssumeRole", "acs:oss:*:*:fuzz/*",
    "acs:oss:*:*:*", "acs:ram::1234567890123456:root", "StringEquals", "StringLike",
    "IpAddress", "NotIpAddress", "DateLessThan", "Bool", "NumericLessThan", "acs:SourceIp",
    "acs:CurrentTime", "oss:Prefix", "10.0.0.0/8", "2026-01-01T00:00:00Z", "true",
    "ecs.aliyuncs.com", "oidc:aud", "ForAnyValue:StringEquals", "StringEqualsIgnoreCase",
]  # fmt: skip
JSON_LEAF = st.one_of(
    st.sampled_from(POLICY_VALUES), TEXT, st.integers(), st.floats(), st.booleans(), st.none()
)
POLICY_JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(POLICY_KEYS + POLICY_VALUES), TEXT), inner, max_size=5
        ),
    ),
    max_leaves=25,
)
POLICY_TEXT = st.one_of(
    POLICY_JSON.map(json.dumps),
    st.builds(lambda d, cut: json.dumps(d)[:cut], POLICY_JSON, st.integers(0, 200)),
    st.builds(
        lambda statements: json.dumps({"Version": "1", "Statement": statements}),
        st.lists(
            st.dictionaries(st.sampled_from(POLICY_KEYS), POLICY_JSON, max_size=6), max_size=3
        ),
    ),
    LATIN,
)


def test_fuzz_policy_documents(world: World) -> None:
    kinds = list(PolicyKind)

    @fuzz_settings()
    @given(POLICY_TEXT, st.sampled_from(kinds), st.integers(0, 9))
    def run(text: str, kind: PolicyKind, live: int) -> None:
        tried("policy documents")
        with contextlib.suppress(PolicyError):
            parse_policy(text, kind=kind)
        if live == 0:  # one in ten through PutBucketPolicy as well
            world.signed(
                "PUT", None, [("policy", "")], text.encode("utf-8", "surrogatepass") or b" "
            )

    runtarget("policy documents", run)


# JWTs: AssumeRoleWithOIDC (anonymous RPC) with structured and broken tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


CLAIM_VALUES = st.one_of(
    st.just(ISSUER), st.just("sts.aliyuncs.com"), TEXT, st.integers(-(2**40), 2**40),
    st.just(int(time.time())), st.just(int(time.time()) + 3600), st.lists(TEXT, max_size=3),
    st.none(), st.floats(allow_nan=True),
)  # fmt: skip
CLAIMS = st.dictionaries(
    st.sampled_from(["iss", "aud", "sub", "exp", "iat", "nbf", "jti", "azp"]), CLAIM_VALUES
)
JWT_HEADER = st.dictionaries(
    st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x5u"]),
    st.one_of(
        st.sampled_from(["RS256", "ES256", "none", "HS256", "PS256", "JWT"]), TEXT, st.integers()
    ),
)
TOKENS = st.one_of(
    st.builds(
        lambda h, c, s: f"{_b64(json.dumps(h).encode())}.{_b64(json.dumps(c).encode())}.{_b64(s)}",
        JWT_HEADER,
        CLAIMS,
        st.binary(max_size=80),
    ),
    st.builds(lambda parts: ".".join(parts), st.lists(TEXT, max_size=5)),
    st.text(max_size=60),
)


def _signed_tokens(data_dir: Path) -> st.SearchStrategy[str]:
    """Tokens the built-in issuer really signed, with fuzzed claims: they reach the claim,
    time and trust-policy checks."""
    key = load_or_create(data_dir)
    return st.builds(lambda claims: sign_rs256(key.private_key, key.kid, claims), CLAIMS)


def test_fuzz_oidc_jwts(world: World) -> None:
    role_arn = f"acs:ram::{ACCOUNT_ID}:role/fuzz-role"
    provider_arn = f"acs:ram::{ACCOUNT_ID}:oidc-provider/fuzz-provider"

    @fuzz_settings()
    @given(st.one_of(TOKENS, _signed_tokens(world.data_dir)), st.sampled_from(["POST", "GET"]))
    def run(token: str, method: str) -> None:
        tried("OIDC JWTs (AssumeRoleWithOIDC)")
        params = {
            "Action": "AssumeRoleWithOIDC",
            "Version": "2015-04-01",
            "Format": "JSON",
            "RoleArn": role_arn,
            "OIDCProviderArn": provider_arn,
            "RoleSessionName": "fuzz",
            "OIDCToken": token,
        }
        form = urlencode(params, encoding="utf-8", errors="surrogatepass")
        if method == "GET":
            world.send("GET", "/?" + form, [])
        else:
            headers = [("Content-Type", "application/x-www-form-urlencoded")]
            world.send("POST", "/", headers, form.encode())

    runtarget("OIDC JWTs (AssumeRoleWithOIDC)", run)


# PostObject form uploads

FORM_FIELDS = [
    "key", "policy", "OSSAccessKeyId", "Signature", "success_action_status",
    "success_action_redirect", "Content-Type", "x-oss-meta-a", "x-oss-signature-version",
    "x-oss-credential", "x-oss-date", "x-oss-signature", "x-oss-security-token",
    "x-oss-object-acl", "Cache-Control", "callback", "x-oss-forbid-overwrite", "file",
]  # fmt: skip
POST_POLICY = st.builds(
    lambda exp, conditions: json.dumps({"expiration": exp, "conditions": conditions}),
    st.one_of(st.just("2099-01-01T00:00:00.000Z"), TEXT),
    st.lists(
        st.one_of(
            st.lists(
                st.one_of(
                    st.sampled_from(
                        ["eq", "starts-with", "content-length-range", "$key", "$bucket"]
                    ),
                    TEXT,
                    st.integers(),
                ),
                max_size=4,
            ),
            st.dictionaries(st.sampled_from(["bucket", "key", "x-oss-meta-a"]), TEXT, max_size=2),
            TEXT,
        ),
        max_size=4,
    ),
)
FIELD_VALUE = st.one_of(
    TEXT, POST_POLICY.map(lambda p: base64.b64encode(p.encode()).decode()), st.just(ROOT_AK)
)


def _multipart(fields: list[tuple[str, str]], boundary: str, cut: int) -> bytes:
    parts = []
    for name, value in fields:
        if name == "file":
            disposition = f'form-data; name="file"; filename="{value[:10]}"'
        else:
            disposition = f'form-data; name="{name}"'
        parts.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n{value}\r\n")
    body = ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8", "surrogatepass")
    return body[:cut] if cut else body


def test_fuzz_post_object_forms(world: World) -> None:
    @fuzz_settings()
    @given(
        st.lists(
            st.tuples(st.one_of(st.sampled_from(FORM_FIELDS), TEXT), FIELD_VALUE), max_size=10
        ),
        st.one_of(st.just("b0undary"), st.text("abcXYZ019-'()+_,./:=?", min_size=1, max_size=70)),
        st.one_of(st.just(0), st.integers(0, 400)),
        st.sampled_from(
            [
                "multipart/form-data; boundary={}",
                "multipart/form-data",
                "text/plain",
                'multipart/form-data; boundary="{}"',
            ]
        ),
    )
    def run(fields: list[tuple[str, str]], boundary: str, cut: int, content_type: str) -> None:
        tried("PostObject forms")
        body = _multipart(fields, boundary, cut)
        headers = [("Content-Type", content_type.format(boundary))]
        world.send("POST", f"/{BUCKET}", headers, body)

    runtarget("PostObject forms", run)


def test_the_fuzz_world_is_real(world: World, tmp_path: Path) -> None:
    """The fuzzed requests reach real handlers: a well-formed signed one succeeds."""
    assert world.signed("GET", "obj", []).body == b"x"
    assert (
        world.signed(
            "PUT",
            None,
            [("versioning", "")],
            b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
        ).status
        == 200
    )
