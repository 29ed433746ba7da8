"""STS actions: GetCallerIdentity, AssumeRole (AssumeRoleWithOIDC comes with OIDC)."""

from __future__ import annotations

from typing import Any

from ossbox.server.rpc.dispatch import RpcAction, RpcContext
from ossbox.server.sts.assume_role import assume_role

VERSION = "2015-04-01"


async def get_caller_identity(ctx: RpcContext) -> dict[str, Any]:
    principal = ctx.principal
    identity: dict[str, Any] = {"AccountId": principal.account_id, "Arn": principal.arn}
    if principal.kind == "root":
        identity.update(IdentityType="Account", PrincipalId=principal.account_id)
    elif principal.session is not None:
        session = principal.session
        identity.update(
            IdentityType="AssumedRoleUser",
            PrincipalId=session.assumed_role_id,
            RoleId=session.role_id,
        )
    else:
        identity.update(IdentityType="RAMUser", PrincipalId=principal.name, UserId=principal.name)
    return identity


ACTIONS: dict[str, RpcAction] = {
    "GetCallerIdentity": RpcAction(get_caller_identity),
    "AssumeRole": RpcAction(assume_role),
}
