"""Property tests against the official clients, unmodified.

Random keys (unicode, space, +, /, %, ~, *, ?), query params and headers. Requests and URLs are
signed in-test by oss2 (Auth, AuthV4, StsAuth; header signing and sign_url) and by
alibabacloud-oss-v2 (V1 and V4 signers through the real client with a capturing transport, and
presign). Each must verify with ossbox after `requests` builds the wire form, and ossbox's own
signature for the same inputs and time must be byte-for-byte theirs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import alibabacloud_oss_v2 as oss_v2
import oss2
import oss2.http
from alibabacloud_oss_v2.presigner import _nopResponse
from alibabacloud_oss_v2.types import HttpClient, HttpResponse, OperationInput
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.http import HttpRequest, decode_path, parse_query
from ossbox.signing.oss_auth import Scheme, parse_oss_auth, verify_oss
from ossbox.signing.result import Verification
from tests.signing.oss_wire import route, wire_request

AK, SK, TOKEN = "LTAI5tPropTestKey", "PropTestSecret0123456789", "CAIS+prop/token=="
BUCKET, REGION = "prop-bucket", "cn-hangzhou"
ENDPOINT = "http://127.0.0.1:9000"
VHOST_ENDPOINT = "http://oss-cn-hangzhou.aliyuncs.com"

SIGNING_PARAMS = {
    "OSSAccessKeyId",
    "Expires",
    "Signature",
    "security-token",
    "x-oss-signature-version",
    "x-oss-credential",
    "x-oss-date",
    "x-oss-expires",
    "x-oss-signature",
    "x-oss-security-token",
    "x-oss-additional-headers",
}
SUBRESOURCE_NAMES = [
    "acl",
    "uploadId",
    "partNumber",
    "versionId",
    "response-content-type",
    "response-expires",
    "tagging",
    "continuation-token",
    "position",
    "append",
    "x-oss-process",
]
PLAIN_NAMES = ["prefix", "marker", "max-keys", "delimiter", "encoding-type", "list-type", "x-y"]
UNSIGNED_HEADER_NAMES = ["range", "x-custom", "if-match", "cache-control"]

sdk_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- strategies -----------------------------------------------------------------------------

TRICKY = list("aZ09/ +%~*?=&#:;,.-_'\"()!@$^[]{}|\\<>é中😀")
text_chars = st.one_of(
    st.sampled_from(TRICKY),
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
)


def sendable_key(key: str) -> bool:
    """What the clients can put on the wire: requests drops `.`/`..` path segments, oss2
    refuses blank keys and (in sign_url) keys starting with `?`."""
    segments = key.split("/")
    return bool(key.strip()) and not key.startswith("?") and not {".", ".."} & set(segments)


keys = st.text(text_chars, min_size=1, max_size=24).filter(sendable_key)
param_names = st.one_of(
    st.sampled_from(SUBRESOURCE_NAMES + PLAIN_NAMES),
    st.text(text_chars, min_size=1, max_size=10),
).filter(lambda name: name not in SIGNING_PARAMS)
params = st.dictionaries(param_names, st.text(text_chars, max_size=16), max_size=4)
header_text = st.from_regex(r"[!-~]([ !-~]{0,14}[!-~])?", fullmatch=True)
methods = st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"])
tokens = st.sampled_from([None, TOKEN])


@st.composite
def header_sets(draw: st.DrawFn) -> dict[str, str]:
    """x-oss-meta-*, Content-Type/MD5 and unsigned headers, names in random case."""
    names = draw(
        st.lists(
            st.one_of(
                st.from_regex(r"x-oss-meta-[a-z0-9]{1,6}", fullmatch=True),
                st.sampled_from(["content-type", "content-md5", *UNSIGNED_HEADER_NAMES]),
            ),
            unique=True,
            max_size=5,
        )
    )
    headers = {}
    for name in names:
        spelled = draw(st.sampled_from([name, name.upper(), name.title()]))
        headers[spelled] = draw(header_text)
    return headers


def additional_names(headers: dict[str, str]) -> list[str]:
    return [name for name in headers if name.lower() in UNSIGNED_HEADER_NAMES]


# --- helpers --------------------------------------------------------------------------------


def verify_wire(req: HttpRequest, host_bucket: str | None = None) -> Verification:
    """Route (path style, or virtual host when `host_bucket`) and verify with ossbox."""
    auth = parse_oss_auth(req)
    assert auth is not None
    if host_bucket is not None:
        bucket, key = host_bucket, decode_path(req.raw_path[1:])
    else:
        bucket, key = route(req.target)
    result = verify_oss(req, auth, bucket=bucket, key=key, secret=SK)
    assert result.ok, (result.reason, result.string_to_sign, result.canonical_request)
    return result


def http_time(value: str) -> datetime:
    return parsedate_to_datetime(value).astimezone(UTC)


def iso_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def query_of(url: str) -> dict[str, str]:
    return dict(parse_query(urlsplit(url).query))


def oss2_auth(version: str, token: str | None) -> Any:
    if token:
        return oss2.StsAuth(AK, SK, token, auth_version=version)
    return oss2.AuthV4(AK, SK) if version == "v4" else oss2.Auth(AK, SK)


def oss2_bucket(version: str, token: str | None, endpoint: str = ENDPOINT) -> oss2.Bucket:
    return oss2.Bucket(oss2_auth(version, token), endpoint, BUCKET, region=REGION)


class CapturingClient(HttpClient):
    """An oss-v2 transport that keeps the signed request and answers 200."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, request: Any, **kwargs: Any) -> HttpResponse:
        self.sent.append(request)
        return _nopResponse(request=request)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass


