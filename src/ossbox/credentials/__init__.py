"""ossbox.credentials: every Alibaba Cloud credential source, one default chain, refresh done
right (single flight for threads and asyncio), no side effects at import.

```
from ossbox.credentials import DefaultCredentialsChain, RamRoleArnProvider
from ossbox.credentials.adapters import oss2_provider, ossv2_provider, tea_credential_client

creds = DefaultCredentialsChain().get_credentials()      # Credentials snapshot
auth = oss2.ProviderAuthV4(oss2_provider(RamRoleArnProvider(...)))
```
"""

from __future__ import annotations

from ossbox.credentials.chain import DefaultCredentialsChain
from ossbox.credentials.clock import FakeClock
from ossbox.credentials.errors import (
    ChainError,
    CredentialsError,
    CredentialsExpiringError,
    CredentialsFetchError,
    CredentialsUnavailable,
    ProfileError,
)
from ossbox.credentials.files import FileCache
from ossbox.credentials.http import HttpOptions, RetryPolicy
from ossbox.credentials.profiles import CliProfileProvider, IniProfileProvider
from ossbox.credentials.providers import (
    BearerTokenProvider,
    ClientKey,
    ClientKeyError,
    CredentialsProvider,
    CredentialsUriProvider,
    CustomProvider,
    EcsRamRoleProvider,
    EnvironmentProvider,
    FunctionComputeProvider,
    OidcRoleArnProvider,
    ProcessProvider,
    RamRoleArnProvider,
    RefreshPolicy,
    SecretsManagerRotatedAKProvider,
    StaticAKProvider,
    StaticSTSProvider,
)
from ossbox.credentials.refresh import RefreshableCredentials
from ossbox.credentials.snapshot import Credentials

__all__ = [
    "BearerTokenProvider",
    "ChainError",
    "CliProfileProvider",
    "ClientKey",
    "ClientKeyError",
    "Credentials",
    "CredentialsError",
    "CredentialsExpiringError",
    "CredentialsFetchError",
    "CredentialsProvider",
    "CredentialsUnavailable",
    "CredentialsUriProvider",
    "CustomProvider",
    "DefaultCredentialsChain",
    "EcsRamRoleProvider",
    "EnvironmentProvider",
    "FakeClock",
    "FileCache",
    "FunctionComputeProvider",
    "HttpOptions",
    "IniProfileProvider",
    "OidcRoleArnProvider",
    "ProcessProvider",
    "ProfileError",
    "RamRoleArnProvider",
    "RefreshPolicy",
    "RefreshableCredentials",
    "RetryPolicy",
    "SecretsManagerRotatedAKProvider",
    "StaticAKProvider",
    "StaticSTSProvider",
]
