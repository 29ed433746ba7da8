"""parse_oss_auth: what each signature form yields, and each malformed form's OSS error;
time_error: clock skew, expiry and not-yet-valid signed URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ossbox.signing import oss_auth
from ossbox.signing.http import HttpRequest
from ossbox.signing.oss_auth import OssAuth, Scheme, parse_oss_auth, time_error, verify_oss
from ossbox.signing.oss_v1 import presign_v1, sign_v1_header
from ossbox.signing.oss_v4 import encode_query, presign_v4, sign_v4_header
from ossbox.signing.result import SignatureFormatError

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
AK, SK, TOKEN = "LTAI5tTestKey", "TestSecret0123456789", "CAIS+token/secret=="
SCOPE = "20240102/cn-hangzhou/oss/aliyun_v4_request"
V4_AUTH = f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE},Signature=" + "ab" * 32


def request(target: str = "/bkt/key", **headers: str) -> HttpRequest:
    return HttpRequest("GET", target, [(name.replace("_", "-"), v) for name, v in headers.items()])


def v4_url(**overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "x-oss-signature-version": "OSS4-HMAC-SHA256",
        "x-oss-credential": f"{AK}/{SCOPE}",
        "x-oss-date": "20240102T030405Z",
        "x-oss-expires": "3600",
        "x-oss-signature": "ab" * 32,
    }
    params.update(overrides)
    return "/bkt/key?" + encode_query((k, v) for k, v in params.items() if v is not None)


def v1_url(**overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "OSSAccessKeyId": AK,
        "Expires": "1704168245",
        "Signature": "c2lnbmF0dXJl",
    }
    params.update(overrides)
    return "/bkt/key?" + encode_query((k, v) for k, v in params.items() if v is not None)


def parse_error(req: HttpRequest) -> SignatureFormatError:
    with pytest.raises(SignatureFormatError) as caught:
        parse_oss_auth(req)
    return caught.value


# --- what parses ----------------------------------------------------------------------------


def test_no_signature_is_anonymous() -> None:
    assert parse_oss_auth(request("/bkt/key?prefix=a&security-token=x")) is None
    assert parse_oss_auth(request("/")) is None


def test_v1_header_fields() -> None:
    headers = sign_v1_header(
        method="GET",
        bucket="bkt",
        key="key",
        access_key_id=AK,
        access_key_secret=SK,
        security_token=TOKEN,
        now=NOW,
    )
    auth = parse_oss_auth(HttpRequest("GET", "/bkt/key", list(headers.items())))
    assert auth == OssAuth(
        Scheme.V1_HEADER,
        AK,
        headers["Authorization"].split(":")[1],
        TOKEN,
        NOW,
        None,
        None,
        None,
        None,
        None,
        (),
    )


@pytest.mark.parametrize(
    "x_oss_date",
    ["Tue, 02 Jan 2024 03:04:05 GMT", "20240102T030405Z", "Tuesday, 02-Jan-24 03:04:05 GMT"],
)
def test_v1_header_date_comes_from_x_oss_date_first(x_oss_date: str) -> None:
    req = request(
        authorization=f"OSS {AK}:sig=", date="Mon, 01 Jan 2001 00:00:00 GMT", x_oss_date=x_oss_date
    )
    auth = parse_oss_auth(req)
    assert auth is not None
    assert auth.date == NOW


def test_v1_header_token_from_unsigned_security_token_header() -> None:
    req = request(authorization=f"OSS {AK}:sig=", date="Tue, 02 Jan 2024 03:04:05 GMT")
    req = HttpRequest("GET", req.target, [*req.headers, ("security-token", TOKEN)])
    auth = parse_oss_auth(req)
    assert auth is not None
    assert auth.security_token == TOKEN


def test_v1_url_fields_first_value_wins() -> None:
    pairs = presign_v1(
        method="GET",
        bucket="bkt",
        key="key",
        access_key_id=AK,
        access_key_secret=SK,
        security_token=TOKEN,
        expires_at=1704168245,
    )
    target = "/bkt/key?" + encode_query(pairs) + "&Expires=1"
    auth = parse_oss_auth(HttpRequest("GET", target))
    assert auth is not None
    assert auth.scheme is Scheme.V1_QUERY
    assert auth.expires == datetime(2024, 1, 2, 4, 4, 5, tzinfo=UTC)
    assert (auth.date, auth.expires_seconds, auth.region) == (None, None, None)
    assert auth.security_token == TOKEN
    assert verify_oss(HttpRequest("GET", target), auth, bucket="bkt", key="key", secret=SK).ok


@pytest.mark.parametrize(
    "layout",
    [
        "OSS4-HMAC-SHA256 Credential={c},AdditionalHeaders=range;Host,Signature={s}",  # oss-v2
        "OSS4-HMAC-SHA256 Credential={c}, Signature={s}, AdditionalHeaders=range;host",  # oss2
        "OSS4-HMAC-SHA256  Signature={s} ,Credential={c} , AdditionalHeaders=host;range;host",
    ],
)
def test_v4_header_layouts(layout: str) -> None:
    signed = sign_v4_header(
        method="GET",
        bucket="bkt",
        key="key",
        headers={"Range": "bytes=0-1", "Host": "bkt.example"},
        access_key_id=AK,
        access_key_secret=SK,
        region="cn-hangzhou",
        additional_headers=["range", "host"],
        now=NOW,
    )
    signature = signed["Authorization"].rsplit("Signature=", 1)[1]
    signed["Authorization"] = layout.format(c=f"{AK}/{SCOPE}", s=signature)
    req = HttpRequest("GET", "/bkt/key", list(signed.items()))
    auth = parse_oss_auth(req)
    assert auth is not None
    assert (auth.scheme, auth.access_key_id, auth.signature) == (Scheme.V4_HEADER, AK, signature)
    assert (auth.region, auth.scope_date, auth.product) == ("cn-hangzhou", "20240102", "oss")
    assert auth.additional_headers == ("host", "range")
    assert auth.date == NOW
    assert verify_oss(req, auth, bucket="bkt", key="key", secret=SK).ok


def test_v4_url_fields() -> None:
    pairs = presign_v4(
        method="GET",
        bucket="bkt",
        key="key",
        headers={"Range": "bytes=0-1"},
        access_key_id=AK,
        access_key_secret=SK,
        security_token=TOKEN,
        region="cn-hangzhou",
        expires=600,
        additional_headers=["Range"],
        now=NOW,
    )
    req = HttpRequest("GET", "/bkt/key?" + encode_query(pairs), [("Range", "bytes=0-1")])
    auth = parse_oss_auth(req)
    assert auth is not None
    assert auth.scheme is Scheme.V4_QUERY
    assert (auth.date, auth.expires, auth.expires_seconds) == (
        NOW,
        NOW + timedelta(seconds=600),
        600,
    )
    assert (auth.security_token, auth.additional_headers) == (TOKEN, ("range",))
    assert verify_oss(req, auth, bucket="bkt", key="key", secret=SK).ok
    dropped = HttpRequest("GET", req.target, [("Range", "bytes=0-2")])
    assert not verify_oss(dropped, auth, bucket="bkt", key="key", secret=SK).ok


def test_the_security_token_stays_out_of_reprs() -> None:
    auth = parse_oss_auth(HttpRequest("GET", v1_url(**{"security-token": TOKEN})))
    assert auth is not None
    assert auth.security_token == TOKEN
    assert TOKEN not in repr(auth)


# --- malformed signatures -------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "OSS",
        f"OSS {AK}",
        "OSS :c2ln",
        f"OSS {AK}:",
        f"OSS {AK}: c2ln",
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=a/b/c/s3/aws4_request,Signature=ab",
        "OSS2 AccessKeyId:ak,Signature:abc",
        "OSS4-HMAC-SHA256",
        "OSS4-HMAC-SHA256 Signature=abab",
        f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE}",
        f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE},Signature=",
        f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE},Signature=ab,Signature=cd",
        f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE},Signature=ab,SignedHeaders=host",
        f"OSS4-HMAC-SHA256 Credential={AK}/{SCOPE} Signature=ab",
    ],
)
def test_malformed_authorization(authorization: str) -> None:
    req = request(authorization=authorization, x_oss_date="20240102T030405Z", date="x")
    error = parse_error(req)
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert error.message == "Authorization header is invalid."
    assert error.argument == "Authorization"
    assert error.argument_value == authorization.strip()


@pytest.mark.parametrize(
    "credential",
    [
        f"{AK}/20240102/cn-hangzhou/oss/abc",
        f"{AK}/2024-01-02/cn-hangzhou/oss/aliyun_v4_request",
        f"{AK}/20240102/cn-hangzhou/aliyun_v4_request",
        "/20240102/cn-hangzhou/oss/aliyun_v4_request",
        f"{AK}/20240102//oss/aliyun_v4_request",
        f"{AK}/x/20240102/cn-hangzhou/oss/aliyun_v4_request",
    ],
)
def test_malformed_credential_scope(credential: str) -> None:
    header = request(
        authorization=f"OSS4-HMAC-SHA256 Credential={credential},Signature=ab",
        x_oss_date="20240102T030405Z",
    )
    error = parse_error(header)
    assert (error.status, error.code, error.argument) == (400, "InvalidArgument", "Authorization")
    assert error.message == "Invalid credential in Authorization."
    url = parse_error(HttpRequest("GET", v4_url(**{"x-oss-credential": credential})))
    assert (url.status, url.code, url.argument) == (400, "InvalidArgument", "x-oss-credential")
    assert url.argument_value == credential


def test_signature_in_header_and_url() -> None:
    for target in (v1_url(), v4_url(), "/bkt/key?Signature=abc", "/bkt/key?x-oss-credential=a"):
        req = request(target, authorization=f"OSS {AK}:c2ln", date="Tue, 02 Jan 2024 03:04:05 GMT")
        error = parse_error(req)
        assert (error.status, error.code) == (400, "InvalidArgument")
        assert error.argument == "Authorization"


@pytest.mark.parametrize("missing", ["OSSAccessKeyId", "Expires", "Signature"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_v1_url_missing_a_parameter(missing: str, how: str) -> None:
    error = parse_error(HttpRequest("GET", v1_url(**{missing: None if how == "absent" else ""})))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == (
        "Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters."
    )


@pytest.mark.parametrize("expires", ["abc", "12.5", "-5", "+5", " 5", "１２３", "9" * 30])
def test_v1_url_expires_not_seconds_since_epoch(expires: str) -> None:
    error = parse_error(HttpRequest("GET", v1_url(Expires=expires)))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "Invalid date (should be seconds since epoch)."


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": f"OSS {AK}:c2ln"},
        {"authorization": f"OSS {AK}:c2ln", "date": "yesterday"},
        {"authorization": f"OSS {AK}:c2ln", "date": "Tue, 32 Jan 2024 03:04:05 GMT"},
        {"authorization": f"OSS {AK}:c2ln", "date": NOW.isoformat()},
        {
            "authorization": f"OSS {AK}:c2ln",
            "x_oss_date": "soon",
            "date": "Tue, 02 Jan 2024 03:04:05 GMT",
        },
        {"authorization": V4_AUTH},
        {"authorization": V4_AUTH, "date": "Tue, 02 Jan 2024 03:04:05 GMT"},
        {"authorization": V4_AUTH, "x_oss_date": "Tue, 02 Jan 2024 03:04:05 GMT"},
        {"authorization": V4_AUTH, "x_oss_date": "20240102T250405Z"},
        {"authorization": V4_AUTH, "x_oss_date": "20240102T030405"},
    ],
)
def test_header_auth_without_a_valid_date(headers: dict[str, str]) -> None:
    error = parse_error(request(**headers))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "OSS authentication requires a valid Date."


def test_v4_url_with_an_invalid_date() -> None:
    error = parse_error(HttpRequest("GET", v4_url(**{"x-oss-date": "2024-01-02T03:04:05Z"})))
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "OSS authentication requires a valid Date.",
    )


def test_v4_scope_date_differs_from_x_oss_date() -> None:
    header = parse_error(request(authorization=V4_AUTH, x_oss_date="20240103T000001Z"))
    assert (header.status, header.code, header.argument) == (
        400,
        "InvalidArgument",
        "Authorization",
    )
    assert "x-oss-date" in header.message
    url = parse_error(HttpRequest("GET", v4_url(**{"x-oss-date": "20240101T235959Z"})))
    assert (url.status, url.code, url.argument) == (400, "InvalidArgument", "x-oss-credential")


@pytest.mark.parametrize("expires", ["0", "604801", "abc", "-1", "1.5", "99999999999999999999"])
def test_v4_url_expires_out_of_range(expires: str) -> None:
    target = v4_url(**{"x-oss-expires": expires, "x-oss-security-token": TOKEN})
    error = parse_error(HttpRequest("GET", target))
    assert (error.status, error.code, error.argument) == (400, "InvalidArgument", "x-oss-expires")
    assert error.argument_value == expires
    assert TOKEN not in error.message


@pytest.mark.parametrize("expires", ["1", "604800"])
def test_v4_url_expires_bounds_are_inclusive(expires: str) -> None:
    auth = parse_oss_auth(HttpRequest("GET", v4_url(**{"x-oss-expires": expires})))
    assert auth is not None
    assert auth.expires_seconds == int(expires)


@pytest.mark.parametrize("version", ["OSS2", "ABC", "oss4-hmac-sha256", ""])
def test_v4_url_unknown_signature_version(version: str) -> None:
    error = parse_error(HttpRequest("GET", v4_url(**{"x-oss-signature-version": version})))
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert (error.argument, error.argument_value) == ("x-oss-signature-version", version)


@pytest.mark.parametrize(
    "missing",
    [
        "x-oss-signature-version",
        "x-oss-credential",
        "x-oss-date",
        "x-oss-expires",
        "x-oss-signature",
    ],
)
def test_v4_url_missing_a_parameter(missing: str) -> None:
    error = parse_error(HttpRequest("GET", v4_url(**{missing: None})))
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == oss_auth.MSG_V4_URL_PARAMS


# --- time ------------------------------------------------------------------------------------


def header_auth(scheme: Scheme) -> OssAuth:
    return OssAuth(scheme, AK, "sig", None, NOW, None, None, None, None, None, ())


@pytest.mark.parametrize("scheme", [Scheme.V1_HEADER, Scheme.V4_HEADER])
def test_header_auth_allows_fifteen_minutes_of_skew(scheme: Scheme) -> None:
    auth = header_auth(scheme)
    window = timedelta(minutes=15)
    for now in (NOW, NOW + window, NOW - window):
        assert time_error(auth, now) is None
    for now in (NOW + window + timedelta(seconds=1), NOW - window - timedelta(seconds=1)):
        error = time_error(auth, now)
        assert error is not None
        assert (error.status, error.code) == (403, "RequestTimeTooSkewed")
        assert error.message == (
            "The difference between the request time and the current time is too large."
        )
    assert time_error(auth, NOW + timedelta(minutes=2), skew=timedelta(minutes=1)) is not None


def test_v1_url_expiry() -> None:
    auth = parse_oss_auth(HttpRequest("GET", v1_url(Expires="1704164645")))  # NOW
    assert auth is not None
    assert time_error(auth, NOW) is None
    assert time_error(auth, NOW - timedelta(days=365)) is None  # V1 has no not-before
    error = time_error(auth, NOW + timedelta(seconds=1))
    assert error is not None
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "Request has expired.",
    )


def test_v4_url_window() -> None:
    auth = parse_oss_auth(HttpRequest("GET", v4_url(**{"x-oss-expires": "600"})))
    assert auth is not None
    early = NOW - timedelta(minutes=15)
    for now in (early, NOW, NOW + timedelta(seconds=600)):
        assert time_error(auth, now) is None
    too_early = time_error(auth, early - timedelta(seconds=1))
    assert too_early is not None
    assert (too_early.status, too_early.code) == (403, "AccessDenied")
    assert too_early.message == "Request is not valid yet."
    expired = time_error(auth, NOW + timedelta(seconds=601))
    assert expired is not None
    assert (expired.status, expired.code, expired.message) == (
        403,
        "AccessDenied",
        "Request has expired.",
    )
