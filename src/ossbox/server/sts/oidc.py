"""AssumeRoleWithOIDC (STS 2015-04-01): an OIDC token (RRSA: a pod's service-account token)
buys temporary credentials of a role whose trust policy names the OIDC provider.

Unsigned, as the official clients send it: the token is the proof. Checks, in order:
1. parameters: OIDCProviderArn, RoleArn, OIDCToken (4-20,000 characters), RoleSessionName
   (2-64; when absent, `oidc-<unix time>`, UNCONFIRMED), DurationSeconds, Policy: as AssumeRole;
2. the provider exists (AuthenticationFail.NoPermission "No such OIDC Provider registered.");
3. the token verifies against it (server/oidc/verify.py: iss, keys, signature, aud, exp, iat);
4. the role exists (EntityNotExist.Role);
5. its trust policy admits the Federated principal (the provider ARN) with oidc:iss, oidc:aud
   and oidc:sub in the condition context (AuthenticationFail.NoPermission "There is no
   permission");
6. DurationSeconds is 900..the role's MaxSessionDuration.

The OIDC token's `exp` does NOT clamp the session: the credentials last DurationSeconds, as
AWS does for AssumeRoleWithWebIdentity (a projected token is renewed hourly, a session may be
longer). The session is an ordinary assumed-role session, so OSS enforcement applies as for
AssumeRole.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import datetime
from typing import Any

from ossbox.policy import PolicyKind, PrincipalRef, evaluate_trust
from ossbox.server.auth import ANONYMOUS
from ossbox.server.oidc.keyring import key_source
from ossbox.server.oidc.verify import OidcTokenInfo, verify_token
from ossbox.server.rpc.dispatch import RpcContext
from ossbox.server.rpc.errors import RpcError, missing_parameter
from ossbox.server.sts import permissions
from ossbox.server.sts.assume_role import (
    EXPIRATION_FORMAT,
    AssumeRoleParams,
    new_session,
    parse_params,
    response,
    session_duration,
)
from ossbox.server.sts.tokens import issue
from ossbox.store.ram import OidcProvider, RamStore, Role

TOKEN_MIN, TOKEN_MAX = 4, 20000
_PROVIDER_ARN = re.compile(
    r"acs:ram::(?P<account>[0-9]+):oidc-provider/(?P<name>[A-Za-z0-9.-]{1,128})", re.ASCII
)


def _no_permission(message: str) -> RpcError:
    return RpcError(403, "AuthenticationFail.NoPermission", message)


def _provider_arn(raw: str | None) -> tuple[str, str]:
    if not raw:
        raise missing_parameter("OIDCProviderArn")
    match = _PROVIDER_ARN.fullmatch(raw)
    if match is None:
        message = "The parameter OIDCProviderArn is wrongly formed."
        raise RpcError(400, "InvalidParameter.OIDCProviderArn", message)
    return match["account"], match["name"]


def _token(raw: str | None) -> str:
    if not raw:
        raise missing_parameter("OIDCToken")
    if not TOKEN_MIN <= len(raw) <= TOKEN_MAX:  # code UNCONFIRMED
        message = f"The length of OIDCToken must be {TOKEN_MIN} to {TOKEN_MAX} characters."
        raise RpcError(400, "InvalidParameter.OIDCToken", message)
    return raw.strip()


def _role_params(ctx: RpcContext) -> AssumeRoleParams:
    """RoleArn, RoleSessionName, DurationSeconds and Policy, validated as AssumeRole does."""
    names = ("RoleArn", "RoleSessionName", "DurationSeconds", "Policy")
    params = {n: ctx.params[n] for n in names if ctx.params.get(n)}
    params.setdefault("RoleSessionName", f"oidc-{int(ctx.request.now.timestamp())}")
    return parse_params(params)


def _trusted(role: Role, provider: OidcProvider, info: OidcTokenInfo, ctx: RpcContext) -> bool:
    context: dict[str, str | list[str]] = dict(permissions.request_context(ctx.request))
    context.update({"oidc:iss": info.issuer, "oidc:sub": info.subject})
    context["oidc:aud"] = list(info.audiences)
    trust = permissions.parsed(role.assume_role_policy_document, PolicyKind.TRUST)
    who = PrincipalRef.federated(provider.arn)
    decision = evaluate_trust(trust, who, context, role_arn=role.arn)
    ctx.request.audit.decided(decision)
    return decision.allowed


def _token_info(info: OidcTokenInfo) -> dict[str, str]:
    return {
        "Subject": info.subject,
        "Issuer": info.issuer,
        "ClientIds": ",".join(info.audiences),
        "ExpirationTime": info.expires_at.strftime(EXPIRATION_FORMAT),
        "IssuanceTime": info.issued_at.strftime(EXPIRATION_FORMAT),
        "VerificationInfo": "Success",  # UNCONFIRMED value
    }


def _assume(ctx: RpcContext, ram: RamStore) -> dict[str, Any]:
    account, name = _provider_arn(ctx.params.get("OIDCProviderArn"))
    token = _token(ctx.params.get("OIDCToken"))
    params = _role_params(ctx)
    now: datetime = ctx.request.now
    provider = ram.get_oidc_provider(account, name)
    if provider is None:
        raise _no_permission("No such OIDC Provider registered.")
    info = verify_token(token, provider, key_source(ctx.request.config), now)
    role = ram.get_role(params.role_account, params.role_name)
    if role is None:
        raise RpcError(404, "EntityNotExist.Role", f"The role not exists: {params.role_arn}.")
    if role.account_id != provider.account_id or not _trusted(role, provider, info, ctx):
        raise _no_permission("There is no permission")
    duration = session_duration(ANONYMOUS, role, params.duration)
    session = new_session(ANONYMOUS, role, params, now, duration)
    session = dataclasses.replace(session, caller_arn=provider.arn)
    body = response(issue(ctx.request.store.master_key, session))
    return {**body, "OIDCTokenInfo": _token_info(info)}


async def assume_role_with_oidc(ctx: RpcContext) -> dict[str, Any]:
    return await asyncio.to_thread(_assume, ctx, ctx.request.store.ram)
