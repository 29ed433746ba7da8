"""Credentials from environment variables, read at every call (never at import).

ALIBABA_CLOUD_ACCESS_KEY_ID / _ACCESS_KEY_SECRET / _SECURITY_TOKEN win; the OSS SDKs'
OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN are read when those are unset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ossbox.credentials.errors import CredentialsUnavailable, ProfileError
from ossbox.credentials.snapshot import Credentials

ALIBABA_VARS = (
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
)
OSS_VARS = ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN")


def credentials_from_env(env: Mapping[str, str], provider: str = "env") -> Credentials:
    """The first complete variable family in `env`.

    CredentialsUnavailable when no key id is set; ProfileError when a key id is set without
    its secret (a half-configured environment is an error, not a reason to look elsewhere).
    """
    for key_var, secret_var, token_var in (ALIBABA_VARS, OSS_VARS):
        key_id = env.get(key_var, "")
        if not key_id:
            continue
        secret = env.get(secret_var, "")
        if not secret:
            raise ProfileError(f"{provider}: {key_var} is set but {secret_var} is not")
        return Credentials(key_id, secret, env.get(token_var) or None, provider=provider)
    raise CredentialsUnavailable(f"{provider}: neither {ALIBABA_VARS[0]} nor {OSS_VARS[0]} is set")


def describe_env(env: Mapping[str, str]) -> str:
    """What the environment provider would use, without values (for explain())."""
    for key_var, secret_var, token_var in (ALIBABA_VARS, OSS_VARS):
        if env.get(key_var):
            has_secret = "set" if env.get(secret_var) else "MISSING"
            kind = "STS token" if env.get(token_var) else "AccessKey"
            return f"{kind} from {key_var} (…{env[key_var][-4:]}), {secret_var} {has_secret}"
    return f"neither {ALIBABA_VARS[0]} nor {OSS_VARS[0]} is set"


class EnvironmentProvider:
    """Reads the environment at every call, so a rotated variable takes effect at once."""

    name = "env"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ  # None: os.environ, looked up at call time
        self._last: Credentials | None = None

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        fresh = credentials_from_env(os.environ if self._environ is None else self._environ)
        last = self._last
        if last is not None and last == fresh:
            return last  # the same snapshot while the variables do not change
        self._last = fresh
        return fresh

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return self.get_credentials(min_ttl=min_ttl)

    def __repr__(self) -> str:
        return "EnvironmentProvider()"
