"""One sentence on why a Decision came out the way it did."""

from __future__ import annotations

from collections.abc import Sequence

from ossbox.policy.evaluate import DecidingStatement, Decision

_LABELS = {
    "identity": "policy",
    "session": "session policy",
    "resource": "bucket policy",
    "trust": "trust policy",
}
_MISSING = {
    "session": "the session policy does not allow it (a session policy can only narrow "
    "the permissions of the role)",
    "identity-or-resource": "no RAM policy or bucket policy allows it",
    "trust": "the role's trust policy does not allow this caller to assume the role",
}


def explain(decision: Decision) -> str:
    """A human-readable sentence: which statement allowed or denied, or that nothing allowed."""
    what = decision.action + (f" on {decision.resource}" if decision.resource else "")
    if decision.effect == "ExplicitDeny":
        return (
            f"Denied: {what} is explicitly denied by {_statements(decision.deciding)}; "
            "an explicit Deny overrides every Allow."
        )
    if decision.effect == "Allow":
        return f"Allowed: {what} is allowed by {_statements(decision.deciding)}."
    reasons = " and ".join(_MISSING[m] for m in decision.missing)
    if decision.deciding:
        allowing = _statements(decision.deciding)
        return f"Denied: {what} is allowed by {allowing}, but {reasons}."
    return f"Denied: {what} is implicitly denied because {reasons}."


def _statements(hits: Sequence[DecidingStatement]) -> str:
    return _join([_statement(hit) for hit in hits])


def _statement(hit: DecidingStatement) -> str:
    label = _LABELS[hit.source]
    name = "" if hit.policy == label else f' "{hit.policy}"'
    sid = f' (Sid "{hit.sid}")' if hit.sid else ""
    return f"{label}{name} Statement[{hit.statement}]{sid}"


def _join(parts: list[str]) -> str:
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
