"""Policies narrowed to the statements that can apply to one action, so a request is evaluated
against a handful of statements instead of every statement of every policy it involves.

A statement applies only if its Action (or NotAction) matches the request's action, and that
does not depend on anything else in the request; so dropping the statements that cannot match
changes no decision. Only statement indexes change: a Decision made on narrowed policies is
for allowing and denying, not for explaining (`ossbox explain` evaluates the full documents).

Narrowed policies are kept per (policy object, action): the policy objects come from the
parse cache (`permissions.parsed`), so they are the same objects request after request.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Lock

from ossbox.policy import NamedPolicy, Policy, Statement
from ossbox.policy.matching import wildcard_match

_MAX_ENTRIES = 8192
# (id of the policy, its name, action) -> (the policy, kept alive so the id stays its own;
# the narrowed policy, None when no statement is left)
_narrowed: dict[tuple[int, str, str], tuple[Policy, NamedPolicy | None]] = {}
_lock = Lock()


def _matches(statement: Statement, action: str) -> bool:
    if statement.actions:
        return any(wildcard_match(p, action, ignore_case=True) for p in statement.actions)
    return not any(wildcard_match(p, action, ignore_case=True) for p in statement.not_actions)


def _narrow(named: NamedPolicy, action: str) -> NamedPolicy | None:
    """`named` with only the statements whose Action/NotAction match `action`; None if none."""
    key = (id(named.policy), named.name, action)
    cached = _narrowed.get(key)
    if cached is not None and cached[0] is named.policy:
        return cached[1]
    policy = named.policy
    statements = tuple(s for s in policy.statements if _matches(s, action))
    narrowed = NamedPolicy(named.name, Policy(policy.kind, statements, policy.version))
    result = narrowed if statements else None
    with _lock:
        if len(_narrowed) >= _MAX_ENTRIES:
            _narrowed.clear()
        _narrowed[key] = (policy, result)
    return result


def narrow_all(policies: Sequence[NamedPolicy], action: str) -> list[NamedPolicy]:
    """The policies that have a statement for `action`, narrowed to those statements."""
    return [n for n in (_narrow(p, action) for p in policies) if n is not None]


def narrow_session(session: Policy | None, action: str) -> Policy | None:
    """A session policy narrowed to `action`. With no statement left it still stands, and
    allows nothing (a session policy must allow)."""
    if session is None:
        return None
    narrowed = _narrow(NamedPolicy("session policy", session), action)
    return Policy(session.kind, ()) if narrowed is None else narrowed.policy
