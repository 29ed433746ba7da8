"""AssumeRole (STS 2015-04-01): a RAM user or a role session gets temporary credentials of a role.

Checks, in order, each failure with STS's code:
1. parameters: RoleArn (MissingParameter, InvalidParameter.RoleArn), RoleSessionName (2-64 of
   A-Z a-z 0-9 . @ - _), DurationSeconds (an integer), Policy (at most 2,048 characters of valid
   identity policy: PolicySize, PolicyGrammar), ExternalId (2-1,224 of \\w + = , . @ : / -);
2. the caller: an account's root may not assume roles (NoPermission);
3. the caller's own permissions allow sts:AssumeRole on the role ARN (a role session's: its
   role's policies and its session policy). Checked before the role is looked up, so a caller
   without the permission learns nothing about which roles exist;
4. the role exists (EntityNotExist.Role);
5. its trust policy admits the caller, with sts:ExternalId in the condition context;
6. DurationSeconds is 900..the role's MaxSessionDuration (default 3,600). A chained session
   (the caller is itself a role session) is capped at 3,600 s, the rule AWS documents for role
   chaining (RAM documents none); its expiry is not clamped to the caller's own.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ossbox.policy import (
    SESSION_POLICY_MAX_CHARS,
    TOO_LARGE,
    AuthzRequest,
    Policy,
    PolicyError,
    PolicyKind,
    check_session_policy_size,
    evaluate,
    evaluate_trust,
)
from ossbox.server.audit.record import AuditRecord
from ossbox.server.auth import Principal
from ossbox.server.rpc.dispatch import RpcContext
from ossbox.server.rpc.errors import RpcError, missing_parameter
from ossbox.server.sts import permissions
from ossbox.server.sts.tokens import RoleSession, StsCredentials, issue
from ossbox.store.ram import RamStore, Role

MIN_DURATION = 900
DEFAULT_DURATION = 3600
CHAINED_MAX_DURATION = 3600
EXPIRATION_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

_ROLE_ARN = re.compile(r"acs:ram::(?P<account>[0-9]+):role/(?P<name>[^/:\s]{1,64})", re.ASCII)
_SESSION_NAME = re.compile(r"[A-Za-z0-9.@_-]{2,64}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


@dataclass(frozen=True)
class AssumeRoleParams:
    role_account: str
    role_name: str
    session_name: str
    duration: int | None
    policy_text: str | None
    policy: Policy | None
    external_id: str | None
    source_identity: str

    @property
    def role_arn(self) -> str:
        return f"acs:ram::{self.role_account}:role/{self.role_name}"


# --- errors ----------------------------------------------------------------------------------


def _wrongly_formed(name: str) -> RpcError:
    return RpcError(400, f"InvalidParameter.{name}", f"The parameter {name} is wrongly formed.")


def no_permission(message: str = "") -> RpcError:
    return RpcError(
        403,
        "NoPermission",
        message or "You are not authorized to do this action. You should be authorized by RAM.",
    )


def _bad_duration(maximum: int) -> RpcError:
    upper = f"{maximum // 3600}hr" if maximum % 3600 == 0 else f"{maximum}s"
    message = f"The Min/Max value of DurationSeconds is 15min/{upper}."
    return RpcError(400, "InvalidParameter.DurationSeconds", message)


# --- parameters ------------------------------------------------------------------------------


def parse_params(params: Mapping[str, str]) -> AssumeRoleParams:
    """The validated parameters; RpcError for the first one that is wrong."""
    role_arn = params.get("RoleArn") or ""
    if not role_arn:
        raise missing_parameter("RoleArn")
    arn = _ROLE_ARN.fullmatch(role_arn)
    if arn is None:
        raise _wrongly_formed("RoleArn")
    session_name = params.get("RoleSessionName") or ""
    if not session_name:
        raise missing_parameter("RoleSessionName")
    if _SESSION_NAME.fullmatch(session_name) is None:
        raise _wrongly_formed("RoleSessionName")
    policy_text = params.get("Policy") or None
    return AssumeRoleParams(
        role_account=arn["account"],
        role_name=arn["name"],
        session_name=session_name,
        duration=_duration(params.get("DurationSeconds")),
        policy_text=policy_text,
        policy=None if policy_text is None else _session_policy(policy_text),
        external_id=_optional(params, "ExternalId", _EXTERNAL_ID),
        source_identity=_optional(params, "SourceIdentity", _SOURCE_IDENTITY) or "",
    )


def _duration(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise _bad_duration(DEFAULT_DURATION)
    return int(raw)


def _session_policy(text: str) -> Policy:
    try:
        check_session_policy_size(text)
        return permissions.parsed(text)
    except PolicyError as err:
        if err.code == TOO_LARGE:
            message = f"The size of Policy must be smaller than {SESSION_POLICY_MAX_CHARS} bytes."
            raise RpcError(400, "InvalidParameter.PolicySize", message) from None
        message = f"The parameter Policy has not passed grammar check. {err.message}"
        raise RpcError(400, "InvalidParameter.PolicyGrammar", message) from None


def _optional(params: Mapping[str, str], name: str, pattern: re.Pattern[str]) -> str | None:
    value = params.get(name) or None
    if value is not None and pattern.fullmatch(value) is None:
        raise _wrongly_formed(name)
    return value


# --- authorization ---------------------------------------------------------------------------


def condition_context(ctx: RpcContext, params: AssumeRoleParams) -> dict[str, str]:
    context = permissions.request_context(ctx.request)
    if params.external_id is not None:
        context["sts:ExternalId"] = params.external_id
    return context


def authorize(
    ram: RamStore,
    caller: Principal,
    params: AssumeRoleParams,
    context: Mapping[str, str],
    audit: AuditRecord,
) -> Role:
    """The role `caller` may assume, or the RpcError that refuses it. Blocking (store reads).
    Each decision is noted in `audit`."""
    audit.resource = params.role_arn
    if caller.kind == "root":
        audit.denied("Denied: roles may not be assumed by root accounts.")
        raise no_permission("Roles may not be assumed by root accounts.")
    who = permissions.principal_ref(caller)
    identity, session = permissions.caller_policies(ram, caller)
    request = AuthzRequest("sts:AssumeRole", params.role_arn, who, context)
    decision = evaluate(request, identity=identity, session=session)
    audit.decided(decision)
    if not decision.allowed:
        raise no_permission()
    role = ram.get_role(params.role_account, params.role_name)
    if role is None:
        raise RpcError(404, "EntityNotExist.Role", "The specified Role not exists.")
    trust = permissions.parsed(role.assume_role_policy_document, PolicyKind.TRUST)
    trusted = evaluate_trust(trust, who, context, role_arn=role.arn)
    if not trusted.allowed:
        audit.decided(trusted)
        raise no_permission()
    return role


def session_duration(caller: Principal, role: Role, requested: int | None) -> int:
    maximum = role.max_session_duration
    if caller.session is not None:
        maximum = min(maximum, CHAINED_MAX_DURATION)
    duration = DEFAULT_DURATION if requested is None else requested
    if not MIN_DURATION <= duration <= maximum:
        raise _bad_duration(maximum)
    return duration


# --- issuing ---------------------------------------------------------------------------------


def new_session(
    caller: Principal, role: Role, params: AssumeRoleParams, now: datetime, duration: int
) -> RoleSession:
    return RoleSession(
        account_id=role.account_id,
        role_name=role.name,
        role_id=role.role_id,
        session_name=params.session_name,
        caller_arn=caller.arn,
        policy=params.policy_text,
        issued_at=now.replace(microsecond=now.microsecond // 1000 * 1000),
        expires_at=now.replace(microsecond=0) + timedelta(seconds=duration),
    )


def response(creds: StsCredentials, source_identity: str = "") -> dict[str, Any]:
    session = creds.session
    return {
        "AssumedRoleUser": {
            "Arn": f"{session.role_arn}/{session.session_name}",
            "AssumedRoleId": session.assumed_role_id,
        },
        "Credentials": {
            "AccessKeyId": creds.access_key_id,
            "AccessKeySecret": creds.secret,
            "SecurityToken": creds.token,
            "Expiration": session.expires_at.strftime(EXPIRATION_FORMAT),
        },
        "SourceIdentity": source_identity,
    }


def _assume(ctx: RpcContext, ram: RamStore) -> dict[str, Any]:
    params = parse_params(ctx.params)
    context = condition_context(ctx, params)
    role = authorize(ram, ctx.principal, params, context, ctx.request.audit)
    duration = session_duration(ctx.principal, role, params.duration)
    session = new_session(ctx.principal, role, params, ctx.request.now, duration)
    return response(issue(ctx.request.store.master_key, session), params.source_identity)


async def assume_role(ctx: RpcContext) -> dict[str, Any]:
    return await asyncio.to_thread(_assume, ctx, ctx.request.store.ram)
