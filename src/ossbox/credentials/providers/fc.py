"""Function Compute: the credentials of the function's role.

FC 2.0 hands them over in `context.credentials` (access_key_id, access_key_secret,
security_token; valid 36 h, longer than any invocation); FC 3.0 runtimes put them in
ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN instead (`.from_env()`).
The context is read at every call, so a provider built once per handler call stays current.
"""

from __future__ import annotations

import os
from typing import Any

from ossbox.credentials.errors import CredentialsUnavailable
from ossbox.credentials.providers.env import credentials_from_env
from ossbox.credentials.snapshot import Credentials


class FunctionComputeProvider:
    name = "fc_context"

    def __init__(self, context: Any | None = None) -> None:
        self._context = context  # None: the FC 3.0 environment form

    @classmethod
    def from_env(cls) -> FunctionComputeProvider:
        return cls(None)

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        if self._context is None:
            return credentials_from_env(os.environ, self.name)
        creds = getattr(self._context, "credentials", None)
        key_id = getattr(creds, "access_key_id", None)
        secret = getattr(creds, "access_key_secret", None)
        if not key_id or not secret:
            raise CredentialsUnavailable(f"{self.name}: the context carries no credentials")
        token = getattr(creds, "security_token", None) or None
        return Credentials(key_id, secret, token, provider=self.name)

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return self.get_credentials(min_ttl=min_ttl)

    def __repr__(self) -> str:
        return "FunctionComputeProvider(context)" if self._context else "FunctionComputeProvider()"
