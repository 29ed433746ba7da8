"""STS actions: GetCallerIdentity, AssumeRole, AssumeRoleWithOIDC (unsigned)."""

from __future__ import annotations

from typing import Any

from ossbox.server.rpc.dispatch import RpcAction, RpcContext
from ossbox.server.sts.assume_role import assume_role
from ossbox.server.sts.oidc import assume_role_with_oidc

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
        user_id = _user_id(ctx, principal.account_id or "", principal.name)
        identity.update(IdentityType="RAMUser", PrincipalId=user_id, UserId=user_id)
    return identity


def _user_id(ctx: RpcContext, account_id: str, name: str) -> str:
    """The RAM user's UserId (its name if the user record is gone). Inline: a key lookup."""
    user = ctx.request.store.ram.get_user(account_id, name)
    return name if user is None else user.user_id


ACTIONS: dict[str, RpcAction] = {
    "GetCallerIdentity": RpcAction(get_caller_identity),
    "AssumeRole": RpcAction(assume_role),
    "AssumeRoleWithOIDC": RpcAction(assume_role_with_oidc, anonymous=True),
}
