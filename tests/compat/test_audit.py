"""The audit trail, `ossbox audit [suspicious]`, LookupEvents and metrics against a live server.

One server for the module; a RAM world (user, role, buckets) built through the RAM API. A
second source address is real: the client binds 127.0.0.2 (all of 127/8 is loopback).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import oss2
import pytest
import requests
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from tests.compat.sts_world import World, make_world, policy, root_client, rpc
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

SECOND_SOURCE = "127.0.0.2"


class _SourceAdapter(requests.adapters.HTTPAdapter):
    """Connections from another loopback address."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (SECOND_SOURCE, 0)
        super().init_poolmanager(*args, **kwargs)


def _from_second_source() -> oss2.Session:
    session = oss2.Session()
    session.session.mount("http://", _SourceAdapter())
    return session


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("audit") / "data", extra_args=["--access-log", "json"]
    )
    live.data_dir.mkdir()
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def world(server: LiveServer) -> World:
    return make_world(server)


def _cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ossbox.cli.main", "audit", *args]
    if "suspicious" in args:
        command.insert(command.index("suspicious") + 1, "--data")
        command.insert(command.index("--data") + 1, str(server.data_dir))
    else:
        command += ["--data", str(server.data_dir)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _events(server: LiveServer, *args: str) -> list[dict[str, Any]]:
    time.sleep(0.2)  # past the server's group-commit interval (0.05 s)
    result = _cli(server, *args, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _role_bucket(
    world: World, creds: dict[str, str], *, session: oss2.Session | None = None
) -> oss2.Bucket:
    auth = oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    return oss2.Bucket(auth, world.server.endpoint, world.bucket, session=session)


def test_allowed_and_denied_requests_name_the_deciding_policy(world: World) -> None:
    creds = world.assume(RoleSessionName="audited")
    bucket = _role_bucket(world, creds)
    bucket.put_object("audited.txt", b"x" * 100)
    assert bucket.get_object("audited.txt").read() == b"x" * 100
    other = oss2.Bucket(bucket.auth, world.server.endpoint, world.other_bucket)
    with pytest.raises(oss2.exceptions.AccessDenied):
        other.put_object("nope", b"")

    events = _events(world.server, "--access-key-id", creds["AccessKeyId"])
    put, get, denied = (e for e in events if e["action"] in ("oss:PutObject", "oss:GetObject"))
    assert put["decision"] == "allow" and put["bytesIn"] == 100
    assert put["principalType"] == "assumed-role"
    assert put["principalArn"].endswith(f":assumed-role/{world.role}/audited")
    assert put["resource"].endswith(f":{world.bucket}/audited.txt")
    assert any(p.startswith("identity:RamTestPolicy-") for p in put["policy"])
    assert put["policy"] and "Allowed" in put["reason"]
    assert get["bytesOut"] == 100 and get["status"] == 200 and get["latencyMs"] > 0
    assert denied["decision"] == "deny" and denied["errorCode"] == "AccessDenied"
    assert denied["status"] == 403 and denied["resource"].endswith(f":{world.other_bucket}/nope")
    assert "no RAM policy or bucket policy allows it" in denied["reason"]
    assert events[0]["action"] != ""  # AssumeRole is not here: it used the user's key
    assume = _events(world.server, "--action", "sts:AssumeRole", "--principal", world.user)
    assert assume and assume[-1]["resource"] == world.role_arn
    assert assume[-1]["decision"] == "allow" and assume[-1]["accessKeyId"] == world.access_key_id


def test_ram_calls_and_failed_authentications_are_recorded(world: World) -> None:
    server = world.server
    rpc(server, root_client(server), "CreateGroup", GroupName="audited-group")
    bogus = AcsClient("LTAI5tNoSuchKey000000", "whatever", server.region)
    with pytest.raises(ServerException) as refused:
        rpc(server, bogus, "ListUsers")
    assert refused.value.get_error_code() == "InvalidAccessKeyId.NotFound"
    wrong = AcsClient(world.access_key_id, "not-the-secret", server.region)
    with pytest.raises(ServerException):
        rpc(server, wrong, "ListUsers")

    created = _events(server, "--action", "ram:CreateGroup")[-1]
    assert created["principalType"] == "root" and created["decision"] == "allow"
    assert created["resource"] == f"acs:ram::{server.account_id}:group/audited-group".replace(
        "acs:ram::", "acs:ram:*:"
    )
    unknown = _events(server, "--access-key-id", "LTAI5tNoSuchKey000000")[-1]
    assert unknown["authFailure"] == "InvalidAccessKeyId.NotFound"
    assert unknown["action"] == "ram:ListUsers" and unknown["principalArn"] == ""
    bad = _events(server, "--code", "SignatureDoesNotMatch", "--principal", world.user)[-1]
    assert bad["accessKeyId"] == world.access_key_id and bad["authFailure"]


def test_cli_filters_by_principal_action_and_time(world: World) -> None:
    server = world.server
    rpc(server, root_client(server), "GetUser", UserName=world.user)
    assert all(e["action"].startswith("ram:Get") for e in _events(server, "--action", "ram:Get*"))
    assert _events(server, "--action", "ram:GetUser", "--since", "1h")
    assert not _events(server, "--action", "ram:GetUser", "--until=-1h")
    assert not _events(server, "--principal", "nobody-at-all")
    table = _cli(server, "--action", "ram:GetUser")
    assert "ram:GetUser" in table.stdout and "allow" in table.stdout


def test_new_source_ip_and_signature_failure_burst_are_suspicious(world: World) -> None:
    server = world.server
    auth = oss2.Auth(world.access_key_id, world.access_key_secret)
    service = oss2.Service(auth, server.endpoint)
    with pytest.raises(oss2.exceptions.AccessDenied):
        service.list_buckets()  # a successful authentication (then refused): the baseline IP
    moved = oss2.Service(auth, server.endpoint, session=_from_second_source())
    with pytest.raises(oss2.exceptions.AccessDenied):
        moved.list_buckets()
    guessed = oss2.Bucket(oss2.Auth(world.access_key_id, "guessed"), server.endpoint, world.bucket)
    for _ in range(20):
        with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
            guessed.get_object("audited.txt")
    time.sleep(0.2)

    result = _cli(server, "suspicious", "--json")
    assert result.returncode == 1, result.stderr
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    new_ip = [f for f in findings if f["kind"] == "new-source-ip"]
    assert [(f["accessKeyId"], f["sourceIp"]) for f in new_ip] == [
        (world.access_key_id, SECOND_SOURCE)
    ]
    assert new_ip[0]["knownIps"] == ["127.0.0.1"]
    bursts = [f for f in findings if f["kind"] == "auth-failure-burst"]
    by_key = [f for f in bursts if f["by"] == "accessKeyId" and f["value"] == world.access_key_id]
    assert len(by_key) == 1 and by_key[0]["count"] >= 20
    assert by_key[0]["codes"]["SignatureDoesNotMatch"] >= 20
    text = _cli(server, "suspicious", "--since", "1h")
    assert "new-source-ip" in text.stdout and "auth-failure-burst" in text.stdout
    quiet = _cli(server, "suspicious", "--burst-threshold", "1000", "--until=-1h")
    assert quiet.returncode == 0 and quiet.stdout == ""


def _lookup(server: LiveServer, client: AcsClient, **params: str) -> dict[str, Any]:
    request = CommonRequest(product="Actiontrail", version="2020-07-06", action_name="LookupEvents")
    request.set_domain(f"127.0.0.1:{server.port}")
    request.set_protocol_type("http")
    request.set_method("POST")
    request.set_accept_format("JSON")
    for name, value in params.items():
        request.add_query_param(name, value)
    result: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return result


def test_lookup_events_filters_pages_and_is_authorized(world: World) -> None:
    server = world.server
    root = root_client(server)
    rpc(server, root, "GetUser", UserName=world.user)
    for _ in range(3):
        rpc(server, world.user_client(), "GetCallerIdentity", product="Sts")
    found = _lookup(
        server,
        root,
        **{"LookupAttribute.1.Key": "EventName", "LookupAttribute.1.Value": "GetUser"},
    )
    event = found["Events"][0]
    assert event["eventName"] == "GetUser" and event["serviceName"] == "Ram"
    assert event["userIdentity"]["accessKeyId"] == server.access_key_id
    assert event["userIdentity"]["type"] == "root-account"
    assert event["eventRW"] == "Read" and event["sourceIpAddress"] == "127.0.0.1"
    assert "StartTime" in found and "EndTime" in found

    by_key = {
        "LookupAttribute.1.Key": "EventAccessKeyId",
        "LookupAttribute.1.Value": world.access_key_id,
    }
    first = _lookup(server, root, MaxResults="2", **by_key)
    assert len(first["Events"]) == 2 and first["NextToken"]
    second = _lookup(server, root, MaxResults="2", NextToken=first["NextToken"], **by_key)
    assert {e["eventId"] for e in first["Events"]}.isdisjoint(
        e["eventId"] for e in second["Events"]
    )
    assert all(e["userIdentity"]["accessKeyId"] == world.access_key_id for e in second["Events"])
    with pytest.raises(ServerException) as changed:
        _lookup(server, root, MaxResults="3", NextToken=first["NextToken"], **by_key)
    assert changed.value.get_error_code() == "InvalidParameter"

    with pytest.raises(ServerException) as refused:
        _lookup(server, world.user_client())
    assert refused.value.get_error_code() == "NoPermission"
    name = "AuditReader"
    document = policy({"Effect": "Allow", "Action": "actiontrail:LookupEvents", "Resource": "*"})
    rpc(server, root, "CreatePolicy", PolicyName=name, PolicyDocument=document)
    rpc(
        server,
        root,
        "AttachPolicyToUser",
        PolicyType="Custom",
        PolicyName=name,
        UserName=world.user,
    )
    assert _lookup(server, world.user_client())["Events"]


def test_lookup_events_rejects_bad_parameters(world: World) -> None:
    root = root_client(world.server)
    for params in (
        {"StartTime": "yesterday", "EndTime": "2030-01-01T00:00:00Z"},
        {"StartTime": "2030-01-01T00:00:00Z"},
        {"MaxResults": "51"},
        {"LookupAttribute.1.Key": "Password", "LookupAttribute.1.Value": "x"},
        {"NextToken": "garbage"},
    ):
        with pytest.raises(ServerException) as refused:
            _lookup(world.server, root, **params)
        assert refused.value.get_error_code() == "InvalidParameter", params


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_metrics_count_requests_failures_and_sts_credentials(world: World) -> None:
    world.assume(RoleSessionName="metered")
    guessed = oss2.Bucket(
        oss2.Auth(world.access_key_id, "guessed"), world.server.endpoint, world.bucket
    )
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        guessed.get_object("k")
    status, text = _get(f"{world.server.endpoint}/_ossbox/metrics")
    assert status == 200
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    assert samples['ossbox_sts_credentials_issued_total{via="AssumeRole"}'] >= 1
    failure = 'ossbox_auth_failures_total{family="oss",reason="SignatureDoesNotMatch"}'
    assert samples[failure] >= 1
    assert any(
        s.startswith('ossbox_requests_total{family="ram",action="ram:CreateUser",status="200"')
        for s in samples
    )  # make_world's
    assert samples['ossbox_request_duration_seconds_count{family="oss"}'] >= 1
    assert "# TYPE ossbox_request_duration_seconds histogram" in text


def test_health_reports_the_store(server: LiveServer) -> None:
    status, body = _get(f"{server.endpoint}/_ossbox/health")
    report = json.loads(body)
    assert status == 200 and report["status"] == "ok"
    assert report["checks"]["metadata"] == "ok" and report["checks"]["blobs"] == "ok"


def test_access_log_lines_are_the_audit_events(world: World) -> None:
    world.assume(RoleSessionName="logged")
    time.sleep(0.2)
    log = world.server.log_file.read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(line.get("action") == "sts:AssumeRole" for line in lines)
    assert all("requestId" in line and "accessKeyId" in line for line in lines)


def test_audit_files_are_private(server: LiveServer) -> None:
    files = list(Path(server.data_dir, "audit").glob("*.jsonl"))
    assert files
    assert all(f.stat().st_mode & 0o077 == 0 for f in files)
