"""`ossbox sign-url` and `ossbox inspect-url`: signed URLs that do not outlive their credentials.

`ossbox sign-url METHOD oss://bucket/key --expires N [--v4] [--header K:V] [--param K=V]` signs
with the default credentials chain (or explicit flags) and prints only the URL. When the
credentials expire before the URL would, `--on-short-credentials` refuses (default), warns or
caps the URL to the credentials' lifetime.

`ossbox inspect-url URL [--data DIR] [--json]` decodes a signed URL offline: who signed, the
scheme, signed headers and parameters, the expiry and (with the server's data directory, whose
master key opens an ossbox STS token) whether the STS session ends first. Secrets never print.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ossbox.cli.args import iso_time
from ossbox.credentials import (
    Credentials,
    CredentialsError,
    CredentialsExpiringError,
    CredentialsProvider,
    DefaultCredentialsChain,
    StaticAKProvider,
    StaticSTSProvider,
)
from ossbox.credentials.presign import url_lifetime
from ossbox.server.oss.traffic_limit import PARAM as TRAFFIC_LIMIT
from ossbox.server.url_restrictions import SOURCE_IP, SUBNET_MASK, VPC_ID, forward_allowed
from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.http import HttpRequest, decode_path, parse_query, uri_encode

_SIGNATURE_PARAMS = frozenset(
    {
        "OSSAccessKeyId",
        "Expires",
        "Signature",
        "security-token",
        "x-oss-security-token",
        "x-oss-date",
        "x-oss-expires",
        "x-oss-signature-version",
        "x-oss-credential",
        "x-oss-additional-headers",
        "x-oss-signature",
    }
)
_TOKEN_PARAMS = ("security-token", "x-oss-security-token")


# --- parsers --------------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _add_sign(subparsers)
    _add_inspect(subparsers)


def _add_sign(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("sign-url", help="print a signed URL for an object")
    p.add_argument("method", type=str.upper, help="HTTP method, e.g. GET or PUT")
    p.add_argument("url", help="oss://bucket/key")
    p.add_argument("--expires", type=int, required=True, help="URL lifetime in seconds")
    p.add_argument("--v4", action="store_true", help="sign with V4 (default V1)")
    p.add_argument("--header", action="append", default=[], help="K:V the requester must send")
    p.add_argument("--param", action="append", default=[], help="K=V query parameter to sign")
    p.add_argument("--endpoint", default="http://127.0.0.1:9000")
    p.add_argument("--region", default="cn-hangzhou")
    style = p.add_mutually_exclusive_group()
    style.add_argument("--path-style", dest="path_style", action="store_true", default=None)
    style.add_argument("--virtual-host", dest="path_style", action="store_false")
    p.add_argument("--access-key-id")
    p.add_argument("--access-key-secret")
    p.add_argument("--security-token")
    p.add_argument(
        "--credentials-expiration",
        type=iso_time,
        help="ISO 8601 expiry of the explicit STS credentials",
    )
    p.add_argument(
        "--on-short-credentials",
        choices=("refuse", "warn", "cap"),
        default="refuse",
        help="when the credentials expire before the URL (default refuse)",
    )
    p.set_defaults(handler=sign_url)


def _add_inspect(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("inspect-url", help="decode a signed URL offline")
    p.add_argument("url", help="the signed URL")
    p.add_argument("--data", type=Path, help="server data directory (opens ossbox STS tokens)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=inspect_url)


def _fail(message: str) -> int:
    print(f"ossbox: {message}", file=sys.stderr)
    return 2


# --- sign-url -------------------------------------------------------------------------------


def sign_url(args: argparse.Namespace) -> int:
    try:
        bucket, key = _parse_oss_url(args.url)
        headers = _pairs(args.header, ":", "--header")
        params = list(_pairs(args.param, "=", "--param").items())
        provider = _provider(args)
        lifetime = _lifetime(provider, args.expires, args.on_short_credentials)
        creds = provider.get_credentials()
    except (ValueError, CredentialsError) as exc:
        return _fail(str(exc))
    pairs = _presign(args, creds, bucket, key, headers, params, lifetime)
    print(_build_url(args, bucket, key, pairs))
    return 0


def _parse_oss_url(url: str) -> tuple[str, str]:
    if not url.startswith("oss://"):
        raise ValueError(f"expected oss://bucket/key, got {url!r}")
    bucket, _, key = url[len("oss://") :].partition("/")
    if not bucket or not key:
        raise ValueError(f"expected oss://bucket/key, got {url!r}")
    return bucket, key


def _pairs(items: list[str], sep: str, option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, found, value = item.partition(sep)
        if not found or not name.strip():
            raise ValueError(f"{option} expects NAME{sep}VALUE, got {item!r}")
        out[name.strip()] = value.strip() if sep == ":" else value
    return out


def _provider(args: argparse.Namespace) -> CredentialsProvider:
    if args.access_key_id or args.access_key_secret:
        if not (args.access_key_id and args.access_key_secret):
            raise ValueError("--access-key-id and --access-key-secret go together")
        if args.security_token:
            return StaticSTSProvider(
                args.access_key_id,
                args.access_key_secret,
                args.security_token,
                expiration=args.credentials_expiration,
            )
        return StaticAKProvider(args.access_key_id, args.access_key_secret)
    return DefaultCredentialsChain()


def _lifetime(provider: CredentialsProvider, expires: int, mode: str) -> int:
    if expires < 1:
        raise ValueError("--expires must be at least 1 second")
    if mode == "refuse":
        try:
            return url_lifetime(provider, expires, mode="refresh")
        except CredentialsExpiringError as exc:
            raise CredentialsExpiringError(
                f"refused: the credentials expire before the URL would ({exc}); "
                "use fresh credentials or --on-short-credentials cap|warn"
            ) from None
    if mode == "cap":
        lifetime = url_lifetime(provider, expires, mode="cap")
        if lifetime < expires:
            print(f"ossbox: URL capped to {lifetime} s, the credentials' lifetime", file=sys.stderr)
        return lifetime
    left = provider.get_credentials().ttl(time.time())
    if left < expires:
        print(
            f"ossbox: warning: the credentials expire in {int(left)} s, before the URL "
            f"({expires} s); the URL stops working with them",
            file=sys.stderr,
        )
    return expires


def _presign(
    args: argparse.Namespace,
    creds: Credentials,
    bucket: str,
    key: str,
    headers: dict[str, str],
    params: list[tuple[str, str]],
    lifetime: int,
) -> list[tuple[str, str]]:
    common: dict[str, Any] = {
        "method": args.method,
        "bucket": bucket,
        "key": key,
        "query": params,
        "headers": headers,
        "access_key_id": creds.access_key_id,
        "access_key_secret": creds.access_key_secret,
        "security_token": creds.security_token,
    }
    if args.v4:
        return oss_v4.presign_v4(
            **common,
            region=args.region,
            expires=lifetime,
            additional_headers=list(headers),
            now=datetime.now(UTC),
        )
    return oss_v1.presign_v1(**common, expires_at=int(time.time()) + lifetime)


def _is_ip_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _build_url(
    args: argparse.Namespace, bucket: str, key: str, pairs: list[tuple[str, str]]
) -> str:
    endpoint = urlsplit(args.endpoint if "://" in args.endpoint else f"http://{args.endpoint}")
    host = endpoint.hostname or ""
    path_style = args.path_style if args.path_style is not None else _is_ip_host(host)
    encoded_key = uri_encode(key, keep_slash=True)
    query = oss_v4.encode_query(pairs)
    if path_style:
        return f"{endpoint.scheme}://{endpoint.netloc}/{bucket}/{encoded_key}?{query}"
    return f"{endpoint.scheme}://{bucket}.{endpoint.netloc}/{encoded_key}?{query}"


# --- inspect-url ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Session:
    arn: str
    expires_at: datetime


def inspect_url(args: argparse.Namespace) -> int:
    from ossbox.signing.oss_auth import parse_oss_auth
    from ossbox.signing.result import SignatureFormatError

    parts = urlsplit(args.url)
    req = HttpRequest("GET", f"{parts.path or '/'}?{parts.query}")
    try:
        auth = parse_oss_auth(req)
    except SignatureFormatError as exc:
        return _fail(f"not a valid signed URL: {exc}")
    if auth is None or auth.expires is None:
        return _fail("the URL carries no signature")
    token = next((v for k, v in parse_query(parts.query) if k in _TOKEN_PARAMS and v), None)
    session: _Session | None = None
    if token is not None and args.data is not None:
        try:
            session = _open_session(args.data, token)
        except ValueError as exc:
            return _fail(str(exc))
    report = _report(parts, auth, token, session)
    if token is not None and args.data is not None and session is None:
        report["session"] = None  # --data given, but the token is not this server's
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 0


def _open_session(data: Path, token: str) -> _Session | None:
    """The token's role session, opened with the server's master key (never created here)."""
    from ossbox.server.sts.tokens import InvalidToken, open_token
    from ossbox.store.crypto import ENV_VAR, KEY_FILE, MasterKey, MasterKeyError

    if not os.environ.get(ENV_VAR) and not (data / KEY_FILE).exists():
        raise ValueError(f"no master key in {data} (and ${ENV_VAR} is unset)")
    try:
        master_key = MasterKey.load_or_create(data)
    except MasterKeyError as exc:
        raise ValueError(str(exc)) from None
    try:
        creds = open_token(master_key, token)
    except InvalidToken:
        return None  # not a token this server issued (another server, or real Alibaba Cloud)
    return _Session(creds.session.arn, creds.session.expires_at)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _report(parts: Any, auth: Any, token: str | None, session: _Session | None) -> dict[str, Any]:
    v4 = auth.scheme.is_v4
    expires: datetime = auth.expires
    params = {k: v for k, v in parse_query(parts.query) if k not in _SIGNATURE_PARAMS}
    report: dict[str, Any] = {
        "scheme": "V4" if v4 else "V1",
        "access_key_id": auth.access_key_id,
        "host": parts.netloc,
        "path": decode_path(parts.path or "/"),
        "expires": _iso(expires),
        "expired": datetime.now(UTC) >= expires,
        "signed_params": params,
        "signed_headers": _signed_headers(auth, v4),
        "restrictions": _restrictions(params),
        "security_token": None if token is None else {"present": True, "length": len(token)},
    }
    if v4:
        report["region"] = auth.region
        report["signed_at"] = _iso(auth.date)
    if session is not None:
        report["session"] = {
            "arn": session.arn,
            "expires": _iso(session.expires_at),
            "ends_before_url": session.expires_at < expires,
        }
    return report


def _restrictions(params: dict[str, str]) -> list[str]:
    """What the server enforces from the URL's own restriction parameters, in words."""
    found = []
    if TRAFFIC_LIMIT in params:
        found.append(f"at most {params[TRAFFIC_LIMIT]} bit/s per connection")
    address, mask = params.get(SOURCE_IP), params.get(SUBNET_MASK)
    if address is not None or mask is not None:
        if address is None:
            network = f"the requester's own /{mask} network"
        else:
            network = address if mask is None else f"{address}/{mask}"
        forward = forward_allowed(params)
        via = "the client behind trusted proxies" if forward else "the TCP peer"
        found.append(f"only from {network} ({via})")
    if VPC_ID in params:
        found.append(f"only from VPC {params[VPC_ID]} (never true on ossbox)")
    return found


