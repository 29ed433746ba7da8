"""RAM policies, pure: parse and validate documents when written, evaluate requests, explain.

policy = parse_policy(text, kind=PolicyKind.IDENTITY)
decision = evaluate(AuthzRequest(action, resource, principal, context),
                    identity=[NamedPolicy("RamTestPolicy", policy)])
explain(decision)
"""

from __future__ import annotations

from ossbox.policy.arn import oss_resource_arn, oss_service_arn
from ossbox.policy.conditions import OPERATORS
from ossbox.policy.document import parse_policy
from ossbox.policy.errors import MALFORMED, TOO_LARGE, PolicyError
from ossbox.policy.evaluate import (
    AuthzRequest,
    DecidingStatement,
    Decision,
    evaluate,
    evaluate_trust,
)
from ossbox.policy.explain import explain
from ossbox.policy.limits import (
    CUSTOM_POLICY_MAX_CHARS,
    SESSION_POLICY_MAX_CHARS,
    check_custom_policy_size,
    check_session_policy_size,
    check_size,
)
from ossbox.policy.model import (
    BucketContext,
    Condition,
    NamedPolicy,
    Policy,
    PolicyKind,
    Statement,
    TrustPrincipals,
)
from ossbox.policy.principals import PrincipalRef
from ossbox.policy.system import SYSTEM_POLICIES, system_policy

__all__ = [
    "CUSTOM_POLICY_MAX_CHARS",
    "MALFORMED",
    "OPERATORS",
    "SESSION_POLICY_MAX_CHARS",
    "SYSTEM_POLICIES",
    "TOO_LARGE",
    "AuthzRequest",
    "BucketContext",
    "Condition",
    "DecidingStatement",
    "Decision",
    "NamedPolicy",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PrincipalRef",
    "Statement",
    "TrustPrincipals",
    "check_custom_policy_size",
    "check_session_policy_size",
    "check_size",
    "evaluate",
    "evaluate_trust",
    "explain",
    "oss_resource_arn",
    "oss_service_arn",
    "parse_policy",
    "system_policy",
]
