"""ActionTrail's LookupEvents (Version 2020-07-06) over this server's audit trail.

Parameters, as ActionTrail documents them: StartTime and EndTime (ISO 8601 UTC, both or
neither; default the last 7 days), LookupAttribute.N.Key / .Value (at most two conditions,
exact and case-sensitive; a key given twice keeps the last), MaxResults (0..50, default 20),
NextToken (from the previous page, with the same parameters), Direction (BACKWARD, the
default: newest first; or FORWARD). Answer: RequestId, StartTime, EndTime, Events and, when
more remain, NextToken. Callers see their own account's events only; anyone but the root
needs actiontrail:LookupEvents (ActionTrail has no resource-level permission: Resource "*").
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ossbox.policy import AuthzRequest, evaluate
from ossbox.server.audit.query import Event, Filter, search
from ossbox.server.audit.writer import audit_dir
from ossbox.server.ram.errors import no_permission
from ossbox.server.rpc.dispatch import RpcAction, RpcContext
from ossbox.server.rpc.errors import RpcError
from ossbox.server.sts import permissions

VERSION = "2020-07-06"
DEFAULT_WINDOW = timedelta(days=7)
DEFAULT_MAX_RESULTS = 20  # UNCONFIRMED: ActionTrail documents the range 0..50, not the default
MAX_RESULTS = 50
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ATTRIBUTE_KEY = re.compile(r"LookupAttribute\.([0-9]{1,9})\.Key")
_SERVICES = {"oss": "Oss", "sts": "Sts", "ram": "Ram", "actiontrail": "Actiontrail"}
_READ_PREFIXES = ("Get", "List", "Head", "Describe", "Lookup", "Option")
# LookupAttribute keys ActionTrail supports that this trail records.
_ATTRIBUTES = (
    "ServiceName",
    "EventName",
    "User",
    "EventId",
    "ResourceType",
    "ResourceName",
    "EventRW",
    "EventAccessKeyId",
    "SourceIpAddress",
    "EventType",
    "RoleName",
)


def invalid_parameter(name: str, detail: str) -> RpcError:
    # UNCONFIRMED: ActionTrail's exact code and wording for each bad parameter are not documented.
    return RpcError(400, "InvalidParameter", f"The parameter {name} is invalid: {detail}")


def _time(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return datetime.strptime(raw, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise invalid_parameter(name, "expected yyyy-MM-ddTHH:mm:ssZ") from None


def _window(params: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    start, end = _time(params, "StartTime"), _time(params, "EndTime")
    if (start is None) != (end is None):
        raise invalid_parameter("StartTime", "StartTime and EndTime go together")
    if start is None or end is None:
        return now - DEFAULT_WINDOW, now
    if start > end:
        raise invalid_parameter("StartTime", "StartTime is after EndTime")
    return start, end


def _attributes(params: Mapping[str, str]) -> dict[str, str]:
    """The first two LookupAttribute conditions, by index; a repeated key keeps the last."""
    matches = (_ATTRIBUTE_KEY.fullmatch(name) for name in params)
    # The index as given ("01" stays "01"), ordered by its value.
    indexes = sorted((match.group(1) for match in matches if match is not None), key=int)
    conditions: dict[str, str] = {}
    for index in indexes[:2]:
        key = params[f"LookupAttribute.{index}.Key"]
        if key not in _ATTRIBUTES:
            raise invalid_parameter("LookupAttribute.N.Key", f"unsupported key {key[:64]!r}")
        conditions[key] = params.get(f"LookupAttribute.{index}.Value", "")
    return conditions


def _max_results(params: Mapping[str, str]) -> int:
    raw = params.get("MaxResults")
    if raw is None or raw == "":
        return DEFAULT_MAX_RESULTS
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and int(raw) <= MAX_RESULTS):
        raise invalid_parameter("MaxResults", f"expected 0..{MAX_RESULTS}")
    return int(raw)


def _event_name(event: Event) -> str:
    return str(event.get("action", "")).partition(":")[2]


def _resource_type(event: Event) -> str:
    service = _SERVICES.get(str(event.get("family", "")), "")
    if service == "Oss":
        return "ACS::OSS::Object" if "/" in str(event.get("resource", "")) else "ACS::OSS::Bucket"
    resource = str(event.get("resource", "")).rpartition(":")[2]
    kind = resource.partition("/")[0]
    return f"ACS::{service.upper()}::{kind.title()}" if kind and kind != "*" else ""


def _user(event: Event) -> str:
    relative = str(event.get("principalArn", "")).rpartition(":")[2]
    return relative.partition("/")[2] or relative


def _role_name(event: Event) -> str:
    relative = str(event.get("principalArn", "")).rpartition(":")[2]
    if relative.startswith("assumed-role/"):
        return relative.split("/")[1]
    return ""


def _rw(event: Event) -> str:
    return "Read" if _event_name(event).startswith(_READ_PREFIXES) else "Write"


def _attribute(event: Event, key: str) -> str:
    if key == "ServiceName":
        return _SERVICES.get(str(event.get("family", "")), "")
    if key == "EventName":
        return _event_name(event)
    if key == "User":
        return _user(event)
    if key == "ResourceType":
        return _resource_type(event)
    if key == "EventRW":
        return _rw(event)
    if key == "EventType":
        return "ApiCall"
    if key == "RoleName":
        return _role_name(event)
    return str(event.get(_FIELDS[key], ""))


_FIELDS = {
    "EventId": "requestId",
    "ResourceName": "resource",
    "EventAccessKeyId": "accessKeyId",
    "SourceIpAddress": "sourceIp",
}


_IDENTITY_TYPES = {"root": "root-account", "user": "ram-user", "assumed-role": "assumed-role"}


def shape(event: Event, region: str) -> dict[str, Any]:
    """An audit event as ActionTrail presents one (UNCONFIRMED beyond the documented names:
    ossbox's decision, policy and sizes travel in additionalEventData)."""
    return {
        "eventId": event.get("requestId", ""),
        "eventName": _event_name(event),
        "eventRW": _rw(event),
        "eventSource": "ossbox",
        "eventType": "ApiCall",
        "eventTime": event.get("time", ""),
        "eventVersion": "1",
        "acsRegion": region,
        "requestId": event.get("requestId", ""),
        "serviceName": _SERVICES.get(str(event.get("family", "")), ""),
        "sourceIpAddress": event.get("sourceIp", ""),
        "userAgent": event.get("userAgent", ""),
        "userIdentity": {
            "type": _IDENTITY_TYPES.get(str(event.get("principalType", "")), "unknown"),
            "accountId": event.get("accountId", ""),
            "arn": event.get("principalArn", ""),
            "userName": _user(event),
            "accessKeyId": event.get("accessKeyId", ""),
        },
        "resourceName": event.get("resource", ""),
        "resourceType": _resource_type(event),
        "errorCode": event.get("errorCode", ""),
        "additionalEventData": {
            name: event.get(name)
            for name in (
                "decision",
                "policy",
                "reason",
                "status",
                "authFailure",
                "bytesIn",
                "bytesOut",
                "latencyMs",
            )
        },
    }


Cursor = tuple[str, str]  # (time, requestId) of the last event of the previous page


def _order(event: Event) -> Cursor:
    return (str(event.get("time", "")), str(event.get("requestId", "")))


def _token(query: Mapping[str, Any], last: Cursor) -> str:
    """Opaque: the query it continues (a digest) and where the previous page stopped, so a
    page is stable even while new events arrive."""
    raw = json.dumps({"q": _digest(query), "t": last[0], "r": last[1]}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _digest(query: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _cursor(params: Mapping[str, str], query: Mapping[str, Any]) -> Cursor | None:
    raw = params.get("NextToken")
    if not raw:
        return None
    try:
        token = json.loads(base64.urlsafe_b64decode(raw.encode()))
        cursor, same = (str(token["t"]), str(token["r"])), token["q"] == _digest(query)
    except (ValueError, TypeError, KeyError, RecursionError):
        raise invalid_parameter("NextToken", "not a token this API returned") from None
    if not same:
        raise invalid_parameter("NextToken", "the other parameters changed")
    return cursor


def _authorize(ctx: RpcContext) -> None:
    principal, audit = ctx.principal, ctx.request.audit
    arn = f"acs:actiontrail:{ctx.request.config.region}:{principal.account_id}:*"
    audit.resource = arn
    if principal.kind == "root":
        audit.granted("Allowed: the account's root.")
        return
    who = permissions.principal_ref(principal)
    identity, session = permissions.caller_policies(ctx.request.store.ram, principal)
    context = permissions.request_context(ctx.request)
    decision = evaluate(
        AuthzRequest("actiontrail:LookupEvents", arn, who, context),
        identity=identity,
        session=session,
    )
    audit.decided(decision)
    if not decision.allowed:
        raise no_permission()


def _lookup(ctx: RpcContext) -> dict[str, Any]:
    params = ctx.params
    start, end = _window(params, ctx.request.now)
    conditions = _attributes(params)
    limit = _max_results(params)
    direction = params.get("Direction") or "BACKWARD"
    if direction not in ("BACKWARD", "FORWARD"):
        raise invalid_parameter("Direction", "expected BACKWARD or FORWARD")
    given = {name: params.get(name) for name in ("StartTime", "EndTime", "MaxResults")}
    query = {**given, "a": conditions, "d": direction}
    cursor = _cursor(params, query)
    _authorize(ctx)
    if ctx.request.audit_log is not None:
        ctx.request.audit_log.flush()  # this process's latest events are readable now
    account = ctx.principal.account_id
    backward = direction == "BACKWARD"
    found = [
        event
        for event in search(
            audit_dir(ctx.request.config.data_dir),
            Filter(since=start, until=end),
        )
        if event.get("accountId") == account
        and all(_attribute(event, key) == value for key, value in conditions.items())
    ]
    found.sort(key=_order, reverse=backward)
    if cursor is not None:
        found = [e for e in found if (_order(e) < cursor if backward else _order(e) > cursor)]
    page = found[:limit]
    region = ctx.request.config.region
    body: dict[str, Any] = {
        "StartTime": start.strftime(TIME_FORMAT),
        "EndTime": end.strftime(TIME_FORMAT),
        "Events": [shape(event, region) for event in page],
    }
    if 0 < limit < len(found):
        body["NextToken"] = _token(query, _order(page[-1]))
    return body


async def lookup_events(ctx: RpcContext) -> dict[str, Any]:
    return await asyncio.to_thread(_lookup, ctx)


ACTIONS: dict[str, RpcAction] = {"LookupEvents": RpcAction(lookup_events)}
