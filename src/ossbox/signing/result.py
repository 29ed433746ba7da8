"""What verifying a signature tells the caller, and the error for a malformed signature."""

from __future__ import annotations

import hmac
from dataclasses import dataclass


class SignatureFormatError(ValueError):
    """A request whose signature parameters are malformed or incomplete.

    Carries the protocol error the server answers with (HTTP status, code, message), so the
    server renders it as is; `argument` names the offending parameter where there is one and
    `argument_value` is its value (OSS `<ArgumentName>` / `<ArgumentValue>`; never a secret).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        argument: str | None = None,
        argument_value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.argument = argument
        self.argument_value = argument_value


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one signature against a secret.

    `string_to_sign` is always the server's own (OSS and RPC error bodies carry it);
    `canonical_request` is set for the schemes that have one (V4, ACS3); `reason` says in
    words why verification failed.
    """

    ok: bool
    string_to_sign: str
    canonical_request: str | None = None
    reason: str | None = None


def signatures_equal(expected: str, provided: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode(), provided.encode())
