"""The KMS Secrets Manager API against a live server: GetSecretValue, DescribeSecret,
RotateSecret, ClientKey and AccessKey authentication, permissions and errors."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from ossbox.cli.main import main
from ossbox.credentials import ClientKeyError, CredentialsFetchError
from tests.conftest import LiveServer
from tests.kms.world import (
    cli,
    create_client_key,
    create_user_secret,
    kms_call,
    provider,
    unique,
    user_key_ids,
)


def test_get_secret_value_answers_the_ram_credential(
    live_server: LiveServer, tmp_path: Path
) -> None:
    user, secret = create_user_secret(live_server, "7d")
    key = create_client_key(live_server, tmp_path, "--allow-secret", secret).load()
    response = kms_call(
        live_server,
        "GetSecretValue",
        {"SecretName": secret, "FetchExtendedConfig": "true"},
        key=key,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    data = json.loads(body["SecretData"])
    assert set(data) == {"AccessKeyId", "AccessKeySecret", "GenerateTimestamp"}
    assert user_key_ids(live_server, user) == {data["AccessKeyId"]}
    assert body["SecretType"] == "RAMCredentials"
    assert body["SecretDataType"] == "text"
    assert body["VersionStages"] == {"VersionStage": ["ACSCurrent"]}
    assert body["AutomaticRotation"] == "Enabled"
    assert body["RotationInterval"] == "604800s"
    assert json.loads(body["ExtendedConfig"])["UserName"] == user


def test_rotation_keeps_the_previous_key_then_deletes_it(live_server: LiveServer) -> None:
    user, secret = create_user_secret(live_server, "0")
    first = cli(live_server, "kms", "rotate", secret)["CurrentVersion"]["AccessKeyId"]
    previous = kms_call(
        live_server, "GetSecretValue", {"SecretName": secret, "VersionStage": "ACSPrevious"}
    ).json()
    original = json.loads(previous["SecretData"])["AccessKeyId"]
    assert user_key_ids(live_server, user) == {original, first}
    second = cli(live_server, "kms", "rotate", secret)["CurrentVersion"]["AccessKeyId"]
    assert user_key_ids(live_server, user) == {first, second}  # at most two keys, oldest gone


def test_rotate_secret_api_is_idempotent_per_version_id(live_server: LiveServer) -> None:
    user, secret = create_user_secret(live_server, "0")
    params = {"SecretName": secret, "VersionId": "v-2"}
    first = kms_call(live_server, "RotateSecret", params).json()
    again = kms_call(live_server, "RotateSecret", params).json()
    assert first["VersionId"] == again["VersionId"] == "v-2"
    assert first["Arn"] == f"acs:kms:{live_server.region}:{live_server.account_id}:secret/{secret}"
    assert len(user_key_ids(live_server, user)) == 2
    missing = kms_call(live_server, "RotateSecret", {"SecretName": secret})
    assert missing.json()["Code"] == "MissingParameter"


def test_describe_secret_shows_the_schedule_not_the_value(live_server: LiveServer) -> None:
    _, secret = create_user_secret(live_server, "6h")
    body = kms_call(live_server, "DescribeSecret", {"SecretName": secret}).json()
    xml = kms_call(live_server, "DescribeSecret", {"SecretName": secret, "Format": "XML"})
    assert xml.text.startswith('<?xml version="1.0" encoding="UTF-8"?><KMS>')
    assert body["RotationInterval"] == "21600s"
    assert "NextRotationDate" in body and "SecretData" not in body
    assert "AccessKeySecret" not in json.dumps(body)


def test_unknown_secret_and_missing_previous_version(live_server: LiveServer) -> None:
    missing = kms_call(live_server, "GetSecretValue", {"SecretName": "no-such-secret"})
    assert (missing.status_code, missing.json()["Code"]) == (404, "Forbidden.ResourceNotFound")
    _, secret = create_user_secret(live_server, "0")
    previous = kms_call(
        live_server, "GetSecretValue", {"SecretName": secret, "VersionStage": "ACSPrevious"}
    )
    assert previous.json()["Code"] == "Forbidden.ResourceNotFound"
    bad = kms_call(live_server, "GetSecretValue", {"SecretName": secret, "VersionStage": "X"})
    assert (bad.status_code, bad.json()["Code"]) == (400, "InvalidParameter")
    for name in ("a" * 193, "bad name", "名字"):
        odd = kms_call(live_server, "GetSecretValue", {"SecretName": name})
        assert (odd.status_code, odd.json()["Code"]) == (400, "InvalidParameter")
    arn = f"acs:kms:{live_server.region}:{live_server.account_id}:secret/{secret}"
    by_arn = kms_call(live_server, "DescribeSecret", {"SecretName": arn})
    assert by_arn.json()["SecretName"] == secret


def test_client_key_without_permission_gets_forbidden(
    live_server: LiveServer, tmp_path: Path
) -> None:
    _, secret = create_user_secret(live_server)
    _, other = create_user_secret(live_server)
    key = create_client_key(live_server, tmp_path, "--allow-secret", other)
    response = kms_call(live_server, "GetSecretValue", {"SecretName": secret}, key=key.load())
    assert response.status_code == 403
    assert response.json()["Code"] == "Forbidden.NoPermission"
    assert response.json()["Message"] == "This operation is forbidden by permission system."
    # the same refusal for a secret that does not exist: nothing is learnt about names
    absent = kms_call(live_server, "GetSecretValue", {"SecretName": "nope"}, key=key.load())
    assert absent.json()["Code"] == "Forbidden.NoPermission"
    with pytest.raises(CredentialsFetchError) as caught:
        provider(live_server, secret, key).get_credentials()
    assert caught.value.code == "Forbidden.NoPermission"


def test_client_key_network_rule(live_server: LiveServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(live_server)
    outside = create_client_key(
        live_server, tmp_path / "a", "--allow-secret", secret, "--source-ip", "10.0.0.0/8"
    )
    inside = create_client_key(
        live_server, tmp_path / "b", "--allow-secret", secret, "--source-ip", "127.0.0.0/8"
    )
    params = {"SecretName": secret}
    refused = kms_call(live_server, "GetSecretValue", params, key=outside.load())
    assert refused.json()["Code"] == "Forbidden.NoPermission"
    assert kms_call(live_server, "GetSecretValue", params, key=inside.load()).status_code == 200


def test_client_key_policy_in_ram_policy_language(live_server: LiveServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(live_server)
    policy = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:RotateSecret", "Resource": "*"},
        ],
    }
    key = create_client_key(live_server, tmp_path, "--policy", json.dumps(policy)).load()
    assert (
        kms_call(live_server, "DescribeSecret", {"SecretName": secret}, key=key).status_code == 200
    )
    rotate = kms_call(
        live_server, "RotateSecret", {"SecretName": secret, "VersionId": "x"}, key=key
    )
    assert rotate.json()["Code"] == "Forbidden.NoPermission"


def test_client_key_opens_the_kms_api_only(live_server: LiveServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(live_server)
    key = create_client_key(live_server, tmp_path, "--allow-secret", secret).load()
    sts = kms_call(live_server, "GetCallerIdentity", {}, key=key, version="2015-04-01")
    assert sts.json()["Code"] == "InvalidAccessKeyId.NotFound"


def test_tampered_rsa_signature_is_refused(live_server: LiveServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(live_server)
    right = create_client_key(live_server, tmp_path / "a", "--allow-secret", secret).load()
    other = create_client_key(live_server, tmp_path / "b", "--allow-secret", secret).load()
    impostor = type(right)(right.key_id, other.private_key)  # right id, wrong private key
    response = kms_call(live_server, "GetSecretValue", {"SecretName": secret}, key=impostor)
    assert response.json()["Code"] == "SignatureDoesNotMatch"


def test_ram_user_access_key_is_authorized_by_ram_policies(live_server: LiveServer) -> None:
    _, secret = create_user_secret(live_server)
    reader = unique("reader")
    cli(live_server, "ram", "create-user", reader)
    made = cli(live_server, "ram", "create-access-key", "--user", reader)["AccessKey"]
    ak = (made["AccessKeyId"], made["AccessKeySecret"])
    params = {"SecretName": secret}
    refused = kms_call(live_server, "GetSecretValue", params, access_key=ak)
    assert refused.json()["Code"] == "Forbidden.NoPermission"
    arn = f"acs:kms:*:{live_server.account_id}:secret/{secret}"
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "kms:GetSecretValue", "Resource": arn}],
    }
    name = unique("ReadSecret")
    cli(live_server, "ram", "create-policy", name, "--document", json.dumps(document))
    cli(live_server, "ram", "attach-policy", name, "--user", reader)
    deadline = time.monotonic() + 3  # a RAM change by another process applies within 1 s
    allowed = kms_call(live_server, "GetSecretValue", params, access_key=ak)
    while allowed.status_code == 403 and time.monotonic() < deadline:
        time.sleep(0.2)
        allowed = kms_call(live_server, "GetSecretValue", params, access_key=ak)
    assert allowed.status_code == 200, allowed.text
    assert kms_call(live_server, "DescribeSecret", params, access_key=ak).status_code == 403


def test_wrong_password_or_key_fails_to_load_clearly(
    live_server: LiveServer, tmp_path: Path
) -> None:
    _, secret = create_user_secret(live_server)
    made = create_client_key(live_server, tmp_path, "--allow-secret", secret)
    from ossbox.credentials import ClientKey

    with pytest.raises(ClientKeyError, match="the password is wrong"):
        ClientKey.load(made.key_file, "not-the-password")
    document = json.loads(made.key_file.read_text())
    document["PrivateKeyData"] = base64.b64encode(b"garbage").decode()
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    with pytest.raises(ClientKeyError, match="not a PKCS#12 key"):
        ClientKey.load(broken, made.password_file.read_text())
    (tmp_path / "text.json").write_text("not json")
    with pytest.raises(ClientKeyError, match="is not JSON"):
        ClientKey.load(tmp_path / "text.json", "x")
    loaded = made.load()
    assert "PRIVATE" not in repr(loaded) and loaded.key_id in repr(loaded)


def test_expired_client_key_is_refused(live_server: LiveServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(live_server)
    key = create_client_key(
        live_server, tmp_path, "--allow-secret", secret, "--validity-days", "0"
    ).load()
    response = kms_call(live_server, "GetSecretValue", {"SecretName": secret}, key=key)
    assert response.json()["Code"] == "InvalidAccessKeyId.Inactive"


def test_rotated_key_works_with_oss_v2_and_async(live_server: LiveServer, tmp_path: Path) -> None:
    import asyncio

    import alibabacloud_oss_v2 as oss_v2

    from ossbox.credentials.adapters import ossv2_provider
    from tests.compat.conftest import oss2_bucket

    user, secret = create_user_secret(live_server, "1h")
    rotated = provider(
        live_server, secret, create_client_key(live_server, tmp_path, "--allow-secret", secret)
    )
    creds = asyncio.run(rotated.get_credentials_async())
    assert user_key_ids(live_server, user) == {creds.access_key_id}
    assert creds.expiration is not None  # NextRotationDate + RotationInterval
    name = unique("v2")
    oss2_bucket(live_server, name, "v4").create_bucket()
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = ossv2_provider(rotated)
    cfg.region, cfg.endpoint, cfg.use_path_style = live_server.region, live_server.endpoint, True
    client = oss_v2.Client(cfg)
    client.put_object(oss_v2.PutObjectRequest(bucket=name, key="k", body=b"rotated"))
    got = client.get_object(oss_v2.GetObjectRequest(bucket=name, key="k"))
    assert got.body.read() == b"rotated"


def test_kms_calls_are_audited_with_the_client_key_and_the_decision(
    live_server: LiveServer, tmp_path: Path
) -> None:
    _, allowed = create_user_secret(live_server, "7d", oss=False)
    _, other = create_user_secret(live_server, "7d", oss=False)
    key = create_client_key(live_server, tmp_path, "--allow-secret", allowed).load()
    for name in (allowed, other):
        kms_call(live_server, "GetSecretValue", {"SecretName": name}, key=key)
    time.sleep(0.3)  # past the audit writer's group commit (50 ms)
    result = main_json(live_server, "audit", "--access-key-id", key.key_id, "--json")
    by_resource = {event["resource"].rsplit("/", 1)[-1]: event for event in result}
    assert by_resource[allowed]["action"] == "kms:GetSecretValue"
    assert (by_resource[allowed]["decision"], by_resource[allowed]["status"]) == ("allow", 200)
    refused = by_resource[other]
    assert (refused["decision"], refused["errorCode"]) == ("deny", "Forbidden.NoPermission")
    assert refused["principalType"] == "application"


def main_json(server: LiveServer, *argv: str) -> list[dict[str, Any]]:
    """`ossbox ARGV --data DIR` in-process; its JSON-lines answer."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main([*argv, "--data", str(server.data_dir)])
    assert status == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]
