"""Adapters: any ossbox provider where the official SDKs expect theirs (one line to switch).

```
auth = oss2.ProviderAuthV4(oss2_provider(provider))                # oss2
cfg.credentials_provider = ossv2_provider(provider)                # alibabacloud-oss-v2
client = EcsClient(Config(credential=tea_credential_client(provider), endpoint=...))  # tea
```
The SDKs are imported only when an adapter converts for them; none is a dependency.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from ossbox.credentials.errors import CredentialsError
from ossbox.credentials.providers.base import CredentialsProvider
from ossbox.credentials.snapshot import Credentials


def _for_oss(creds: Credentials) -> Credentials:
    if not creds.access_key_id:
        raise CredentialsError(f"{creds.provider}: OSS needs an AccessKey, not a bearer token")
    return creds


class Oss2CredentialsProvider:
    """oss2's provider interface: `get_credentials()` returning an object with
    `get_access_key_id()`, `get_access_key_secret()` and `get_security_token()` (our snapshot)."""

    def __init__(self, provider: CredentialsProvider) -> None:
        self.provider = provider

    def get_credentials(self) -> Credentials:
        return _for_oss(self.provider.get_credentials())

    def __repr__(self) -> str:
        return f"oss2_provider({self.provider!r})"


def oss2_provider(provider: CredentialsProvider) -> Oss2CredentialsProvider:
    """For `oss2.ProviderAuth` / `ProviderAuthV4` (see also presign.oss2_sign_url)."""
    return Oss2CredentialsProvider(provider)


class OssV2CredentialsProvider:
    """alibabacloud-oss-v2's `CredentialsProvider`: `get_credentials()` returning its
    `Credentials(access_key_id, access_key_secret, security_token, expiration)`.

    oss-v2 calls it for every request attempt, from its async client too; the cached value
    costs a lookup and an object, a refresh blocks the caller (oss-v2 has no async hook).
    """

    def __init__(self, provider: CredentialsProvider) -> None:
        self.provider = provider
        self._last: tuple[Credentials, Any] | None = None

    def get_credentials(self) -> Any:
        creds = _for_oss(self.provider.get_credentials())
        last = self._last
        if last is not None and last[0] is creds:
            return last[1]
        types: Any = importlib.import_module("alibabacloud_oss_v2.types")
        converted = types.Credentials(
            creds.access_key_id, creds.access_key_secret, creds.security_token, creds.expiration
        )
        self._last = (creds, converted)
        return converted

    def __repr__(self) -> str:
        return f"ossv2_provider({self.provider!r})"


def ossv2_provider(provider: CredentialsProvider) -> OssV2CredentialsProvider:
    """For `alibabacloud_oss_v2.config.Config.credentials_provider`; expiration is passed on."""
    return OssV2CredentialsProvider(provider)


@dataclass(frozen=True)
class TeaCredentialModel:
    """What tea-openapi reads from `get_credential()` (alibabacloud-credentials' CredentialModel
    fields), with a redacted repr."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(repr=False)
    bearer_token: str | None = field(repr=False)
    type: str
    provider_name: str

    def get_access_key_id(self) -> str:
        return self.access_key_id

    def get_access_key_secret(self) -> str:
        return self.access_key_secret

    def get_security_token(self) -> str | None:
        return self.security_token

    def get_bearer_token(self) -> str | None:
        return self.bearer_token

    def get_type(self) -> str:
        return self.type

    def get_provider_name(self) -> str:
        return self.provider_name


def _tea_model(creds: Credentials) -> TeaCredentialModel:
    if creds.bearer_token:
        kind = "bearer"
    elif creds.security_token:
        kind = "sts"
    else:
        kind = "access_key"
    return TeaCredentialModel(
        creds.access_key_id,
        creds.access_key_secret,
        creds.security_token,
        creds.bearer_token,
        kind,
        creds.provider,
    )


class TeaCredentialClient:
    """The darabonba/tea credentials client interface (`alibabacloud_credentials.client.Client`):
    `get_credential()` / `get_credential_async()` plus the legacy per-field getters."""

    def __init__(self, provider: CredentialsProvider) -> None:
        self.provider = provider

    def get_credential(self) -> TeaCredentialModel:
        return _tea_model(self.provider.get_credentials())

    async def get_credential_async(self) -> TeaCredentialModel:
        return _tea_model(await self.provider.get_credentials_async())

    # Legacy getters: each reads one snapshot; prefer get_credential() to read them together.
    def get_access_key_id(self) -> str:
        return self.get_credential().access_key_id

    def get_access_key_secret(self) -> str:
        return self.get_credential().access_key_secret

    def get_security_token(self) -> str | None:
        return self.get_credential().security_token

    def get_bearer_token(self) -> str | None:
        return self.get_credential().bearer_token

    def get_type(self) -> str:
        return self.get_credential().type

    async def get_access_key_id_async(self) -> str:
        return (await self.get_credential_async()).access_key_id

    async def get_access_key_secret_async(self) -> str:
        return (await self.get_credential_async()).access_key_secret

    async def get_security_token_async(self) -> str | None:
        return (await self.get_credential_async()).security_token

    def __repr__(self) -> str:
        return f"tea_credential_client({self.provider!r})"


def tea_credential_client(provider: CredentialsProvider) -> TeaCredentialClient:
    """For `alibabacloud_tea_openapi.models.Config(credential=...)` and the other tea SDKs."""
    return TeaCredentialClient(provider)