def oss_v2_client(version: str, token: str | None) -> tuple[oss_v2.Client, CapturingClient]:
    transport = CapturingClient()
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(AK, SK, token)
    config.region = REGION
    config.endpoint = ENDPOINT
    config.signature_version = version
    config.http_client = transport
    config.retry_max_attempts = 1
    return oss_v2.Client(config), transport


# --- oss2 -----------------------------------------------------------------------------------


@sdk_settings
@given(methods, keys, params, header_sets(), tokens)
def test_oss2_v1_header_signing(
    method: str, key: str, query: dict[str, str], headers: dict[str, str], token: str | None
) -> None:
    bucket = oss2_bucket("v1", token)
    req = oss2.http.Request(method, bucket._make_url(BUCKET, key), params=query, headers=headers)
    bucket.auth._sign_request(req, BUCKET, key)
    verify_wire(wire_request(method, req.url, req.headers, req.params))
    ours = oss_v1.sign_v1_header(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=token,
        now=http_time(req.headers["date"]),
    )
    assert ours["Authorization"] == req.headers["authorization"]


@sdk_settings
@given(methods, keys, params, header_sets(), tokens, st.booleans())
def test_oss2_v1_sign_url(
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    token: str | None,
    slash_safe: bool,
) -> None:
    url = oss2_bucket("v1", token).sign_url(
        method, key, 3600, headers=headers, params=dict(query), slash_safe=slash_safe
    )
    verify_wire(wire_request(method, url, headers))
    pairs = oss_v1.presign_v1(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=token,
        expires_at=int(query_of(url)["Expires"]),
    )
    assert oss_v4.encode_query(pairs) == urlsplit(url).query


@sdk_settings
@given(methods, keys, params, header_sets(), tokens)
def test_oss2_v4_header_signing(
    method: str, key: str, query: dict[str, str], headers: dict[str, str], token: str | None
) -> None:
    bucket = oss2_bucket("v4", token)
    req = oss2.http.Request(
        method,
        bucket._make_url(BUCKET, key),
        params=query,
        headers=headers,
        region=REGION,
        product="oss",
    )
    additional = [] if token else additional_names(headers)  # StsAuth cannot pass them
    if additional:
        bucket.auth._sign_request(req, BUCKET, key, in_additional_headers=additional)
    else:
        bucket.auth._sign_request(req, BUCKET, key)
    verify_wire(wire_request(method, req.url, req.headers, req.params))
    ours = oss_v4.sign_v4_header(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=token,
        region=REGION,
        additional_headers=additional,
        now=iso_time(req.headers["x-oss-date"]),
    )
    theirs = req.headers["authorization"].split("Signature=")[1].split(",")[0]
    assert ours["Authorization"].rsplit("Signature=", 1)[1] == theirs


