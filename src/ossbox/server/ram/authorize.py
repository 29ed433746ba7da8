"""Who may call which RAM action on what.

The account's root may do everything. Anyone else (a RAM user, a role session) needs
`ram:<Action>` allowed by its identity policies (a role session: its role's policies within its
session policy) on every resource the call touches, as RAM names them:
`acs:ram:*:<account>:user/<name>`, `group/<name>`, `role/<name>`, `policy/<name>` (a system
policy: `acs:ram:*:system:policy/<name>`), `oidc-provider/<name>`, and `acs:ram:*:<account>:*`
for account-wide calls (listings, account settings). Otherwise: 403 NoPermission.

Resources are computed from validated parameters before anything is read or written, so a
caller without the permission learns nothing about which entities exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ossbox.policy import AuthzRequest, evaluate
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import no_permission
from ossbox.server.ram.params import (
    GROUP_NAME,
    OIDC_PROVIDER_NAME,
    POLICY_NAME,
    ROLE_NAME,
    USER_NAME,
    NameRule,
)
from ossbox.server.sts import permissions

Resource = Callable[[RamCall], str]  # the ARN a call touches, from its parameters


def request_context(call: RamCall) -> dict[str, str]:
    """Condition keys every RAM call carries."""
    request = call.rpc.request
    return {
        "acs:CurrentTime": request.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "acs:SourceIp": request.source_ip,
        "acs:SecureTransport": "true" if request.config.secure else "false",
    }


def authorize(call: RamCall, resources: Sequence[Resource]) -> None:
    """Raise NoPermission unless the caller may do `ram:<call.action>` on every resource."""
    arns = [resource(call) for resource in resources]  # validates the parameters first
    principal, audit = call.principal, call.rpc.request.audit
    if principal.kind == "root":
        audit.granted("Allowed: the account's root.", arns[0] if arns else "")
        return
    who = permissions.principal_ref(principal)
    identity, session = permissions.caller_policies(call.ram, principal)
    context = request_context(call)
    for arn in arns:
        request = AuthzRequest(f"ram:{call.action}", arn, who, context)
        decision = evaluate(request, identity=identity, session=session)
        audit.decided(decision)
        if not decision.allowed:
            raise no_permission()


def _arn(call: RamCall, relative: str) -> str:
    return f"acs:ram:*:{call.account_id}:{relative}"


def _named(kind: str, rule: NameRule, param: str) -> Resource:
    return lambda call: _arn(call, f"{kind}/{call.params.name(param, rule)}")


def _renamed(kind: str, rule: NameRule, param: str, new_param: str) -> Resource:
    """The entity's new name when the call renames it (else its name): becoming another name
    can gain what policies grant to that name, so the caller must be allowed on it too."""

    def resource(call: RamCall) -> str:
        new_name = call.params.optional_name(new_param, rule)
        return _arn(call, f"{kind}/{new_name or call.params.name(param, rule)}")

    return resource


def user(param: str = "UserName") -> Resource:
    return _named("user", USER_NAME, param)


def renamed_user() -> Resource:
    return _renamed("user", USER_NAME, "UserName", "NewUserName")


def renamed_group() -> Resource:
    return _renamed("group", GROUP_NAME, "GroupName", "NewGroupName")


def group(param: str = "GroupName") -> Resource:
    return _named("group", GROUP_NAME, param)


def role(param: str = "RoleName") -> Resource:
    return _named("role", ROLE_NAME, param)


def oidc_provider(param: str = "OIDCProviderName") -> Resource:
    return _named("oidc-provider", OIDC_PROVIDER_NAME, param)


def key_owner(call: RamCall) -> str:
    """The user whose AccessKeys the call manages (UserName, else the caller)."""
    owner = call.key_owner()
    return _arn(call, "root") if owner is None else _arn(call, f"user/{owner}")


def custom_policy(call: RamCall) -> str:
    return _arn(call, f"policy/{call.params.name('PolicyName', POLICY_NAME)}")


def typed_policy(call: RamCall) -> str:
    """A policy named with PolicyName and PolicyType (system policies live in no account)."""
    name = call.params.name("PolicyName", POLICY_NAME)
    if call.params.policy_type() == "System":
        return f"acs:ram:*:system:policy/{name}"
    return _arn(call, f"policy/{name}")


def account(call: RamCall) -> str:
    return _arn(call, "*")
