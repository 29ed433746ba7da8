"""The secrets suite on a representative live flow: a server logging at debug level with the
JSON access log, RAM and STS credentials created through the API, and every kind of refusal
(bad signature, tampered or expired signed URL, bad or expired token, wrong RPC signature).
None of the secrets may appear in the server log, the audit trail, the metrics snapshots or
any error body; and the scan must catch each one when it is deliberately written there.
(tests/conftest.py runs the same scan over every server of the whole test session.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import oss2
import pytest
import requests
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient

from ossbox.store.crypto import MasterKey
from tests.compat.sts_world import World, make_world, rpc, sts_client
from tests.conftest import LiveServer
from tests.secrets_scan import artifacts, leaked_tokens, scan, server_secrets

pytestmark = pytest.mark.compat


@dataclass
class Flow:
    server: LiveServer
    world: World
    secrets: dict[str, str] = field(default_factory=dict)
    error_bodies: dict[str, str] = field(default_factory=dict)

    def texts(self) -> dict[str, str]:
        log = self.server.log_file
        return {**artifacts(self.server.data_dir, [log]), **self.error_bodies}

    def all_secrets(self) -> dict[str, str]:
        return {
            **server_secrets(self.server.data_dir, self.server.access_key_secret),
            **self.secrets,
        }


def _body(flow: Flow, name: str, response: requests.Response) -> None:
    assert response.status_code >= 400, name
    flow.error_bodies[f"error body: {name}"] = response.text + json.dumps(dict(response.headers))


def _sts_bucket(flow: Flow, creds: dict[str, str], secret: str | None = None) -> oss2.Bucket:
    auth = oss2.StsAuth(
        creds["AccessKeyId"], secret or creds["AccessKeySecret"], creds["SecurityToken"]
    )
    return oss2.Bucket(auth, flow.server.endpoint, flow.world.bucket)


def _oss_refusals(flow: Flow, creds: dict[str, str]) -> None:
    bucket = _sts_bucket(flow, creds)
    bucket.put_object("secret-flow.txt", b"data")
    url = bucket.sign_url("GET", "secret-flow.txt", 600)
    assert requests.get(url, timeout=10).status_code == 200
    _body(
        flow,
        "tampered signed URL",
        requests.get(url.replace("Signature=", "Signature=AA"), timeout=10),
    )
    head = requests.head(url.replace("Signature=", "Signature=AA"), timeout=10)
    _body(flow, "tampered signed URL (HEAD, x-oss-err)", head)
    wrong = _sts_bucket(flow, creds, secret="not-the-secret")
    signed = wrong.sign_url("GET", "secret-flow.txt", 600)
    _body(flow, "signed URL with a wrong secret", requests.get(signed, timeout=10))
    expired = flow.world.mint(
        issued=datetime.now(UTC) - timedelta(hours=3), lifetime=timedelta(hours=1)
    )
    flow.secrets.update(
        {
            "expired STS secret": expired["AccessKeySecret"],
            "expired STS token": expired["SecurityToken"],
        }
    )
    old = _sts_bucket(flow, expired).sign_url("GET", "secret-flow.txt", 600)
    _body(flow, "signed URL of an expired session", requests.get(old, timeout=10))
    torn = dict(creds, SecurityToken=creds["SecurityToken"][:-8])
    _body(
        flow,
        "truncated token",
        requests.get(_sts_bucket(flow, torn).sign_url("GET", "x", 60), timeout=10),
    )


def _rpc_refusals(flow: Flow, creds: dict[str, str]) -> None:
    server = flow.server
    bad_secret = dict(creds, AccessKeySecret="not-the-secret")
    for name, client in (
        ("RPC call, STS credentials with a wrong secret", sts_client(server, bad_secret)),
        (
            "RPC call, user key with a wrong secret",
            AcsClient(flow.world.access_key_id, "nope", server.region),
        ),
    ):
        with pytest.raises(ServerException) as refused:
            rpc(server, client, "GetCallerIdentity", product="Sts")
        flow.error_bodies[f"error: {name}"] = str(refused.value)
    with pytest.raises(ServerException) as denied:
        rpc(server, sts_client(server, creds), "CreateUser", UserName="not-allowed")
    flow.error_bodies["error: RPC NoPermission"] = str(denied.value)


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    server = LiveServer(
        tmp_path_factory.mktemp("secrets") / "data",
        extra_args=["--access-log", "json", "--log-level", "debug"],
    )
    server.data_dir.mkdir()
    server.start()
    try:
        world = make_world(server)
        flow = Flow(server, world, {"RAM user AccessKey secret": world.access_key_secret})
        creds = world.assume(RoleSessionName="secrets")
        flow.secrets.update(
            {"STS secret": creds["AccessKeySecret"], "STS token": creds["SecurityToken"]}
        )
        _oss_refusals(flow, creds)
        _rpc_refusals(flow, creds)
    finally:
        server.stop()  # flushes the audit trail and the logs
    yield flow


def test_the_flow_left_logs_audit_events_and_error_bodies_to_scan(flow: Flow) -> None:
    texts = flow.texts()
    audit = "".join(t for where, t in texts.items() if where.endswith(".jsonl"))
    assert flow.world.access_key_id in audit  # AccessKeyIds are recorded, secrets are not
    assert "SignatureDoesNotMatch" in audit and "InvalidSecurityToken" in audit
    assert len(flow.error_bodies) >= 8
    assert any("StringToSign" in body for body in flow.error_bodies.values())
    log = next(t for where, t in texts.items() if where.endswith(".log"))
    assert '"action":"sts:AssumeRole"' in log  # the JSON access log is on


def test_no_secret_in_logs_audit_files_or_error_bodies(flow: Flow) -> None:
    texts = flow.texts()
    secrets = flow.all_secrets()
    secrets.update(leaked_tokens(texts, MasterKey.load_or_create(flow.server.data_dir)))
    assert {"master key", "RAM user AccessKey secret", "STS token", "expired STS token"} <= set(
        secrets
    )
    assert any(label.startswith("OIDC private key") for label in secrets)
    assert scan(texts, secrets) == []


@pytest.mark.parametrize(
    "encode", [lambda s: s, lambda s: quote(s, safe="")], ids=["raw", "quoted"]
)
def test_the_scan_catches_each_secret_deliberately_logged(flow: Flow, encode: object) -> None:
    texts = flow.texts()
    secrets = flow.all_secrets()
    log_name = next(where for where in texts if where.endswith(".log"))
    for label, secret in secrets.items():
        leaked = dict(texts)
        leaked[log_name] += f"DEBUG ossbox.server credentials {encode(secret)}\n"  # type: ignore[operator]
        hits = scan(leaked, secrets)
        assert f"{label} in {log_name}" in hits, label
        assert all(hit.endswith(f" in {log_name}") for hit in hits), hits


def test_a_token_nobody_listed_is_still_found_by_the_master_key(flow: Flow) -> None:
    texts = flow.texts()
    fresh = flow.world.mint(issued=datetime.now(UTC), lifetime=timedelta(hours=1))
    audit_file = next(where for where in texts if where.endswith(".jsonl"))
    texts[audit_file] += json.dumps({"securityToken": fresh["SecurityToken"]}) + "\n"
    found = leaked_tokens(texts, MasterKey.load_or_create(flow.server.data_dir))
    assert set(found.values()) == {fresh["SecurityToken"], fresh["AccessKeySecret"]}
    assert scan(texts, found) == [f"SecurityToken of {fresh['AccessKeyId']} in {audit_file}"]
