"""Seed 004 (STS authorization and signed URLs) step by step: AssumeRole as the RAM user with
the seed's session policy, upload and download with the temporary credentials, then signed URLs
for PUT and GET. Each script's printed result is checked, and the server is asked directly
what the credentials may do (the session policy is enforced: AccessDenied elsewhere)."""

from __future__ import annotations

import re
from pathlib import Path

import oss2
import pytest
import requests

from tests.examples.world import BUCKET, OTHER_BUCKET, World, run_example

SCRIPTS = [
    "sts_signed_url_01_assume_role.py",
    "sts_signed_url_02_sts_upload.py",
    "sts_signed_url_03_sts_download.py",
    "sts_signed_url_04_sign_url_version_id.py",
    "sts_signed_url_05_signed_put.py",
    "sts_signed_url_06_signed_get.py",
]


def user_env(w: World) -> dict[str, str]:
    return {
        "OSS_ACCESS_KEY_ID": w.user.access_key_id,
        "OSS_ACCESS_KEY_SECRET": w.user.access_key_secret,
        "OSS_STS_ROLE_ARN": w.role_arn,
    }


def printed(stdout: str, name: str) -> str:
    match = re.search(rf"^{re.escape(name)}: (\S+)$", stdout, re.MULTILINE)
    assert match, stdout
    return match[1]


def test_assume_role_then_upload_and_download_with_the_session(
    world: World, tmp_path: Path
) -> None:
    step5 = run_example(world, SCRIPTS[0], user_env(world), cwd=tmp_path)
    assert step5.returncode == 0, step5.stderr[-3000:]
    session = {
        "OSS_ACCESS_KEY_ID": printed(step5.stdout, "AccessKeyId"),
        "OSS_ACCESS_KEY_SECRET": printed(step5.stdout, "AccessKeySecret"),
        "OSS_SESSION_TOKEN": printed(step5.stdout, "SecurityToken"),
    }
    assert session["OSS_ACCESS_KEY_ID"].startswith("STS.")
    assert printed(step5.stdout, "ossbox.credentials AccessKeyId").startswith("STS.")

    upload = run_example(world, SCRIPTS[1], session, cwd=tmp_path)
    assert upload.returncode == 0, upload.stderr[-3000:]
    assert upload.stdout.strip() == "200"
    assert world.admin.get_object(BUCKET, "exampleobject.txt") == b"hello world"

    download = run_example(world, SCRIPTS[2], session, cwd=tmp_path)
    assert download.returncode == 0, download.stderr[-3000:]
    assert download.stdout.strip() == "b'hello world'"

    # The session is the role's policy ∩ the seed's policy_text: Put/Get on examplebucket only.
    auth = oss2.StsAuth(*session.values(), auth_version="v4")
    other = oss2.Bucket(auth, world.http.endpoint, OTHER_BUCKET, region="cn-hangzhou")
    with pytest.raises(oss2.exceptions.AccessDenied):
        other.put_object("x.txt", b"no")
    same = oss2.Bucket(auth, world.http.endpoint, BUCKET, region="cn-hangzhou")
    with pytest.raises(oss2.exceptions.AccessDenied):
        same.delete_object("exampleobject.txt")


def test_signed_urls_upload_and_download(world: World, tmp_path: Path) -> None:
    (tmp_path / "examplefile.txt").write_bytes(b"uploaded through a signed URL")

    put = run_example(world, SCRIPTS[4], user_env(world), cwd=tmp_path)
    assert put.returncode == 0, put.stderr[-3000:]
    assert "PUT status: 200" in put.stdout
    assert "x-oss-signature=" in printed(put.stdout, "Signed URL")
    key = "exampledir/exampleobject.txt"
    assert world.admin.get_object(BUCKET, key) == b"uploaded through a signed URL"

    get = run_example(world, SCRIPTS[5], user_env(world), cwd=tmp_path)
    assert get.returncode == 0, get.stderr[-3000:]
    assert "GET status: 200" in get.stdout
    assert (tmp_path / "downloaded.txt").read_bytes() == b"uploaded through a signed URL"


def test_signed_put_url_with_a_version_id_header(world: World, tmp_path: Path) -> None:
    run = run_example(world, SCRIPTS[3], user_env(world), cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    headers = {"versionId": "CAEQARiBgID8rumR2hYiIGUyOTAyZGY2MzU5MjQ5ZjlhYzQzZjNlYTAyZDE3****"}
    for name, body in (("Signed URL", b"official"), ("ossbox Signed URL", b"ossbox")):
        url = printed(run.stdout, name)
        reply = requests.put(url, data=body, headers=headers, verify=world.ca, timeout=10)
        assert reply.status_code == 200, reply.text
        assert world.admin.get_object(BUCKET, "exampledir/exampleobject.txt") == body
        tampered = url.replace("exampleobject", "otherobject")
        refused = requests.put(tampered, data=b"x", headers=headers, verify=world.ca, timeout=10)
        assert refused.status_code == 403
        assert "<Code>SignatureDoesNotMatch</Code>" in refused.text
