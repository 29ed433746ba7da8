"""The ECS instance metadata service (`ossbox serve --imds HOST:PORT --imds-role ROLE`).

A small ASGI app on its own listener that plays 100.100.100.200 for one instance whose RAM role
is ROLE (a role of the root account):

- `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: 1..21600` -> a token
  (400 if the header is missing or out of range; 403 if the request carries X-Forwarded-For);
- `GET /latest/meta-data/ram/security-credentials/` -> the role name;
- `GET /latest/meta-data/ram/security-credentials/<role>` -> the ECS JSON with fresh STS
  credentials (session name `ecs-imds`).

A GET carrying `X-aliyun-ecs-metadata-token` must carry a valid one (401 otherwise); a GET
without one is answered (IMDSv1) unless `--imds-v2-only`, then 401. The role is "attached" only
while it exists and its trust policy admits the service principal `ecs.aliyuncs.com`; otherwise
both paths answer 404, as ECS does for an instance without a role. Absolute-form targets
(`GET http://100.100.100.200/latest/...`, as sent through an HTTP proxy) use their path part, and
the `ram` segment is matched case-insensitively. Tokens are stateless (HMAC with a key made at
start, so they die with the process).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ossbox.policy import PolicyKind, evaluate_trust
from ossbox.policy.principals import PrincipalRef
from ossbox.server.audit.record import AuditRecord
from ossbox.server.context import AsgiReceive
from ossbox.server.credentials_uri import credentials_json, mint
from ossbox.server.response import AsgiSend, Response, new_request_id, send_response
from ossbox.server.sts import permissions
from ossbox.server.sts.assume_role import EXPIRATION_FORMAT
from ossbox.store import Store
from ossbox.store.ram import Role

if TYPE_CHECKING:
    from ossbox.server.observe import Observer

ECS_SERVICE = "ecs.aliyuncs.com"
SESSION_NAME = "ecs-imds"
TOKEN_PATH = "/latest/api/token"  # noqa: S105 (a path)
CREDENTIALS_PREFIX = "/latest/meta-data/ram/security-credentials/"
TTL_HEADER = "x-aliyun-ecs-metadata-token-ttl-seconds"
TOKEN_HEADER = "x-aliyun-ecs-metadata-token"  # noqa: S105 (a header name)
MAX_TTL = 21600


def _text(status: int, body: str) -> Response:
    return Response(status, [("Content-Type", "text/plain")], body.encode())


def request_path(target: str) -> str:
    """The path of an origin-form or absolute-form request target, without its query."""
    if not target.startswith("/"):
        target = urlsplit(target).path or "/"
    return target.split("?", 1)[0]


@dataclass
class TokenSigner:
    """Stateless IMDSv2 tokens: `<expiry>.<mac>`."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def _mac(self, expiry: str) -> str:
        digest = hmac.new(self.key, expiry.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def new(self, ttl: int, now: float) -> str:
        expiry = str(int(now) + ttl)
        return f"{expiry}.{self._mac(expiry)}"

    def valid(self, token: str, now: float) -> bool:
        expiry, _, mac = token.partition(".")
        if not expiry.isdigit() or not hmac.compare_digest(mac, self._mac(expiry)):
            return False
        return now < int(expiry)


def _action(path: str) -> str:
    if path == TOKEN_PATH:
        return "imds:GetToken"
    if not path.lower().startswith(CREDENTIALS_PREFIX):
        return ""
    return (
        "imds:GetRoleCredentials"
        if path[len(CREDENTIALS_PREFIX) :].strip("/")
        else "imds:ListRoles"
    )


class ImdsApp:
    """`observer`, when given, counts and audits each request (family `imds`, actions
    `imds:GetToken`, `imds:ListRoles`, `imds:GetRoleCredentials`: ossbox's own names)."""

    def __init__(
        self,
        store: Store,
        account_id: str,
        role: str,
        *,
        v2_only: bool = False,
        observer: Observer | None = None,
    ):
        self.store = store
        self.account_id = account_id
        self.role = role
        self.v2_only = v2_only
        self.tokens = TokenSigner()
        self.observer = observer

    async def __call__(self, scope: dict[str, Any], receive: AsgiReceive, send: AsgiSend) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw = scope.get("raw_path") or scope["path"].encode()
        record, now = AuditRecord(family="imds"), datetime.now(UTC)
        response = await self.handle(scope["method"], raw.decode("latin-1"), headers)
        await send_response(send, response, head=scope["method"] == "HEAD")
        if self.observer is not None:
            self._keep(record, raw.decode("latin-1"), response, headers, now, scope)

    def _keep(
        self,
        record: AuditRecord,
        target: str,
        response: Response,
        headers: dict[str, str],
        now: datetime,
        scope: dict[str, Any],
    ) -> None:
        assert self.observer is not None
        record.action = _action(request_path(target))
        record.resource = f"acs:ram::{self.account_id}:role/{self.role}"
        record.bytes_out = len(response.body)
        if response.status >= 400:
            record.error_code = response.body.decode(errors="replace").replace(" ", "")
        self.observer.keep(
            record,
            response.status,
            now=now,
            request_id=new_request_id(),
            source_ip=(scope.get("client") or ("", 0))[0],
            user_agent=headers.get("user-agent", ""),
        )

    async def handle(self, method: str, target: str, headers: dict[str, str]) -> Response:
        path = request_path(target)
        if path == TOKEN_PATH:
            return self._token(method, headers)
        if not path.lower().startswith(CREDENTIALS_PREFIX):
            return _text(404, "Not Found")
        if method not in ("GET", "HEAD"):
            return _text(405, "Method Not Allowed")
        refusal = self._check_token(headers)
        if refusal is not None:
            return refusal
        return await asyncio.to_thread(self._credentials, path[len(CREDENTIALS_PREFIX) :])

    def _token(self, method: str, headers: dict[str, str]) -> Response:
        if method != "PUT":
            return _text(405, "Method Not Allowed")
        if "x-forwarded-for" in headers:
            return _text(403, "Forbidden")
        ttl = headers.get(TTL_HEADER, "")
        if not (ttl.isascii() and ttl.isdigit() and 1 <= int(ttl) <= MAX_TTL):
            return _text(400, "Bad Request")
        return _text(200, self.tokens.new(int(ttl), time.time()))

    def _check_token(self, headers: dict[str, str]) -> Response | None:
        token = headers.get(TOKEN_HEADER)
        if token is None:
            return _text(401, "Unauthorized") if self.v2_only else None
        return None if self.tokens.valid(token, time.time()) else _text(401, "Unauthorized")

    def _credentials(self, name: str) -> Response:
        role = self._attached_role()
        if role is None or name.rstrip("/") not in ("", role.name):
            return _text(404, "Not Found")
        if not name:
            return _text(200, role.name)
        now = datetime.now(UTC)
        creds = mint(self.store, role, SESSION_NAME, ECS_SERVICE, now)
        body = credentials_json(creds, LastUpdated=now.strftime(EXPIRATION_FORMAT))
        return Response(200, [("Content-Type", "application/json")], body)

    def _attached_role(self) -> Role | None:
        role = self.store.ram.get_role(self.account_id, self.role)
        if role is None:
            return None
        trust = permissions.parsed(role.assume_role_policy_document, PolicyKind.TRUST)
        context = {"acs:CurrentTime": datetime.now(UTC).strftime(EXPIRATION_FORMAT)}
        who = PrincipalRef.service(ECS_SERVICE)
        return role if evaluate_trust(trust, who, context, role_arn=role.arn).allowed else None
