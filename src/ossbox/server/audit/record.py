"""What one request did, filled in as it flows, and the audit event it becomes.

Every step that learns something writes it here: routing the action and resource,
authentication the AccessKeyId it claimed (even when it fails) and the principal,
authorization the decision and the policy statements behind it, the renderer the error code.
The event never holds a secret: no AccessKey secret, no SecurityToken, no signature, no query
string (a signed URL carries its signature and token there).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ossbox.policy.evaluate import DecidingStatement, Decision
from ossbox.policy.explain import explain
from ossbox.server.errors import ProtocolError

if TYPE_CHECKING:
    from ossbox.server.auth import Principal

DecisionName = Literal["allow", "deny", "none"]
MAX_USER_AGENT = 256


def _statement(hit: DecidingStatement) -> str:
    sid = f"({hit.sid})" if hit.sid else ""
    return f"{hit.source}:{hit.policy}#{hit.statement}{sid}"


@dataclass
class AuditRecord:
    """Mutable while the request runs; `event()` freezes it into a JSON-able dict."""

    started: float = field(default_factory=time.perf_counter)
    family: str = "oss"  # oss, sts, ram, actiontrail, rpc, credentials-uri, oidc, internal
    action: str = ""
    resource: str = ""
    access_key_id: str = ""  # as claimed by the request, even if authentication fails
    principal: Principal | None = None
    decision: DecisionName = "none"
    policies: tuple[str, ...] = ()
    reason: str = ""
    error_code: str = ""
    auth_failure: str = ""  # the error code that refused the credentials, if they were
    bytes_in: int = 0
    bytes_out: int = 0

    # The last word wins: a refusal raises and ends the request, so what was noted last
    # before the response is what decided it.

    async def signed_in(self, attempt: Awaitable[Principal]) -> Principal:
        """Await an authentication: note its principal, or the code of the error refusing it."""
        try:
            principal = await attempt
        except ProtocolError as err:
            self.auth_failure = err.code
            raise
        self.principal = principal
        return principal

    def decided(self, decision: Decision) -> None:
        """A policy evaluation answered: allow, or deny (explicit or implicit)."""
        self.decision = "allow" if decision.allowed else "deny"
        self.policies = tuple(_statement(hit) for hit in decision.deciding)
        self.reason = explain(decision)
        self.resource = decision.resource or self.resource

    def granted(self, reason: str, resource: str = "") -> None:
        """Allowed without a policy: the bucket owner, the account root, an ACL."""
        self.decision, self.reason = "allow", reason
        self.resource = resource or self.resource

    def denied(self, reason: str) -> None:
        self.decision, self.reason = "deny", reason

    def event(
        self, *, now: datetime, request_id: str, source_ip: str, status: int, user_agent: str
    ) -> dict[str, Any]:
        principal = self.principal
        kind = principal.kind if principal is not None else ""
        return {
            "time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "requestId": request_id,
            "family": self.family,
            "action": self.action,
            "resource": self.resource,
            "principalType": kind,
            "principalArn": principal.arn if principal is not None and kind != "anonymous" else "",
            "accountId": (principal.account_id or "") if principal is not None else "",
            "accessKeyId": self.access_key_id,
            "sourceIp": source_ip,
            "userAgent": user_agent[:MAX_USER_AGENT],
            "decision": self.decision,
            "policy": list(self.policies),
            "reason": self.reason,
            "status": status,
            "errorCode": self.error_code,
            "authFailure": self.auth_failure,
            "bytesIn": self.bytes_in,
            "bytesOut": self.bytes_out,
            "latencyMs": round((time.perf_counter() - self.started) * 1000, 3),
        }
