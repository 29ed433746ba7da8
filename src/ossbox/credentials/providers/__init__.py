"""Credential providers: each has `name`, `get_credentials()` and `get_credentials_async()`."""

from __future__ import annotations

from ossbox.credentials.providers.base import (
    CredentialsProvider,
    HttpProvider,
    Prefixed,
    RefreshingProvider,
    RefreshPolicy,
)
from ossbox.credentials.providers.custom import CustomProvider, coerce_credentials
from ossbox.credentials.providers.ecs import EcsRamRoleProvider
from ossbox.credentials.providers.env import EnvironmentProvider
from ossbox.credentials.providers.fc import FunctionComputeProvider
from ossbox.credentials.providers.oidc import OidcRoleArnProvider
from ossbox.credentials.providers.process import ProcessProvider
from ossbox.credentials.providers.secrets_manager import (
    ClientKey,
    ClientKeyError,
    SecretsManagerRotatedAKProvider,
)
from ossbox.credentials.providers.static import (
    BearerTokenProvider,
    StaticAKProvider,
    StaticSTSProvider,
)
from ossbox.credentials.providers.sts import RamRoleArnProvider
from ossbox.credentials.providers.uri import CredentialsUriProvider

__all__ = [
    "BearerTokenProvider",
    "ClientKey",
    "ClientKeyError",
    "CredentialsProvider",
    "CredentialsUriProvider",
    "CustomProvider",
    "EcsRamRoleProvider",
    "EnvironmentProvider",
    "FunctionComputeProvider",
    "HttpProvider",
    "OidcRoleArnProvider",
    "Prefixed",
    "ProcessProvider",
    "RamRoleArnProvider",
    "RefreshPolicy",
    "RefreshingProvider",
    "SecretsManagerRotatedAKProvider",
    "StaticAKProvider",
    "StaticSTSProvider",
    "coerce_credentials",
]
