"""PostObject (browser form upload): V1 and V4 policy signatures, the policy's conditions and
expiration, STS tokens, success_action_status / redirect, anonymous uploads (spec §3.1)."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import oss2
import pytest

from ossbox.signing.post_policy import sign_post_policy_v1, sign_post_policy_v4
from tests.compat.conftest import oss2_bucket
from tests.compat.sts_world import World, make_world
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


@pytest.fixture
def bucket(live_server: LiveServer, bucket_name: str) -> oss2.Bucket:
    created = oss2_bucket(live_server, bucket_name)
    created.create_bucket()
    return created


def _policy(conditions: list[Any], expires_in: timedelta = timedelta(minutes=10)) -> str:
    expiration = (datetime.now(UTC) + expires_in).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    document = {"expiration": expiration, "conditions": conditions}
    return base64.b64encode(json.dumps(document).encode()).decode()


def _v1_fields(ak: str, sk: str, policy: str, **extra: str) -> dict[str, str]:
    return {
        "OSSAccessKeyId": ak,
        "policy": policy,
        "Signature": sign_post_policy_v1(policy, sk),
        **extra,
    }


def _v4_fields(server: LiveServer, conditions: list[Any], **extra: str) -> dict[str, str]:
    now = datetime.now(UTC)
    date = now.strftime("%Y%m%d")
    credential = f"{server.access_key_id}/{date}/{server.region}/oss/aliyun_v4_request"
    signed = {
        "x-oss-signature-version": "OSS4-HMAC-SHA256",
        "x-oss-credential": credential,
        "x-oss-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }
    policy = _policy([*conditions, *({k: v} for k, v in signed.items())])
    signature = sign_post_policy_v4(
        policy, server.access_key_secret, date=date, region=server.region
    )
    return {**signed, "policy": policy, "x-oss-signature": signature, **extra}


def _post(
    server: LiveServer, bucket: str, fields: dict[str, str], data: bytes = b"hello form"
) -> httpx.Response:
    files = {"file": ("upload.txt", data, "text/plain")}
    return httpx.post(f"{server.endpoint}/{bucket}", data=fields, files=files, timeout=10)


def _error(response: httpx.Response) -> tuple[str, str]:
    body = response.text
    code = body.split("<Code>")[1].split("</Code>")[0]
    message = body.split("<Message>")[1].split("</Message>")[0]
    return code, message


def _root_v1(server: LiveServer, conditions: list[Any], **extra: str) -> dict[str, str]:
    policy = _policy(conditions)
    return _v1_fields(server.access_key_id, server.access_key_secret, policy, **extra)


def test_v1_post_object_stores_the_file(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(
        live_server,
        [{"bucket": bucket.bucket_name}, ["starts-with", "$key", "user/"]],
        key="user/a.txt",
        **{"x-oss-meta-owner": "alice", "Content-Type": "text/markdown"},
    )
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 204, response.text
    etag = hashlib.md5(b"hello form").hexdigest().upper()
    assert response.headers["ETag"] == f'"{etag}"'
    assert response.headers["x-oss-hash-crc64ecma"]
    got = bucket.get_object("user/a.txt")
    assert got.read() == b"hello form"
    assert got.headers["x-oss-meta-owner"] == "alice"
    assert got.headers["Content-Type"] == "text/markdown"


def test_v4_post_object(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _v4_fields(live_server, [{"bucket": bucket.bucket_name}], key="v4.txt")
    response = _post(live_server, bucket.bucket_name, fields, b"v4 body")
    assert response.status_code == 204, response.text
    assert bucket.get_object("v4.txt").read() == b"v4 body"


def test_v4_wrong_signature(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _v4_fields(live_server, [], key="bad.txt")
    fields["x-oss-signature"] = "0" * 64
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 403
    assert _error(response)[0] == "SignatureDoesNotMatch"


def test_field_names_are_case_insensitive(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    policy = _policy([])
    fields = {
        "ossaccesskeyid": live_server.access_key_id,
        "POLICY": policy,
        "signature": sign_post_policy_v1(policy, live_server.access_key_secret),
        "Key": "case.txt",
    }
    assert _post(live_server, bucket.bucket_name, fields).status_code == 204


def test_large_file_streams(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    data = bytes(range(256)) * 40_000  # ~10 MB, crosses many chunks
    fields = _root_v1(live_server, [], key="big.bin")
    assert _post(live_server, bucket.bucket_name, fields, data).status_code == 204
    assert bucket.get_object("big.bin").read() == data


def test_201_returns_post_response(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [], key="k201.txt", success_action_status="201")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 201
    assert "<PostResponse>" in response.text
    assert f"<Bucket>{bucket.bucket_name}</Bucket>" in response.text
    assert "<Key>k201.txt</Key>" in response.text
    assert "<ETag>" in response.text


def test_200_status(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [], key="k200.txt", success_action_status="200")
    assert _post(live_server, bucket.bucket_name, fields).status_code == 200


def test_redirect(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    target = "http://example.com/done"
    fields = _root_v1(
        live_server,
        [{"success_action_redirect": target}],
        key="r.txt",
        success_action_redirect=target,
    )
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(target + "?")
    assert f"bucket={bucket.bucket_name}" in location and "key=r.txt" in location
    assert "etag=" in location


@pytest.mark.parametrize(
    ("condition", "key"),
    [
        (["starts-with", "$key", "user/"], "other/x.txt"),
        (["eq", "$key", "exact.txt"], "wrong.txt"),
        ({"key": "exact.txt"}, "wrong.txt"),
        ({"bucket": "some-other-bucket"}, "x.txt"),
        (["eq", "$x-oss-meta-tag", "yes"], "x.txt"),
    ],
)
def test_failed_condition(
    live_server: LiveServer, bucket: oss2.Bucket, condition: Any, key: str
) -> None:
    fields = _root_v1(live_server, [condition], key=key)
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 403
    code, message = _error(response)
    assert code == "AccessDenied"
    expected = "Invalid according to Policy: Policy Condition failed: " + json.dumps(condition)
    assert message == expected
    assert not bucket.object_exists(key)


def test_expired_policy(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    policy = _policy([], expires_in=timedelta(seconds=-5))
    fields = _v1_fields(live_server.access_key_id, live_server.access_key_secret, policy, key="e")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 403
    assert _error(response) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_content_length_range(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [["content-length-range", 5, 20]], key="range.txt")
    assert _post(live_server, bucket.bucket_name, fields, b"x" * 10).status_code == 204
    too_big = _post(live_server, bucket.bucket_name, fields, b"x" * 21)
    assert too_big.status_code == 400 and _error(too_big)[0] == "EntityTooLarge"
    too_small = _post(live_server, bucket.bucket_name, fields, b"x" * 4)
    assert too_small.status_code == 400 and _error(too_small)[0] == "EntityTooSmall"
    assert bucket.get_object("range.txt").read() == b"x" * 10


def test_malformed_policy(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    policy = base64.b64encode(b"{not json").decode()
    fields = _v1_fields(live_server.access_key_id, live_server.access_key_secret, policy, key="m")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 400
    code, message = _error(response)
    assert code == "InvalidPolicyDocument" and message.startswith("Invalid Policy: Invalid JSON:")


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("OSSAccessKeyId", "Post request accessKeyId is empty."),
        ("Signature", "Post request signature is empty."),
    ],
)
def test_missing_signature_fields(
    live_server: LiveServer, bucket: oss2.Bucket, missing: str, message: str
) -> None:
    fields = _root_v1(live_server, [], key="missing.txt")
    del fields[missing]
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 400
    assert _error(response) == ("InvalidArgument", message)


def test_anonymous_only_on_public_read_write(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    response = _post(live_server, bucket.bucket_name, {"key": "anon.txt"})
    assert response.status_code == 403 and _error(response)[0] == "AccessDenied"
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    response = _post(live_server, bucket.bucket_name, {"key": "anon.txt"})
    assert response.status_code == 204, response.text
    assert bucket.get_object("anon.txt").read() == b"hello form"


def test_missing_file_field(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [], key="nofile.txt")
    response = httpx.post(
        f"{live_server.endpoint}/{bucket.bucket_name}",
        files={**{k: (None, v) for k, v in fields.items()}},
    )
    assert response.status_code == 400
    assert _error(response)[0] == "IncorrectNumberOfFilesInPOSTRequest"


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    return make_world(live_server)


def test_sts_token_form(world: World) -> None:
    creds = world.assume()
    server = world.server
    policy = _policy([["starts-with", "$key", "allowed/"]])
    fields = _v1_fields(
        creds["AccessKeyId"],
        creds["AccessKeySecret"],
        policy,
        key="allowed/sts.txt",
        **{"x-oss-security-token": creds["SecurityToken"]},
    )
    assert _post(server, world.bucket, fields).status_code == 204
    # the role's policies still decide: no PutObject on the other bucket
    denied = _post(server, world.other_bucket, {**fields, "key": "allowed/sts.txt"})
    assert denied.status_code == 403 and _error(denied)[0] == "AccessDenied"
    # without its token an STS AccessKey is refused
    del fields["x-oss-security-token"]
    refused = _post(server, world.bucket, fields)
    assert refused.status_code == 403
    assert _error(refused)[0] == "InvalidAccessKeyId"


def test_virtual_host_post_to_root(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [{"bucket": bucket.bucket_name}], key="vh.txt")
    response = httpx.post(
        f"{live_server.endpoint}/",
        headers={"Host": f"{bucket.bucket_name}.localhost:{live_server.port}"},
        data=fields,
        files={"file": ("vh.txt", b"virtual", "text/plain")},
        timeout=10,
    )
    assert response.status_code == 204, response.text
    assert bucket.get_object("vh.txt").read() == b"virtual"


def test_header_signature_is_not_checked(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _root_v1(live_server, [], key="hdr.txt")
    response = httpx.post(
        f"{live_server.endpoint}/{bucket.bucket_name}",
        headers={"Authorization": "OSS nobody:bogus"},
        data=fields,
        files={"file": ("hdr.txt", b"form wins", "text/plain")},
        timeout=10,
    )
    assert response.status_code == 204, response.text


# --- fields the policy does not name; the V4 form's dates ----------------------------------


def _v4_form(
    server: LiveServer,
    conditions: list[Any],
    *,
    unnamed: str | None = None,
    x_oss_date: str | None = None,
    expires_in: timedelta = timedelta(minutes=10),
    **extra: str,
) -> dict[str, str]:
    """A V4 form whose policy names its signature fields, except `unnamed`."""
    now = datetime.now(UTC)
    date = now.strftime("%Y%m%d")
    signed = {
        "x-oss-signature-version": "OSS4-HMAC-SHA256",
        "x-oss-credential": f"{server.access_key_id}/{date}/{server.region}/oss/aliyun_v4_request",
        "x-oss-date": x_oss_date or now.strftime("%Y%m%dT%H%M%SZ"),
    }
    named = [{k: v} for k, v in signed.items() if k != unnamed]
    policy = _policy([*conditions, *named], expires_in)
    signature = sign_post_policy_v4(
        policy, server.access_key_secret, date=date, region=server.region
    )
    return {**signed, "policy": policy, "x-oss-signature": signature, **extra}


@pytest.mark.parametrize("unnamed", ["x-oss-signature-version", "x-oss-credential", "x-oss-date"])
def test_v4_signature_field_outside_the_policy(
    live_server: LiveServer, bucket: oss2.Bucket, unnamed: str
) -> None:
    fields = _v4_form(live_server, [], unnamed=unnamed, key="extra.txt")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 403
    assert _error(response) == (
        "AccessDenied",
        f"Invalid according to Policy: Extra input fields: {unnamed}",
    )
    assert "<EC>0006-00000228</EC>" in response.text
    assert not bucket.object_exists("extra.txt")


def test_v4_signature_field_named_by_starts_with_is_covered(
    live_server: LiveServer, bucket: oss2.Bucket
) -> None:
    fields = _v4_form(
        live_server, [["starts-with", "$x-oss-date", "20"]], unnamed="x-oss-date", key="sw.txt"
    )
    assert _post(live_server, bucket.bucket_name, fields).status_code == 204


def test_other_fields_need_no_condition(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    """OSS's own PostObject example: x-oss-meta-*, Content-Disposition and
    success_action_status in the form, none of them in the policy."""
    extra = {
        "success_action_status": "200",
        "Content-Disposition": "attachment",
        "x-oss-meta-uuid": "uuid",
        "x-oss-meta-tag": "metadata",
    }
    v1 = _root_v1(live_server, [{"bucket": bucket.bucket_name}], key="v1.txt", **extra)
    assert _post(live_server, bucket.bucket_name, v1).status_code == 200
    v4 = _v4_form(live_server, [], key="v4.txt", **extra)
    assert _post(live_server, bucket.bucket_name, v4).status_code == 200
    meta = bucket.head_object("v4.txt").headers
    assert (meta["x-oss-meta-uuid"], meta["Content-Disposition"]) == ("uuid", "attachment")


def test_in_and_not_in_conditions(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    conditions = [
        ["in", "$content-type", ["image/jpg", "image/png"]],
        ["not-in", "$cache-control", ["no-cache"]],
    ]
    ok = _root_v1(live_server, conditions, key="ok.png", **{"Content-Type": "image/png"})
    assert _post(live_server, bucket.bucket_name, ok).status_code == 204
    for bad in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "image/png", "Cache-Control": "no-cache"},
    ):
        fields = _root_v1(live_server, conditions, key="bad.png", **bad)
        response = _post(live_server, bucket.bucket_name, fields)
        assert response.status_code == 403
        assert _error(response)[1].startswith(
            "Invalid according to Policy: Policy Condition failed:"
        )
        assert "<EC>0006-00000227</EC>" in response.text
    assert not bucket.object_exists("bad.png")


def test_v4_date_must_fall_on_the_credential_date(
    live_server: LiveServer, bucket: oss2.Bucket
) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    fields = _v4_form(live_server, [], x_oss_date=yesterday, key="date.txt")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 400
    assert _error(response) == (
        "InvalidArgument",
        "Invalid credential date. Date is not the same as x-oss-date.",
    )
    malformed = _v4_form(live_server, [], x_oss_date="not-a-date", key="date.txt")
    response = _post(live_server, bucket.bucket_name, malformed)
    assert (response.status_code, _error(response)[0]) == (403, "AccessDenied")
    missing = _v4_form(live_server, [], key="date.txt")
    del missing["x-oss-date"]
    response = _post(live_server, bucket.bucket_name, missing)
    assert (response.status_code, _error(response)[0]) == (400, "InvalidArgument")
    assert not bucket.object_exists("date.txt")


def test_v4_expired_policy(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    fields = _v4_form(live_server, [], expires_in=timedelta(seconds=-1), key="late.txt")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 403
    assert _error(response) == ("AccessDenied", "Invalid according to Policy: Policy expired.")
    assert not bucket.object_exists("late.txt")


def test_traffic_limit_field_paces_the_upload(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    limit, data = 8 * 1024 * 1024, bytes(range(256)) * 6144  # 1.5 MiB at 1 MiB/s: 1.5 s
    fields = _root_v1(live_server, [], key="slow.bin", **{"x-oss-traffic-limit": str(limit)})
    start = time.monotonic()
    response = _post(live_server, bucket.bucket_name, fields, data)
    elapsed = time.monotonic() - start
    assert response.status_code == 204, response.text
    expected = len(data) * 8 / limit
    assert abs(elapsed - expected) <= 0.15 * expected, (elapsed, expected)
    assert bucket.get_object("slow.bin").read() == data
    fields = _root_v1(live_server, [], key="bad.bin", **{"x-oss-traffic-limit": "100"})
    response = _post(live_server, bucket.bucket_name, fields)
    assert (response.status_code, _error(response)[0]) == (400, "InvalidArgument")
    assert not bucket.object_exists("bad.bin")


@pytest.mark.parametrize(
    ("conditions", "code"),
    [
        ([["eq"]], "InvalidPolicyDocument"),
        ([["content-length-range", "a", 1]], "InvalidPolicyDocument"),
        ([["content-length-range", 1.5, 2]], "InvalidPolicyDocument"),
        ([["in", "$key", "not-a-list"]], "InvalidPolicyDocument"),
        ([["starts-with", "$key", 5]], "InvalidPolicyDocument"),
        ([[1, "$key", "x"]], "InvalidPolicyDocument"),
        ([{"key": {"nested": [1]}}], "AccessDenied"),
        ("not-a-list", "InvalidPolicyDocument"),
    ],
)
def test_odd_policies_are_policy_errors(
    live_server: LiveServer, bucket: oss2.Bucket, conditions: Any, code: str
) -> None:
    fields = _root_v1(live_server, conditions, key="odd")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code in (400, 403), response.text
    assert _error(response)[0] == code


def test_deeply_nested_policy_is_invalid_json(live_server: LiveServer, bucket: oss2.Bucket) -> None:
    expiration = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    nested = "[" * 50000 + "]" * 50000
    document = f'{{"expiration": "{expiration}", "conditions": {nested}}}'
    policy = base64.b64encode(document.encode()).decode()
    fields = _v1_fields(live_server.access_key_id, live_server.access_key_secret, policy, key="d")
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 400, response.text
    assert _error(response)[0] == "InvalidPolicyDocument"


@pytest.mark.parametrize("limit", ["abc", "-1", "²", "9" * 5000, "819199", " "])
def test_garbage_traffic_limit_field(
    live_server: LiveServer, bucket: oss2.Bucket, limit: str
) -> None:
    fields = _root_v1(live_server, [], key="tl", **{"x-oss-traffic-limit": limit})
    response = _post(live_server, bucket.bucket_name, fields)
    assert response.status_code == 400, response.text
    assert _error(response)[0] == "InvalidArgument"
