"""Size limits on policy documents, kept apart from parsing so each API maps them to its own
error code (STS AssumeRole: InvalidParameter.PolicySize; RAM CreatePolicy: its own).

Sizes count characters, as RAM's and STS's parameter docs state them. The 6,144 custom-policy
limit is the commonly quoted current value (older docs: 2,048 then 4,096; UNCONFIRMED)."""

from __future__ import annotations

from ossbox.policy.errors import TOO_LARGE, PolicyError

CUSTOM_POLICY_MAX_CHARS = 6144
SESSION_POLICY_MAX_CHARS = 2048


def check_size(text: str, limit: int, what: str) -> None:
    """Raise PolicyError(TOO_LARGE) if `text` is longer than `limit` characters."""
    if len(text) > limit:
        raise PolicyError(
            TOO_LARGE, f"The {what} must be at most {limit} characters long; it has {len(text)}."
        )


def check_custom_policy_size(text: str) -> None:
    """RAM custom policy documents (CreatePolicy, CreatePolicyVersion)."""
    check_size(text, CUSTOM_POLICY_MAX_CHARS, "policy document")


def check_session_policy_size(text: str) -> None:
    """The Policy parameter of AssumeRole / AssumeRoleWithOIDC."""
    check_size(text, SESSION_POLICY_MAX_CHARS, "session policy")
