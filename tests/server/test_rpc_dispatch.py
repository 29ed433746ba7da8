"""The RPC front door: routing by path and Action, authentication, JSON/XML errors."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from ossbox.server.rpc.nonces import NonceCache
from ossbox.signing.rpc import sign_rpc
from tests.conftest import LiveServer
from tests.suites.asgi import call_once


def signed_params(
    server: LiveServer, action: str, secret: str | None = None, version: str = "2015-05-01"
) -> dict[str, str]:
    params = {"Action": action, "Version": version, "Format": "JSON"}
    return sign_rpc(
        "GET",
        params,
        access_key_id=server.access_key_id,
        access_key_secret=secret or server.access_key_secret,
        now=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )


def test_unknown_action_is_a_json_error(live_server: LiveServer) -> None:
    response = httpx.get(live_server.endpoint + "/", params=signed_params(live_server, "Nope"))
    body = response.json()
    assert response.status_code == 404
    assert body["Code"] == "InvalidAction.NotFound"
    assert set(body) >= {"RequestId", "HostId", "Code", "Message"}


def test_replayed_nonce_is_refused(live_server: LiveServer) -> None:
    params = signed_params(live_server, "GetCallerIdentity", version="2015-04-01")
    httpx.get(live_server.endpoint + "/", params=params)
    again = httpx.get(live_server.endpoint + "/", params=params)
    assert again.json()["Code"] == "SignatureNonceUsed"


def test_wrong_secret_gets_signature_does_not_match_sdk_core_can_parse(
    live_server: LiveServer,
) -> None:
    client = AcsClient(live_server.access_key_id, "wrong-secret", live_server.region)
    request = CommonRequest(domain=f"127.0.0.1:{live_server.port}", version="2015-04-01")
    request.set_action_name("GetCallerIdentity")
    request.set_protocol_type("http")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert caught.value.get_error_code() == "SignatureDoesNotMatch"
    assert "server string to sign is:" in caught.value.get_error_msg()


def test_unknown_access_key_and_xml_format(live_server: LiveServer) -> None:
    params = signed_params(live_server, "GetCallerIdentity", version="2015-04-01")
    params["AccessKeyId"] = "LTAInobody"
    params["Format"] = "XML"
    response = httpx.get(live_server.endpoint + "/", params=params)
    assert response.status_code == 404
    assert b"<Code>InvalidAccessKeyId.NotFound</Code>" in response.content


def test_unsigned_call_needs_an_access_key(live_server: LiveServer) -> None:
    response = httpx.get(
        live_server.endpoint + "/", params={"Action": "GetCallerIdentity", "Version": "2015-04-01"}
    )
    assert json.loads(response.content)["Code"] == "MissingParameter"


def test_nonce_cache_forgets_after_ttl() -> None:
    cache = NonceCache(ttl=10)
    assert cache.first_use("ak", "n", now=0)
    assert not cache.first_use("ak", "n", now=5)
    assert cache.first_use("other", "n", now=5)
    assert cache.first_use("ak", "n", now=11)


def test_get_caller_identity_through_sdk_core(live_server: LiveServer) -> None:
    client = AcsClient(live_server.access_key_id, live_server.access_key_secret, "cn-hangzhou")
    request = CommonRequest(domain=f"127.0.0.1:{live_server.port}", version="2015-04-01")
    request.set_action_name("GetCallerIdentity")
    request.set_protocol_type("http")
    body = json.loads(client.do_action_with_exception(request))
    assert body["AccountId"] == live_server.account_id
    assert body["IdentityType"] == "Account"
    assert body["Arn"] == f"acs:ram::{live_server.account_id}:root"
    assert body["RequestId"]


def test_an_unexpected_failure_is_an_rpc_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from urllib.parse import urlencode

    from ossbox.server.bootstrap import open_server
    from ossbox.server.config import ServerConfig
    from ossbox.server.kms import api as kms
    from ossbox.server.rpc.dispatch import RpcAction, RpcContext

    async def boom(rpc: RpcContext) -> dict[str, object]:
        raise RuntimeError("a bug")

    monkeypatch.setitem(kms.ACTIONS, "ListSecrets", RpcAction(boom))
    env = {
        "OSSBOX_ACCOUNT_ID": "1234567890123456",
        "OSSBOX_ROOT_ACCESS_KEY_ID": "LTAIdispatchroot01",
        "OSSBOX_ROOT_ACCESS_KEY_SECRET": "dispatch-root-secret",
    }
    app = open_server(ServerConfig(data_dir=tmp_path), env)
    params = sign_rpc(
        "GET",
        {"Action": "ListSecrets", "Version": "2016-01-20", "Format": "JSON"},
        access_key_id=env["OSSBOX_ROOT_ACCESS_KEY_ID"],
        access_key_secret=env["OSSBOX_ROOT_ACCESS_KEY_SECRET"],
        now=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
    )
    try:
        answer = call_once(app, "GET", "/?" + urlencode(params), [("Host", "127.0.0.1")])
    finally:
        app.store.close()
    assert answer.status == 500
    body = json.loads(answer.body)
    assert body["Code"] == "InternalError"
    assert set(body) >= {"RequestId", "HostId", "Code", "Message"}
    assert "a bug" not in json.dumps(body)
    assert "a bug" in caplog.text  # logged for the operator, not sent to the caller