def _signed_headers(auth: Any, v4: bool) -> list[str]:
    """What the requester must send: V4 lists extra headers; Content-Type, Content-MD5 and
    x-oss-* headers are signed in both schemes but their names are not in the URL."""
    return list(auth.additional_headers) if v4 else []


def _text(report: dict[str, Any]) -> str:
    lines = [
        f"scheme:          {report['scheme']}",
        f"access key id:   {report['access_key_id']}",
        f"host:            {report['host']}",
        f"path:            {report['path']}",
        f"expires:         {report['expires']}{' (expired)' if report['expired'] else ''}",
    ]
    if "signed_at" in report:
        lines.append(f"signed at:       {report['signed_at']} (region {report['region']})")
    params = ", ".join(f"{k}={v}" for k, v in report["signed_params"].items()) or "none"
    lines.append(f"signed params:   {params}")
    listed = ", ".join(report["signed_headers"]) or "none listed"
    lines.append(f"signed headers:  {listed} (+ Content-Type, Content-MD5, x-oss-* if signed)")
    if report["restrictions"]:
        lines.append(f"restricted to:   {'; '.join(report['restrictions'])}")
    lines.append(_token_line(report))
    return "\n".join(lines)


def _token_line(report: dict[str, Any]) -> str:
    token = report["security_token"]
    if token is None:
        return "security token:  none (long-term AccessKey)"
    line = f"security token:  present, {token['length']} characters"
    if "session" not in report:
        return line + "\nSTS session:     unknown (pass --data DIR to open an ossbox token)"
    session = report["session"]
    if session is None:
        return line + "\nSTS session:     unknown (the token was not issued with this master key)"
    first = "ends BEFORE the URL expires" if session["ends_before_url"] else "outlives the URL"
    return line + f"\nSTS session:     {session['arn']}, expires {session['expires']}, {first}"
