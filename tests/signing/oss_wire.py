"""Helpers for the OSS signature tests: captured requests, path-style routing, mutations."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import requests

from ossbox.signing.http import HttpRequest, decode_path

# ../shared beside the repository (as CI lays it out)
CAPTURES = Path(__file__).resolve().parents[3] / "shared" / "reference" / "captures"
CAPTURE_AK = "LTAI5tFAKEAKID"
CAPTURE_SECRET = "FakeSecretKey1234567890"
CAPTURE_TOKEN = "CAIS+fake/token=="


def load_jsonl(name: str) -> list[dict[str, Any]]:
    with open(CAPTURES / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_json(name: str) -> Any:
    with open(CAPTURES / name, encoding="utf-8") as f:
        return json.load(f)


def to_request(capture: Mapping[str, Any]) -> HttpRequest:
    headers = [(name, value) for name, value in capture["headers"]]
    return HttpRequest(capture["method"], capture["target"], headers)


def is_oss_request(capture: Mapping[str, Any]) -> bool:
    """RPC calls (STS) answer at `/` and carry `Action`; everything else here is OSS."""
    return "Action=" not in capture["target"]


def route(target: str) -> tuple[str | None, str | None]:
    """Path-style routing as the server does it: first segment bucket, the rest the key."""
    path = target.partition("?")[0]
    bucket, slash, key = path[1:].partition("/")
    if not bucket:
        return None, None
    return decode_path(bucket), decode_path(key) if slash else None


def wire_request(
    method: str,
    url: str,
    headers: Mapping[str, str | None],
    params: Mapping[str, str] | None = None,
) -> HttpRequest:
    """What `requests` (used by oss2 and oss-v2) puts on the wire for this call."""
    sent = {name: value for name, value in headers.items() if value is not None}
    prepared = requests.Request(method, url, headers=sent, params=params).prepare()
    return HttpRequest(method, prepared.path_url, list(prepared.headers.items()))


def bump(text: str) -> str:
    """Change one character: the last digit (else the last letter) outside %XX escapes."""
    escaped = {i for i, c in enumerate(text) if c == "%" for i in (i, i + 1, i + 2)}
    candidates = [i for i, c in enumerate(text) if i not in escaped and c.isascii()]
    digits = [i for i in candidates if text[i].isdigit()]
    letters = [i for i in candidates if text[i].isalpha()]
    if not digits and not letters:
        raise ValueError(f"nothing to mutate in {text!r}")
    i = (digits or letters)[-1]
    c = text[i]
    if c.isdigit():
        new = str((int(c) + 1) % 10)
    elif c in "zZ":
        new = chr(ord(c) - 25)
    else:
        new = chr(ord(c) + 1)
    return text[:i] + new + text[i + 1 :]


def with_header(req: HttpRequest, name: str, value: str) -> HttpRequest:
    """A copy of `req` whose header `name` (any case) has `value`."""
    headers = [(n, value if n.lower() == name.lower() else v) for n, v in req.headers]
    return HttpRequest(req.method, req.target, headers)


def with_target(req: HttpRequest, target: str) -> HttpRequest:
    return HttpRequest(req.method, target, list(req.headers))


def with_method(req: HttpRequest, method: str) -> HttpRequest:
    return HttpRequest(method, req.target, list(req.headers))


def raw_query_pairs(target: str) -> list[tuple[str, str]]:
    """The still-encoded (name, value) pairs of the target's query."""
    pairs = []
    for part in target.partition("?")[2].split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def with_raw_query(target: str, pairs: Iterable[tuple[str, str]]) -> str:
    path = target.partition("?")[0]
    return path + "?" + "&".join(f"{name}={value}" for name, value in pairs)
