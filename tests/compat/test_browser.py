"""A real browser against a live server: a web page (served by the test from another loopback
origin) uploads a file chosen in an <input type=file> by a PostObject form, then downloads it
through a signed URL; the bucket's CORS rules are what let the page read both answers.

Debian's chromium and chromium-driver (installed by scripts/test.sh), driven by selenium;
nothing is downloaded. The bytes are checked on the server and as the page received them.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import oss2
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from ossbox.signing.post_policy import sign_post_policy_v4
from tests.compat.conftest import oss2_bucket
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>upload</title></head><body>
<input type="file" id="file">
<script id="cfg" type="application/json">%(config)s</script>
<script>
const cfg = JSON.parse(document.getElementById("cfg").textContent);
async function run(done) {
  const result = {};
  try {
    const form = new FormData();
    for (const [name, value] of Object.entries(cfg.fields)) form.append(name, value);
    form.append("file", document.getElementById("file").files[0]);  // the last field
    const up = await fetch(cfg.postUrl, {method: "POST", body: form});
    result.uploadStatus = up.status;
    result.uploadBody = await up.text();
    result.etag = up.headers.get("ETag");
    const down = await fetch(cfg.getUrl);
    result.downloadStatus = down.status;
    const bytes = new Uint8Array(await down.arrayBuffer());
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    result.body = btoa(text);
  } catch (err) {
    result.error = String(err);
  }
  done(result);
}
</script></body></html>
"""


class _Pages(ThreadingHTTPServer):
    pages: dict[str, bytes]


class _PageHandler(BaseHTTPRequestHandler):
    server: _Pages

    def do_GET(self) -> None:
        page = self.server.pages.get(self.path)
        self.send_response(200 if page is not None else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page or b"")))
        self.end_headers()
        self.wfile.write(page or b"")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def pages() -> Iterator[_Pages]:
    """The web site the upload page comes from: another origin than the OSS endpoint."""
    server = _Pages(("127.0.0.1", 0), _PageHandler)
    server.pages = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _origin(pages: _Pages) -> str:
    return f"http://127.0.0.1:{pages.server_address[1]}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    for program in (CHROMIUM, CHROMEDRIVER):
        # Not a skip: scripts/test.sh installs both; a missing browser is a failed check.
        assert shutil.which(program), f"{program} is missing: run scripts/test.sh (apt-get)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must never download
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def _v4_form(server: LiveServer, bucket: str, key: str) -> dict[str, str]:
    now = datetime.now(UTC)
    date = now.strftime("%Y%m%d")
    signed = {
        "x-oss-signature-version": "OSS4-HMAC-SHA256",
        "x-oss-credential": f"{server.access_key_id}/{date}/{server.region}/oss/aliyun_v4_request",
        "x-oss-date": now.strftime("%Y%m%dT%H%M%SZ"),
    }
    expiration = (now + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    conditions: list[Any] = [
        {"bucket": bucket},
        ["eq", "$key", key],
        ["content-length-range", 1, 10 * 1024 * 1024],
        *({k: v} for k, v in signed.items()),
    ]
    document = {"expiration": expiration, "conditions": conditions}
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    signature = sign_post_policy_v4(
        policy, server.access_key_secret, date=date, region=server.region
    )
    return {
        "key": key,
        "success_action_status": "200",
        **signed,
        "policy": policy,
        "x-oss-signature": signature,
    }


def _cors(bucket: oss2.Bucket, origin: str) -> None:
    rule = oss2.models.CorsRule(
        allowed_origins=[origin],
        allowed_methods=["GET", "POST", "PUT"],
        allowed_headers=["*"],
        expose_headers=["ETag", "x-oss-request-id"],
        max_age_seconds=60,
    )
    bucket.put_bucket_cors(oss2.models.BucketCors([rule]))


def _open_page(
    browser: webdriver.Chrome, pages: _Pages, name: str, config: dict[str, Any], upload: Path
) -> dict[str, Any]:
    pages.pages[f"/{name}.html"] = (PAGE % {"config": json.dumps(config)}).encode()
    browser.get(f"{_origin(pages)}/{name}.html")
    browser.find_element(By.ID, "file").send_keys(str(upload))
    result: dict[str, Any] = browser.execute_async_script("run(arguments[0]);")
    return result


def test_page_uploads_by_form_and_downloads_by_signed_url(
    live_server: LiveServer,
    bucket_name: str,
    browser: webdriver.Chrome,
    pages: _Pages,
    tmp_path: Path,
) -> None:
    bucket = oss2_bucket(live_server, bucket_name, "v4")
    bucket.create_bucket()
    _cors(bucket, _origin(pages))
    data = os.urandom(300_000) + "end ✓".encode()
    upload = tmp_path / "photo.bin"
    upload.write_bytes(data)
    key = "uploads/photo.bin"
    config = {
        "postUrl": f"{live_server.endpoint}/{bucket_name}",
        "fields": _v4_form(live_server, bucket_name, key),
        "getUrl": bucket.sign_url("GET", key, 300, slash_safe=True),
    }
    result = _open_page(browser, pages, "upload", config, upload)
    assert "error" not in result, result
    assert result["uploadStatus"] == 200, result["uploadBody"]
    assert result["etag"]  # readable cross-origin only because the rule exposes it
    assert bucket.get_object(key).read() == data  # what the server stored
    assert result["downloadStatus"] == 200
    assert base64.b64decode(result["body"]) == data  # what the page received


def test_without_cors_the_page_cannot_read_the_answers(
    live_server: LiveServer,
    bucket_name: str,
    browser: webdriver.Chrome,
    pages: _Pages,
    tmp_path: Path,
) -> None:
    bucket = oss2_bucket(live_server, bucket_name, "v4")
    bucket.create_bucket()
    bucket.put_object("k", b"k")
    upload = tmp_path / "f.txt"
    upload.write_bytes(b"form")
    config = {
        "postUrl": f"{live_server.endpoint}/{bucket_name}",
        "fields": _v4_form(live_server, bucket_name, "f.txt"),
        "getUrl": bucket.sign_url("GET", "k", 300),
    }
    result = _open_page(browser, pages, "nocors", config, upload)
    # The POST itself is a simple request, so it reaches the server and stores the file; the
    # browser withholds the answer from the page.
    assert result.get("error", "").startswith("TypeError"), result
    assert "uploadStatus" not in result
    assert bucket.get_object("f.txt").read() == b"form"
