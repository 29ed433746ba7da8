"""Bucket CORS through oss2 (put/get/delete_bucket_cors) and the browser's side: OPTIONS
preflights allowed and refused, and Access-Control-* headers on actual requests."""

from __future__ import annotations

import httpx
import oss2
import pytest
from oss2.models import BucketCors, CorsRule

from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
    "are not whitelisted by the resource's CORS spec."
)


@pytest.fixture
def bucket(live_server: LiveServer, bucket_name: str) -> oss2.Bucket:
    created = oss2_bucket(live_server, bucket_name, "v4")
    created.create_bucket()
    return created


def _rules() -> BucketCors:
    upload = CorsRule(
        allowed_origins=["https://app.example.com", "https://*.example.org"],
        allowed_methods=["PUT", "POST"],
        allowed_headers=["content-type", "x-oss-*"],
        expose_headers=["ETag", "x-oss-request-id"],
        max_age_seconds=600,
    )
    read = CorsRule(allowed_origins=["*"], allowed_methods=["GET", "HEAD"])
    return BucketCors([upload, read])


def _options(server: LiveServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.request("OPTIONS", f"{server.endpoint}/{path}", headers=headers, timeout=10)


def _code_message(response: httpx.Response) -> tuple[str, str]:
    text = response.text
    return (
        text.split("<Code>")[1].split("</Code>")[0],
        text.split("<Message>")[1].split("</Message>")[0],
    )


def test_put_get_delete_bucket_cors(bucket: oss2.Bucket) -> None:
    with pytest.raises(oss2.exceptions.NoSuchCors) as missing:
        bucket.get_bucket_cors()
    assert missing.value.status == 404
    assert missing.value.message == "The CORS configuration does not exist."
    bucket.put_bucket_cors(_rules())
    got = bucket.get_bucket_cors()
    assert len(got.rules) == 2
    first = got.rules[0]
    assert first.allowed_origins == ["https://app.example.com", "https://*.example.org"]
    assert first.allowed_methods == ["PUT", "POST"]
    assert first.allowed_headers == ["content-type", "x-oss-*"]
    assert first.expose_headers == ["ETag", "x-oss-request-id"]
    assert first.max_age_seconds == 600
    assert got.rules[1].allowed_origins == ["*"]
    bucket.delete_bucket_cors()
    with pytest.raises(oss2.exceptions.NoSuchCors):
        bucket.get_bucket_cors()


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (CorsRule(allowed_origins=["*"], allowed_methods=["PATCH"]), "InvalidArgument"),
        (CorsRule(allowed_origins=["*"], allowed_methods=[]), "MalformedXML"),
        (CorsRule(allowed_origins=["*a*"], allowed_methods=["GET"]), "InvalidArgument"),
        (
            CorsRule(allowed_origins=["*"], allowed_methods=["GET"], expose_headers=["x-*"]),
            "InvalidArgument",
        ),
    ],
)
def test_invalid_rules_are_refused(bucket: oss2.Bucket, rule: CorsRule, code: str) -> None:
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.put_bucket_cors(BucketCors([rule]))
    assert err.value.status == 400 and err.value.code == code


def test_preflight_allowed(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    bucket.put_bucket_cors(_rules())
    response = _options(
        live_server,
        f"{bucket.bucket_name}/dir/file.txt",
        {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, x-oss-meta-a",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Allow-Methods"] == "PUT, POST"
    assert response.headers["Access-Control-Allow-Headers"] == "content-type, x-oss-meta-a"
    assert response.headers["Access-Control-Expose-Headers"] == "ETag, x-oss-request-id"
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_preflight_wildcard_origin_and_bucket_path(
    live_server: LiveServer, bucket: oss2.Bucket
) -> None:
    bucket.put_bucket_cors(_rules())
    sub = _options(
        live_server,
        bucket.bucket_name,
        {"Origin": "https://cdn.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert sub.status_code == 200
    assert sub.headers["Access-Control-Allow-Origin"] == "https://cdn.example.org"
    anyone = _options(
        live_server,
        f"{bucket.bucket_name}/k",
        {"Origin": "http://elsewhere.test", "Access-Control-Request-Method": "GET"},
    )
    assert anyone.status_code == 200
    assert anyone.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "PUT"},
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
        {
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization",
        },
    ],
)
def test_preflight_refused(
    live_server: LiveServer, bucket: oss2.Bucket, headers: dict[str, str]
) -> None:
    bucket.put_bucket_cors(_rules())
    response = _options(live_server, f"{bucket.bucket_name}/k", headers)
    assert response.status_code == 403
    assert _code_message(response) == ("AccessForbidden", _NOT_ALLOWED)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_without_cors_configuration(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    response = _options(
        live_server,
        f"{bucket.bucket_name}/k",
        {"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 403
    assert _code_message(response)[0] == "AccessForbidden"


def test_actual_request_gets_cors_headers(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    bucket.put_bucket_cors(_rules())
    bucket.put_object("k", b"data")
    signed = bucket.sign_url("GET", "k", 60)
    allowed = httpx.get(signed, headers={"Origin": "https://site.test"}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == "*"
    plain = httpx.get(signed, timeout=10)
    assert "Access-Control-Allow-Origin" not in plain.headers


def test_post_object_response_carries_cors_headers(
    live_server: LiveServer, bucket: oss2.Bucket
) -> None:
    bucket.put_bucket_cors(_rules())
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    response = httpx.post(
        f"{live_server.endpoint}/{bucket.bucket_name}",
        headers={"Origin": "https://app.example.com"},
        data={"key": "from-browser.txt"},
        files={"file": ("a.txt", b"browser", "text/plain")},
        timeout=10,
    )
    assert response.status_code == 204, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Expose-Headers"] == "ETag, x-oss-request-id"


def test_error_response_carries_cors_headers(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    bucket.put_bucket_cors(_rules())
    response = httpx.post(
        f"{live_server.endpoint}/{bucket.bucket_name}",
        headers={"Origin": "https://app.example.com"},
        data={"key": "private.txt"},
        files={"file": ("a.txt", b"browser", "text/plain")},
        timeout=10,
    )
    assert response.status_code == 403
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