@sdk_settings
@given(methods, keys, params, header_sets(), tokens, st.booleans())
def test_oss2_v4_sign_url(
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    token: str | None,
    virtual_host: bool,
) -> None:
    endpoint = VHOST_ENDPOINT if virtual_host else ENDPOINT
    additional = set() if token else set(additional_names(headers))  # StsAuth cannot
    url = oss2_bucket("v4", token, endpoint).sign_url(
        method, key, 600, headers=headers, params=dict(query), additional_headers=additional or None
    )
    verify_wire(wire_request(method, url, headers), BUCKET if virtual_host else None)
    sent = query_of(url)
    pairs = oss_v4.presign_v4(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=token,
        region=REGION,
        expires=600,
        additional_headers=additional,
        now=iso_time(sent["x-oss-date"]),
    )
    assert oss_v4.encode_query(pairs) == urlsplit(url).query


# --- alibabacloud-oss-v2 --------------------------------------------------------------------


def oss_v2_invoke(
    version: str,
    token: str | None,
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    **kwargs: Any,
) -> Any:
    """Send one operation through the real oss-v2 client; return the signed request."""
    client, transport = oss_v2_client(version, token)
    # Real operations declare their sub-resources; x-oss-process is the one they leave out.
    declared = [name for name in query if name in oss_v1.SUBRESOURCES_OSS_V2]
    op_input = OperationInput(
        op_name="Probe",
        method=method,
        headers=dict(headers),
        parameters=dict(query),
        bucket=BUCKET,
        key=key,
        op_metadata={"sub-resource": declared, **kwargs.pop("op_metadata", {})},
    )
    client.invoke_operation(op_input, http_client=transport, **kwargs)
    return transport.sent[-1]


@sdk_settings
@given(methods, keys, params, header_sets(), tokens)
def test_oss_v2_v1_header_signing(
    method: str, key: str, query: dict[str, str], headers: dict[str, str], token: str | None
) -> None:
    sent = oss_v2_invoke("v1", token, method, key, query, headers)
    wire = wire_request(method, sent.url, dict(sent.headers))
    verify_wire(wire)
    auth = parse_oss_auth(wire)
    assert auth is not None
    assert auth.scheme is Scheme.V1_HEADER
    assert auth.security_token == token
    if "x-oss-process" in query:
        return  # oss-v2 leaves it unsigned; ossbox (like oss2) signs it
    ours = oss_v1.sign_v1_header(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=None,  # oss-v2 sends it as an unsigned `security-token` header
        now=http_time(sent.headers["Date"]),
    )
    assert ours["Authorization"] == sent.headers["Authorization"]


@sdk_settings
@given(methods, keys, params, header_sets(), tokens)
def test_oss_v2_v4_header_signing(
    method: str, key: str, query: dict[str, str], headers: dict[str, str], token: str | None
) -> None:
    sent = oss_v2_invoke("v4", token, method, key, query, headers)
    verify_wire(wire_request(method, sent.url, dict(sent.headers)))
    ours = oss_v4.sign_v4_header(
        method=method,
        bucket=BUCKET,
        key=key,
        query=query.items(),
        headers=headers,
        access_key_id=AK,
        access_key_secret=SK,
        security_token=token,
        region=REGION,
        now=iso_time(sent.headers["x-oss-date"]),
    )
    assert ours["Authorization"] == sent.headers["Authorization"]


