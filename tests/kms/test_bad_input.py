"""Malformed KMS and ActionTrail calls get an RPC error in the RPC error shape: never a 500,
a hang or a stack trace."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.signing.rpc import sign_rpc, sign_rpc_rsa
from tests.conftest import LiveServer
from tests.kms.world import create_client_key, create_user_secret, kms_call

ACTIONTRAIL_VERSION = "2020-07-06"
_DEEP = base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode()


def assert_rpc_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["Code"] == code, body
    assert set(body) >= {"RequestId", "HostId", "Code", "Message"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"LookupAttribute.01.Key": "EventName", "LookupAttribute.01.Value": "x"}, ""),
        ({"LookupAttribute.1.Key": "EventName"}, ""),
        ({"NextToken": "////"}, "InvalidParameter"),
        ({"NextToken": "WzFd"}, "InvalidParameter"),  # a JSON list
        ({"NextToken": "gA=="}, "InvalidParameter"),  # not UTF-8
        ({"NextToken": _DEEP}, "InvalidParameter"),  # JSON nested too deeply to decode
        ({"MaxResults": "51"}, "InvalidParameter"),
        ({"MaxResults": "-1"}, "InvalidParameter"),
        (
            {"StartTime": "2026-13-01T00:00:00Z", "EndTime": "2026-12-01T00:00:00Z"},
            "InvalidParameter",
        ),
        ({"Direction": "SIDEWAYS"}, "InvalidParameter"),
    ],
)
def test_lookup_events_bad_parameters(
    live_server: LiveServer, params: dict[str, str], code: str
) -> None:
    response = kms_call(live_server, "LookupEvents", params, version=ACTIONTRAIL_VERSION)
    if code:
        assert_rpc_error(response, 400, code)
    else:
        assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def secret(live_server: LiveServer) -> str:
    return create_user_secret(live_server, "0")[1]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"PageSize": "abc"}, 400, "InvalidParameter"),
        ({"PageSize": "0"}, 400, "InvalidParameter"),
        ({"PageSize": "101"}, 400, "InvalidParameter"),
        ({"PageSize": "²"}, 400, "InvalidParameter"),
        ({"PageNumber": "0"}, 400, "InvalidParameter"),
        ({"PageNumber": "9" * 400}, 400, "InvalidParameter"),
    ],
)
def test_list_secrets_bad_paging(
    live_server: LiveServer, params: dict[str, str], status: int, code: str
) -> None:
    assert_rpc_error(kms_call(live_server, "ListSecrets", params), status, code)


def test_list_secrets_pages(live_server: LiveServer) -> None:
    for _ in range(3):
        create_user_secret(live_server, "0", oss=False)
    whole = kms_call(live_server, "ListSecrets", {"PageSize": "100"}).json()
    names = [s["SecretName"] for s in whole["SecretList"]["Secret"]]
    assert whole["TotalCount"] == len(names) >= 3
    seen = []
    for number in range(1, len(names) // 2 + 2):
        page = kms_call(
            live_server, "ListSecrets", {"PageSize": "2", "PageNumber": str(number)}
        ).json()
        assert (page["PageNumber"], page["PageSize"]) == (number, 2)
        assert page["TotalCount"] == len(names)
        seen += [s["SecretName"] for s in page["SecretList"]["Secret"]]
    assert seen == names
    default = kms_call(live_server, "ListSecrets", {}).json()
    assert default["PageSize"] == 10
    assert len(default["SecretList"]["Secret"]) == min(10, len(names))


def test_get_secret_value_by_version_id(live_server: LiveServer, secret: str) -> None:
    current = kms_call(live_server, "GetSecretValue", {"SecretName": secret}).json()
    by_id = kms_call(
        live_server, "GetSecretValue", {"SecretName": secret, "VersionId": current["VersionId"]}
    )
    assert by_id.status_code == 200, by_id.text
    assert by_id.json()["SecretData"] == current["SecretData"]
    unknown = {"SecretName": secret, "VersionId": "no-such-version"}
    assert_rpc_error(
        kms_call(live_server, "GetSecretValue", unknown), 404, "Forbidden.ResourceNotFound"
    )


def test_rotate_secret_refuses_a_version_id_the_secret_holds(
    live_server: LiveServer, secret: str
) -> None:
    first = kms_call(live_server, "RotateSecret", {"SecretName": secret, "VersionId": "v-a"})
    assert first.status_code == 200, first.text
    second = kms_call(live_server, "RotateSecret", {"SecretName": secret, "VersionId": "v-b"})
    assert second.status_code == 200, second.text
    # v-a is now ACSPrevious: reusing it would give two versions one id
    again = kms_call(live_server, "RotateSecret", {"SecretName": secret, "VersionId": "v-a"})
    assert_rpc_error(again, 409, "Rejected.ResourceExist")


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
_value = st.one_of(
    _text,
    st.sampled_from(
        [
            *("", "0", "-1", "²", "9" * 5000, "true", "ACSPrevious", "acs:kms:x:y:secret/"),
            *("SHA256withRSA", "PRIVATEKEY", "HMAC-SHA1", "KAAP.00000000-0000-0000-0000-0"),
        ]
    ),
    st.integers().map(str),
)
_KMS_PARAMS = [
    "SecretName",
    "VersionStage",
    "VersionId",
    "FetchExtendedConfig",
    "PageSize",
    "PageNumber",
    "Filters",
]
_TRAIL_PARAMS = [
    "StartTime",
    "EndTime",
    "MaxResults",
    "NextToken",
    "Direction",
    "LookupAttribute.1.Key",
    "LookupAttribute.1.Value",
    "LookupAttribute.01.Key",
    "LookupAttribute.999999999.Key",
    "LookupAttribute.2.Value",
]
_SIGNING = [
    "SignatureMethod",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Signature",
    "AccessKeyId",
]
_CALLS = st.one_of(
    st.tuples(
        st.sampled_from(["GetSecretValue", "DescribeSecret", "RotateSecret", "ListSecrets"]),
        st.just("2016-01-20"),
        st.dictionaries(st.sampled_from(_KMS_PARAMS), _value, max_size=4),
    ),
    st.tuples(
        st.just("LookupEvents"),
        st.just(ACTIONTRAIL_VERSION),
        st.dictionaries(st.sampled_from(_TRAIL_PARAMS), _value, max_size=4),
    ),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    call=_CALLS,
    overrides=st.dictionaries(st.sampled_from(_SIGNING), _value, max_size=3),
    method=st.sampled_from(["GET", "POST"]),
)
def test_fuzzed_kms_and_actiontrail_calls_never_get_a_server_error(
    live_server: LiveServer,
    call: tuple[str, str, dict[str, str]],
    overrides: dict[str, str],
    method: str,
) -> None:
    action, version, params = call
    base = {"Action": action, "Version": version, "Format": "JSON", **params}
    signed = sign_rpc(
        method,
        base,
        access_key_id=live_server.access_key_id,
        access_key_secret=live_server.access_key_secret,
        now=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )
    signed.update(overrides)  # a signing field replaced: the call must still fail cleanly
    try:
        if method == "GET":
            response = httpx.get(live_server.endpoint + "/", params=signed, timeout=10)
        else:
            response = httpx.post(live_server.endpoint + "/", data=signed, timeout=10)
    except (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeEncodeError):
        return  # httpx itself refuses to send it: nothing reached the server
    assert response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    if response.status_code >= 400:
        assert set(body) >= {"RequestId", "HostId", "Code", "Message"}, body
        assert "Traceback" not in body["Message"]
    else:
        assert body["RequestId"]


@pytest.mark.parametrize("signature", ["AAAA", "not base64!", "QUJD" * 200])
def test_garbage_rsa_signature_from_a_real_client_key(
    live_server: LiveServer, tmp_path: Path, secret: str, signature: str
) -> None:
    key = create_client_key(live_server, tmp_path, "--allow-secret", secret).load()
    base = {"Action": "DescribeSecret", "Version": "2016-01-20", "SecretName": secret}
    signed = sign_rpc_rsa(
        "GET",
        {**base, "Format": "JSON"},
        key_id=key.key_id,
        private_key=key.private_key,
        now=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )
    signed["Signature"] = signature
    response = httpx.get(live_server.endpoint + "/", params=signed, timeout=10)
    assert_rpc_error(response, 400, "SignatureDoesNotMatch")
    # the same key id under HMAC: not an AccessKey
    signed.update(SignatureMethod="HMAC-SHA1", Signature="c2ln")
    response = httpx.get(live_server.endpoint + "/", params=signed, timeout=10)
    assert_rpc_error(response, 404, "InvalidAccessKeyId.NotFound")


def test_network_rules_see_ipv4_mapped_peers_as_ipv4() -> None:
    from ossbox.server.kms.authorize import _network_allows

    assert _network_allows("::ffff:10.1.2.3", ("10.1.0.0/16",))
    assert not _network_allows("::ffff:10.2.2.3", ("10.1.0.0/16",))
    assert not _network_allows("not-an-address", ("0.0.0.0/0",))
