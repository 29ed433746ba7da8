"""The credentials error family. Messages name providers, codes and reasons, never secrets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CredentialsError(Exception):
    """Base of every error raised by ossbox.credentials."""


class CredentialsUnavailable(CredentialsError):
    """The source is not configured here; a chain moves on to its next step."""


class CredentialsFetchError(CredentialsError):
    """A configured source failed: an upstream answered with an error, or could not be reached.

    `code` and `message` are the server's own (e.g. `EntityNotExist.Role`), `status` its HTTP
    status (None when no answer came back); `retryable` tells the retry loops what to do.
    """

    def __init__(
        self,
        provider: str,
        reason: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retryable: bool = False,
    ) -> None:
        self.provider = provider
        self.reason = reason
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retryable = retryable
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [f"{self.provider}: {self.reason}"]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"Code={self.code}")
        if self.request_id:
            parts.append(f"RequestId={self.request_id}")
        return "; ".join(parts)


class CredentialsExpiringError(CredentialsError):
    """The credentials cannot stay valid for as long as the caller needs (see `min_ttl`)."""


class ProfileError(CredentialsError):
    """A profile file exists but is malformed, or a profile names something impossible."""


@dataclass(frozen=True)
class StepOutcome:
    """One default-chain step's decision, as reported by explain() and by ChainError."""

    step: str
    status: str  # "skipped" | "configured" | "failed" | "served"
    reason: str


class ChainError(CredentialsError):
    """No step of a chain produced credentials; lists every step's reason."""

    def __init__(self, outcomes: Sequence[StepOutcome], *, headline: str) -> None:
        self.outcomes = tuple(outcomes)
        lines = [headline] + [f"  - {o.step}: {o.status}: {o.reason}" for o in self.outcomes]
        super().__init__("\n".join(lines))


def redact(text: str, secrets: Sequence[str | None]) -> str:
    """`text` with every non-empty secret replaced by `***` (for upstream messages we relay)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
