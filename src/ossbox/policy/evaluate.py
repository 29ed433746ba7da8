"""Policy evaluation (protocol-spec §4.2): explicit Deny anywhere wins; a session policy, when
present, must Allow; identity and resource (bucket) policies are unioned for Allow; a trust
policy, when given, must Allow as well (AssumeRole); otherwise the request is implicitly denied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ossbox.policy.conditions import Context, holds, normalize_context
from ossbox.policy.matching import wildcard_match
from ossbox.policy.model import Effect, NamedPolicy, Policy, PolicyKind, Statement
from ossbox.policy.principals import (
    PrincipalRef,
    bucket_principal_matches,
    trust_principal_matches,
)

Source = Literal["identity", "session", "resource", "trust"]
Outcome = Literal["Allow", "ExplicitDeny", "ImplicitDeny"]
Missing = Literal["session", "identity-or-resource", "trust"]
_SOURCE_ORDER: Mapping[Source, int] = {"session": 0, "identity": 1, "resource": 2, "trust": 3}

ContextValues = Mapping[str, str | list[str] | tuple[str, ...]]


@dataclass(frozen=True)
class AuthzRequest:
    """One authorization question: may `principal` do `action` on `resource`?

    `context` holds condition keys (any case) such as acs:SourceIp, acs:SecureTransport
    ("true"/"false"), acs:CurrentTime (ISO 8601), oss:Prefix, sts:ExternalId, oidc:sub."""

    action: str
    resource: str
    principal: PrincipalRef
    context: ContextValues = field(default_factory=dict)


@dataclass(frozen=True)
class DecidingStatement:
    """A statement that matched the request (0-based `statement` index)."""

    source: Source
    policy: str
    statement: int
    effect: Effect
    sid: str | None = None


@dataclass(frozen=True)
class Decision:
    """The outcome, the statements behind it, and for an implicit deny what was missing."""

    allowed: bool
    effect: Outcome
    deciding: tuple[DecidingStatement, ...]
    action: str
    resource: str
    missing: tuple[Missing, ...] = ()


def evaluate(
    request: AuthzRequest,
    *,
    identity: Sequence[NamedPolicy] = (),
    session: Policy | NamedPolicy | None = None,
    resource: Sequence[NamedPolicy] = (),
    trust: Policy | NamedPolicy | None = None,
) -> Decision:
    """Decide `request` against every policy that applies to it."""
    context = normalize_context(request.context)
    hits: dict[Source, list[DecidingStatement]] = {
        "identity": _scan(identity, "identity", request, context),
        "session": _scan(_named(session, "session policy"), "session", request, context),
        "resource": _scan(resource, "resource", request, context),
        "trust": _scan(_named(trust, "trust policy"), "trust", request, context),
    }
    matched = [h for source_hits in hits.values() for h in source_hits]
    denies = [h for h in matched if h.effect == "Deny"]
    if denies:
        return _decision(request, "ExplicitDeny", denies)
    allows = {source: bool(source_hits) for source, source_hits in hits.items()}
    missing: list[Missing] = []
    if session is not None and not allows["session"]:
        missing.append("session")
    if not (allows["identity"] or allows["resource"]):
        missing.append("identity-or-resource")
    if trust is not None and not allows["trust"]:
        missing.append("trust")
    return _decision(request, "ImplicitDeny" if missing else "Allow", matched, tuple(missing))


def evaluate_trust(
    trust: Policy | NamedPolicy,
    caller: PrincipalRef,
    context: ContextValues | None = None,
    *,
    role_arn: str = "",
) -> Decision:
    """May `caller` assume the role whose trust policy is `trust`? (The caller's own policies
    are a separate question: `evaluate(..., trust=...)` asks both.)"""
    request = AuthzRequest("sts:AssumeRole", role_arn, caller, context or {})
    hits = _scan(
        _named(trust, "trust policy"), "trust", request, normalize_context(request.context)
    )
    denies = [h for h in hits if h.effect == "Deny"]
    if denies:
        return _decision(request, "ExplicitDeny", denies)
    return _decision(request, "Allow" if hits else "ImplicitDeny", hits, () if hits else ("trust",))


def _named(policy: Policy | NamedPolicy | None, default: str) -> tuple[NamedPolicy, ...]:
    if policy is None:
        return ()
    return (policy if isinstance(policy, NamedPolicy) else NamedPolicy(default, policy),)


def _decision(
    request: AuthzRequest,
    effect: Outcome,
    hits: list[DecidingStatement],
    missing: tuple[Missing, ...] = (),
) -> Decision:
    ordered = tuple(sorted(hits, key=_hit_order))
    return Decision(effect == "Allow", effect, ordered, request.action, request.resource, missing)


def _hit_order(hit: DecidingStatement) -> tuple[int, str, int, str, bool, str]:
    sid = hit.sid
    return (
        _SOURCE_ORDER[hit.source],
        hit.policy,
        hit.statement,
        hit.effect,
        sid is None,
        sid or "",
    )


def _scan(
    policies: Sequence[NamedPolicy], source: Source, request: AuthzRequest, context: Context
) -> list[DecidingStatement]:
    return [
        DecidingStatement(source, named.name, index, statement.effect, statement.sid)
        for named in policies
        for index, statement in enumerate(named.policy.statements)
        if applies(statement, named.policy.kind, request, context)
    ]


def applies(
    statement: Statement, kind: PolicyKind, request: AuthzRequest, context: Context
) -> bool:
    """Does `statement` (of a policy of `kind`) match `request`?"""
    return (
        _matches_any(statement.actions, statement.not_actions, request.action, ignore_case=True)
        and (
            kind is PolicyKind.TRUST
            or _matches_any(statement.resources, statement.not_resources, request.resource)
        )
        and _principal_matches(statement, request.principal)
        and all(holds(condition, context) for condition in statement.conditions)
    )


def _matches_any(
    patterns: tuple[str, ...],
    not_patterns: tuple[str, ...],
    value: str,
    *,
    ignore_case: bool = False,
) -> bool:
    if patterns:
        return any(wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)
    return not any(wildcard_match(p, value, ignore_case=ignore_case) for p in not_patterns)


def _principal_matches(statement: Statement, who: PrincipalRef) -> bool:
    if statement.principals is not None:
        return bucket_principal_matches(statement.principals, who)
    if statement.trust_principals is not None:
        return trust_principal_matches(statement.trust_principals, who)
    return True
