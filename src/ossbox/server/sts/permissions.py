"""The policies that decide what a caller may do: a RAM user's, or a role session's (its role's
policies as identity, intersected with its session policy).

Stored documents were validated when written; they are parsed here once per distinct text
(an LRU cache), so a request costs a store read, not a parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ossbox.policy import NamedPolicy, Policy, PolicyKind, PrincipalRef, parse_policy
from ossbox.server.auth import Principal
from ossbox.server.context import RequestContext
from ossbox.server.sts.tokens import RoleSession
from ossbox.store.ram import AttachedPolicy, RamStore


def request_context(request: RequestContext) -> dict[str, str]:
    """The condition keys every request carries."""
    return {
        "acs:CurrentTime": request.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "acs:SourceIp": request.source_ip,
        "acs:SecureTransport": "true" if request.config.secure else "false",
    }


@lru_cache(maxsize=4096)
def parsed(document: str, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    return parse_policy(document, kind=kind)


def named(attached: Sequence[AttachedPolicy]) -> list[NamedPolicy]:
    return [NamedPolicy(p.name, parsed(p.document)) for p in attached]


def session_policy(session: RoleSession) -> Policy | None:
    return None if session.policy is None else parsed(session.policy)


def role_session_identity(ram: RamStore, session: RoleSession) -> list[NamedPolicy]:
    """The role's policies, or none if the role was deleted (or deleted and re-created: a
    session belongs to the role id it was issued for)."""
    role = ram.get_role(session.account_id, session.role_name)
    if role is None or role.role_id != session.role_id:
        return []
    return named(ram.policies_for_role(session.account_id, role.name))


def principal_ref(principal: Principal) -> PrincipalRef:
    """The principal as policies name it."""
    session, account = principal.session, principal.account_id
    if session is not None:
        return PrincipalRef.assumed_role(
            session.account_id, session.role_name, session.session_name, session.role_id
        )
    if account is None:
        return PrincipalRef.anonymous()
    if principal.kind == "root":
        return PrincipalRef.root(account)
    return PrincipalRef.user(account, principal.name)


def caller_policies(ram: RamStore, principal: Principal) -> tuple[list[NamedPolicy], Policy | None]:
    """(identity policies, session policy) of a RAM user or role session. Blocking."""
    if principal.session is not None:
        return role_session_identity(ram, principal.session), session_policy(principal.session)
    if principal.kind == "user" and principal.account_id is not None:
        return named(ram.policies_for_user(principal.account_id, principal.name)), None
    return [], None
