"""The one error type of the policy package: what is wrong with a policy document, and where."""

from __future__ import annotations

MALFORMED = "MalformedPolicyDocument"
"""RAM's code for a document that fails the grammar check."""

TOO_LARGE = "PolicyTooLarge"
"""A size limit was exceeded; callers map it to their API's code (STS: PolicySize)."""


class PolicyError(Exception):
    """A policy document was rejected. `location` is a path such as `Statement[0].Action`."""

    def __init__(self, code: str, message: str, location: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location

    def __repr__(self) -> str:
        return f"PolicyError({self.code!r}, {self.message!r})"


def malformed(location: str, detail: str) -> PolicyError:
    """A MalformedPolicyDocument error that says what is wrong (`detail`) and where."""
    return PolicyError(
        MALFORMED, f"The policy document is malformed: {location}: {detail}", location
    )
