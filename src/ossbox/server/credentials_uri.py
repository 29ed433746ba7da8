"""Role credentials minted by the server itself; the credentials-URI endpoint (main listener).

`GET /_ossbox/credentials/<role>` answers the JSON an `ALIBABA_CLOUD_CREDENTIALS_URI` provider
expects: `{"Code":"Success","AccessKeyId","AccessKeySecret","SecurityToken","Expiration"}`, with
real STS credentials for `<role>`, a role of the root account. Who may ask: a loopback peer, or,
when `--credentials-uri-token` is set, only a request carrying `Authorization: Bearer <token>`.
The role's trust policy is not consulted: being allowed to call this endpoint is being the
account's operator. The IMDS (server/imds.py) mints through the same function.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ossbox.server.response import Response
from ossbox.server.sts.assume_role import DEFAULT_DURATION, EXPIRATION_FORMAT
from ossbox.server.sts.tokens import RoleSession, StsCredentials, issue
from ossbox.store import Store
from ossbox.store.ram import Role

PREFIX = "/_ossbox/credentials/"
URI_SESSION_NAME = "credentials-uri"
URI_CALLER = "ossbox:credentials-uri"


def root_account_id(data_dir: Path) -> str:
    """The root account, as `ossbox serve` fixed it on first start (DIR/account-id)."""
    return (data_dir / "account-id").read_text().strip()


def mint(store: Store, role: Role, session_name: str, caller: str, now: datetime) -> StsCredentials:
    """Fresh STS credentials for `role`, valid for min(3,600 s, the role's maximum)."""
    duration = min(DEFAULT_DURATION, role.max_session_duration)
    session = RoleSession(
        account_id=role.account_id,
        role_name=role.name,
        role_id=role.role_id,
        session_name=session_name,
        caller_arn=caller,
        policy=None,
        issued_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
        expires_at=now.replace(microsecond=0) + timedelta(seconds=duration),
    )
    return issue(store.master_key, session)


def credentials_json(creds: StsCredentials, **extra: str) -> bytes:
    body: dict[str, Any] = {
        "AccessKeyId": creds.access_key_id,
        "AccessKeySecret": creds.secret,
        "SecurityToken": creds.token,
        "Expiration": creds.session.expires_at.strftime(EXPIRATION_FORMAT),
        **extra,
        "Code": "Success",
    }
    return json.dumps(body).encode()


def _json(status: int, body: dict[str, str]) -> Response:
    return Response(status, [("Content-Type", "application/json")], json.dumps(body).encode())


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


def _allowed(token: str, source_ip: str, authorization: str | None) -> bool:
    if not token:
        return _is_loopback(source_ip)
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def credentials_uri_response(
    store: Store,
    data_dir: Path,
    token: str,
    request: tuple[str, str, str | None, datetime],
) -> Response:
    """The answer to `GET /_ossbox/credentials/<role>`; request = (path, source ip,
    Authorization header, now). Blocking (one store read)."""
    path, source_ip, authorization, now = request
    if not _allowed(token, source_ip, authorization):
        code = "Unauthorized" if token else "Forbidden"
        return _json(401 if token else 403, {"Code": code, "Message": "not allowed"})
    name = path[len(PREFIX) :].split("?", 1)[0]
    role = store.ram.get_role(root_account_id(data_dir), name) if name else None
    if role is None:
        return _json(404, {"Code": "EntityNotExist.Role", "Message": "no such role"})
    creds = mint(store, role, URI_SESSION_NAME, URI_CALLER, now)
    return Response(200, [("Content-Type", "application/json")], credentials_json(creds))
