"""`ossbox sign-url` / `ossbox inspect-url` in-process against a live server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ossbox.cli.main import main
from tests.compat.sts_world import World, make_world
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    return make_world(live_server)


def _root_flags(server: LiveServer) -> list[str]:
    return [
        "--endpoint",
        server.endpoint,
        "--region",
        server.region,
        "--access-key-id",
        server.access_key_id,
        "--access-key-secret",
        server.access_key_secret,
    ]


def _sts_flags(server: LiveServer, creds: dict[str, str]) -> list[str]:
    flags = ["--endpoint", server.endpoint, "--region", server.region]
    flags += ["--access-key-id", creds["AccessKeyId"]]
    flags += ["--access-key-secret", creds["AccessKeySecret"]]
    flags += ["--security-token", creds["SecurityToken"]]
    if "Expiration" in creds:
        flags += ["--credentials-expiration", creds["Expiration"]]
    return flags


def _sign(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["sign-url", *argv])
    out, err = capsys.readouterr()
    return code, out.strip(), err


@pytest.mark.parametrize("v4", [False, True])
def test_put_then_get_with_signed_headers(
    live_server: LiveServer, world: World, capsys: pytest.CaptureFixture[str], v4: bool
) -> None:
    key = f"dir/a b+{int(v4)}.txt"
    flags = [*_root_flags(live_server), *(["--v4"] if v4 else [])]
    code, put_url, err = _sign(
        capsys,
        "PUT",
        f"oss://{world.bucket}/{key}",
        "--expires",
        "600",
        "--header",
        "Content-Type: text/plain",
        "--header",
        "x-oss-meta-who: cli",
        *flags,
    )
    assert code == 0, err
    assert live_server.access_key_secret not in put_url + err
    headers = {"Content-Type": "text/plain", "x-oss-meta-who": "cli"}
    assert httpx.put(put_url, content=b"hello", headers=headers).status_code == 200
    assert httpx.put(put_url, content=b"hello", headers={"Content-Type": "x/y"}).status_code == 403
    code, get_url, err = _sign(
        capsys, "GET", f"oss://{world.bucket}/{key}", "--expires", "600", *flags
    )
    assert code == 0, err
    response = httpx.get(get_url)
    assert response.status_code == 200
    assert response.content == b"hello"
    assert response.headers["x-oss-meta-who"] == "cli"


def test_param_is_signed(
    live_server: LiveServer, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "param.txt"
    flags = _root_flags(live_server)
    code, put_url, _ = _sign(
        capsys, "PUT", f"oss://{world.bucket}/{key}", "--expires", "60", *flags
    )
    assert code == 0
    assert httpx.put(put_url, content=b"x").status_code == 200
    code, url, err = _sign(
        capsys,
        "GET",
        f"oss://{world.bucket}/{key}",
        "--expires",
        "60",
        "--v4",
        "--param",
        "response-content-type=text/csv",
        *flags,
    )
    assert code == 0, err
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert httpx.get(url.replace("text%2Fcsv", "text%2Fhtml")).status_code == 403


def test_short_sts_credentials(
    live_server: LiveServer, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = world.assume(DurationSeconds="900")
    target = f"oss://{world.bucket}/short.txt"
    flags = _sts_flags(live_server, creds)
    code, out, err = _sign(capsys, "PUT", target, "--expires", "3600", *flags)
    assert code != 0 and out == "" and "refused" in err
    assert creds["AccessKeySecret"] not in err and creds["SecurityToken"] not in err
    code, url, err = _sign(
        capsys, "PUT", target, "--expires", "3600", "--v4", "--on-short-credentials", "cap", *flags
    )
    assert code == 0 and "capped" in err
    assert "x-oss-expires=3600" not in url
    assert httpx.put(url, content=b"sts").status_code == 200
    code, url, err = _sign(
        capsys, "GET", target, "--expires", "3600", "--on-short-credentials", "warn", *flags
    )
    assert code == 0 and "warning" in err
    assert httpx.get(url).content == b"sts"
    code, url, err = _sign(capsys, "GET", target, "--expires", "300", *flags)
    assert code == 0 and err == ""


def _inspect(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["inspect-url", *argv, "--json"]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


@pytest.mark.parametrize("v4", [False, True])
def test_inspect_root_url(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str], v4: bool
) -> None:
    flags = [*_root_flags(live_server), *(["--v4"] if v4 else [])]
    before = datetime.now(UTC)
    code, url, _ = _sign(
        capsys, "GET", "oss://b/k", "--expires", "120", "--param", "versionId=v1", *flags
    )
    assert code == 0
    report = _inspect(capsys, url)
    assert report["scheme"] == ("V4" if v4 else "V1")
    assert report["access_key_id"] == live_server.access_key_id
    assert report["signed_params"] == {"versionId": "v1"}
    assert report["security_token"] is None
    expires = datetime.fromisoformat(str(report["expires"]))
    assert before + timedelta(seconds=110) <= expires <= before + timedelta(seconds=125)
    assert main(["inspect-url", url]) == 0
    text = capsys.readouterr().out
    assert "scheme:" in text and live_server.access_key_id in text


def test_inspect_reports_the_urls_restrictions(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    params = [
        "x-oss-traffic-limit=819200",
        "x-oss-ac-source-ip=10.0.0.0",
        "x-oss-ac-subnet-mask=8",
        "x-oss-ac-forward-allow=true",
        "x-oss-ac-vpc-id=vpc-1",
    ]
    flags = [arg for param in params for arg in ("--param", param)]
    _, url, _ = _sign(
        capsys, "GET", "oss://b/k", "--expires", "60", *flags, *_root_flags(live_server)
    )
    assert _inspect(capsys, url)["restrictions"] == [
        "at most 819200 bit/s per connection",
        "only from 10.0.0.0/8 (the client behind trusted proxies)",
        "only from VPC vpc-1 (never true on ossbox)",
    ]
    _, bare, _ = _sign(capsys, "GET", "oss://b/k", "--expires", "60", *_root_flags(live_server))
    assert _inspect(capsys, bare)["restrictions"] == []
    masked = ["--param", "x-oss-ac-subnet-mask=24"]
    _, url, _ = _sign(
        capsys, "GET", "oss://b/k", "--expires", "60", *masked, *_root_flags(live_server)
    )
    assert main(["inspect-url", url]) == 0
    assert "only from the requester's own /24 network (the TCP peer)" in capsys.readouterr().out


def test_inspect_sts_url_with_data(
    live_server: LiveServer, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = world.assume(DurationSeconds="900")
    flags = [*_sts_flags(live_server, creds), "--on-short-credentials", "warn", "--v4"]
    _, url, _ = _sign(capsys, "GET", f"oss://{world.bucket}/k", "--expires", "3600", *flags)
    blind = _inspect(capsys, url)
    assert blind["access_key_id"] == creds["AccessKeyId"]
    assert blind["security_token"] == {"present": True, "length": len(creds["SecurityToken"])}
    assert "session" not in blind
    opened = _inspect(capsys, url, "--data", str(live_server.data_dir))
    session = opened["session"]
    assert isinstance(session, dict)
    assert session["ends_before_url"] is True
    assert session["expires"] == creds["Expiration"]
    assert "sessiontest" in session["arn"]
    assert main(["inspect-url", url, "--data", str(live_server.data_dir)]) == 0
    text = capsys.readouterr().out
    assert "ends BEFORE" in text
    assert creds["SecurityToken"] not in text and creds["AccessKeySecret"] not in text


def test_default_chain_and_additional_headers(
    live_server: LiveServer,
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", live_server.access_key_id)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", live_server.access_key_secret)
    where = ["--endpoint", live_server.endpoint, "--region", live_server.region]
    target = f"oss://{world.bucket}/chain.txt"
    code, url, err = _sign(capsys, "PUT", target, "--expires", "60", *where)
    assert code == 0, err
    assert httpx.put(url, content=b"chain").status_code == 200
    code, url, err = _sign(
        capsys, "GET", target, "--expires", "60", "--v4", "--header", "x-custom: 1", *where
    )
    assert code == 0, err
    assert _inspect(capsys, url)["signed_headers"] == ["x-custom"]
    assert httpx.get(url, headers={"x-custom": "1"}).content == b"chain"
    assert httpx.get(url, headers={"x-custom": "2"}).status_code == 403


def test_virtual_host_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    keys = ["--access-key-id", "AK", "--access-key-secret", "SECRET-VALUE"]
    code, url, _ = _sign(
        capsys, "GET", "oss://bkt/a/b.txt", "--expires", "5", "--endpoint", "oss.example", *keys
    )
    assert code == 0 and url.startswith("http://bkt.oss.example/a/b.txt?")
    assert "SECRET-VALUE" not in url
    code, url, err = _sign(capsys, "GET", "oss://bkt/k", "--expires", "5", "--access-key-id", "AK")
    assert code == 2 and "go together" in err
    code, url, err = _sign(capsys, "GET", "bkt/k", "--expires", "5", *keys)
    assert code == 2 and "oss://" in err and url == ""
    assert main(["inspect-url", "http://127.0.0.1/b/k?acl"]) == 2
    assert "no signature" in capsys.readouterr().err


def test_inspect_foreign_token_with_data(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = ["--access-key-id", "STS.x", "--access-key-secret", "s", "--security-token", "TOKEN"]
    _, url, _ = _sign(capsys, "GET", "oss://b/k", "--expires", "60", *keys)
    report = _inspect(capsys, url, "--data", str(live_server.data_dir))
    assert report["session"] is None
    assert report["security_token"] == {"present": True, "length": 5}
