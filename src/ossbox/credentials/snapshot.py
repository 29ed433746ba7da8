"""`Credentials`: one immutable snapshot of an AccessKey (or STS session, or bearer token).

Reading the key id, secret and token from one snapshot can never mix two refreshes. The repr
shows the key id's last four characters only; pickling and copying never carry the secrets
anywhere new (a snapshot is immutable, so `copy` returns itself and `pickle` refuses).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, NoReturn


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    expiration: datetime | None = None  # aware UTC; None for credentials that never expire
    provider: str = "static"  # the path that served them, e.g. "default/env"
    account_id: str | None = None
    bearer_token: str | None = None

    def __post_init__(self) -> None:
        if self.expiration is not None:
            if self.expiration.tzinfo is None:
                raise ValueError("Credentials.expiration must be timezone-aware")
            object.__setattr__(self, "expiration", self.expiration.astimezone(UTC))
        if self.security_token == "":
            object.__setattr__(self, "security_token", None)

    # -- what oss2, alibabacloud-credentials and tea duck-type on --------------------------

    def get_access_key_id(self) -> str:
        return self.access_key_id

    def get_access_key_secret(self) -> str:
        return self.access_key_secret

    def get_security_token(self) -> str | None:
        return self.security_token

    def get_expiration(self) -> datetime | None:
        return self.expiration

    def get_provider_name(self) -> str:
        return self.provider

    # -- lifetime -----------------------------------------------------------------------------

    @property
    def expires_at(self) -> float:
        """Expiration as epoch seconds; +inf when the credentials never expire."""
        return float("inf") if self.expiration is None else self.expiration.timestamp()

    def ttl(self, now: float) -> float:
        """Seconds left at epoch time `now` (+inf without an expiration)."""
        return self.expires_at - now

    def with_provider(self, provider: str) -> Credentials:
        return replace(self, provider=provider)

    # -- never leak ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        parts = [f"access_key_id='…{self.access_key_id[-4:]}'", "access_key_secret='***'"]
        if self.security_token is not None:
            parts.append("security_token='***'")
        if self.bearer_token is not None:
            parts.append("bearer_token='***'")
        expiration = self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ") if self.expiration else None
        parts += [f"expiration={expiration!r}", f"provider={self.provider!r}"]
        return f"Credentials({', '.join(parts)})"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("Credentials refuse to be pickled: that would copy their secrets")

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials refuse to be pickled: that would copy their secrets")

    def __copy__(self) -> Credentials:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Credentials:
        return self