@sdk_settings
@given(methods, keys, params, header_sets(), tokens, st.sampled_from(["v1", "v4"]))
def test_oss_v2_presigned_urls(
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    token: str | None,
    version: str,
) -> None:
    expiration = datetime.now(UTC) + timedelta(minutes=10)
    sent = oss_v2_invoke(
        version,
        token,
        method,
        key,
        query,
        headers,
        auth_method="query",
        op_metadata={"expiration_time": expiration},
    )
    verify_wire(wire_request(method, sent.url, headers))
    theirs = query_of(sent.url)
    if version == "v1":
        if "x-oss-process" in query:
            return
        ours = dict(
            oss_v1.presign_v1(
                method=method,
                bucket=BUCKET,
                key=key,
                query=query.items(),
                headers=headers,
                access_key_id=AK,
                access_key_secret=SK,
                security_token=token,
                expires_at=int(theirs["Expires"]),
            )
        )
    else:
        ours = dict(
            oss_v4.presign_v4(
                method=method,
                bucket=BUCKET,
                key=key,
                query=query.items(),
                headers=headers,
                access_key_id=AK,
                access_key_secret=SK,
                security_token=token,
                region=REGION,
                expires=int(theirs["x-oss-expires"]),
                now=iso_time(theirs["x-oss-date"]),
            )
        )
    assert ours == theirs  # same pairs and signature; oss-v2 orders them differently


@settings(max_examples=25, deadline=None)
@given(keys, st.sampled_from(["v1", "v4"]), tokens, st.text(text_chars, max_size=12))
def test_oss_v2_public_presign(key: str, version: str, token: str | None, meta: str) -> None:
    client, _ = oss_v2_client(version, token)
    get = client.presign(
        oss_v2.GetObjectRequest(bucket=BUCKET, key=key, response_content_type="text/plain"),
        expires=timedelta(minutes=5),
    )
    verify_wire(wire_request("GET", get.url, get.signed_headers or {}))
    put = client.presign(
        oss_v2.PutObjectRequest(
            bucket=BUCKET,
            key=key,
            content_type="text/plain",
            metadata={"note": meta.encode().hex()},
        ),
        expires=timedelta(minutes=5),
    )
    assert put.signed_headers
    verify_wire(wire_request("PUT", put.url, put.signed_headers))


# --- ossbox against itself, both addressing styles ------------------------------------------


@sdk_settings
@given(methods, keys, params, header_sets(), tokens, st.booleans())
def test_ossbox_signatures_verify_in_either_addressing_style(
    method: str,
    key: str,
    query: dict[str, str],
    headers: dict[str, str],
    token: str | None,
    virtual_host: bool,
) -> None:
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    path = "/" + oss_v4.encode(key) if virtual_host else f"/{BUCKET}/{oss_v4.encode(key)}"
    host_bucket = BUCKET if virtual_host else None
    additional = additional_names(headers)
    for signed in (
        oss_v1.sign_v1_header(
            method=method,
            bucket=BUCKET,
            key=key,
            query=query.items(),
            headers=headers,
            access_key_id=AK,
            access_key_secret=SK,
            security_token=token,
            now=now,
        ),
        oss_v4.sign_v4_header(
            method=method,
            bucket=BUCKET,
            key=key,
            query=query.items(),
            headers=headers,
            access_key_id=AK,
            access_key_secret=SK,
            security_token=token,
            region=REGION,
            additional_headers=additional,
            now=now,
        ),
    ):
        target = path + ("?" + oss_v4.encode_query(query.items()) if query else "")
        verify_wire(HttpRequest(method, target, list(signed.items())), host_bucket)
    common = {
        "method": method,
        "bucket": BUCKET,
        "key": key,
        "query": query.items(),
        "headers": headers,
        "access_key_id": AK,
        "access_key_secret": SK,
        "security_token": token,
    }
    for pairs in (
        oss_v1.presign_v1(**common, expires_at=1704168245),
        oss_v4.presign_v4(
            **common, region=REGION, expires=60, additional_headers=additional, now=now
        ),
    ):
        target = path + "?" + oss_v4.encode_query(pairs)
        verify_wire(HttpRequest(method, target, list(headers.items())), host_bucket)


@settings(max_examples=300, deadline=None)
@given(st.text(text_chars, max_size=40), st.text(text_chars, max_size=10))
def test_fast_encoders_equal_urllib_quote(value: str, bucket: str) -> None:
    assert oss_v4.encode(value) == quote(value, safe="")
    assert oss_v4.canonical_uri_v4(bucket or "b", value) == quote(
        f"/{bucket or 'b'}/{value}", safe="/"
    )
