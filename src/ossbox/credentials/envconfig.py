"""Providers configured by environment variables, read from a mapping handed in at call time.

Variables of alibabacloud-credentials, with the same meaning:
  ALIBABA_CLOUD_ACCESS_KEY_ID / _ACCESS_KEY_SECRET / _SECURITY_TOKEN   environment provider
  ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
  ALIBABA_CLOUD_OIDC_TOKEN_FILE                                       OIDC (RRSA)
  ALIBABA_CLOUD_ROLE_SESSION_NAME                                     default session name
  ALIBABA_CLOUD_STS_REGION, ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true   STS host
  ALIBABA_CLOUD_PROFILE, ALIBABA_CLOUD_CREDENTIALS_FILE,
  ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true                             profile files
  ALIBABA_CLOUD_ECS_METADATA (role name), ALIBABA_CLOUD_ECS_METADATA_DISABLED=true,
  ALIBABA_CLOUD_IMDSV1_DISABLED=true                                  ECS RAM role
  ALIBABA_CLOUD_CREDENTIALS_URI                                       credentials URI
Added by ossbox:
  ALIBABA_CLOUD_OIDC_TOKEN             the OIDC token itself, instead of a file
  ALIBABA_CLOUD_STS_ENDPOINT           STS host or full URL (e.g. a local ossbox)
  ALIBABA_CLOUD_ECS_METADATA_ENDPOINT  metadata service address (default 100.100.100.200)
  ALIBABA_CLOUD_CREDENTIALS_PROVIDER   pin the default chain, see ossbox.credentials.chain
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ossbox.credentials.providers.ecs import DEFAULT_ENDPOINT, EcsRamRoleProvider, probe_policy
from ossbox.credentials.providers.oidc import OidcRoleArnProvider
from ossbox.credentials.providers.uri import CredentialsUriProvider

ROLE_ARN = "ALIBABA_CLOUD_ROLE_ARN"
OIDC_PROVIDER_ARN = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
OIDC_TOKEN_FILE = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"  # noqa: S105 - variable names
OIDC_TOKEN = "ALIBABA_CLOUD_OIDC_TOKEN"  # noqa: S105
SESSION_NAME = "ALIBABA_CLOUD_ROLE_SESSION_NAME"
STS_REGION = "ALIBABA_CLOUD_STS_REGION"
STS_ENDPOINT = "ALIBABA_CLOUD_STS_ENDPOINT"
VPC_ENABLED = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"
PROFILE = "ALIBABA_CLOUD_PROFILE"
CREDENTIALS_FILE = "ALIBABA_CLOUD_CREDENTIALS_FILE"
CLI_PROFILE_DISABLED = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"
ECS_ROLE = "ALIBABA_CLOUD_ECS_METADATA"
ECS_DISABLED = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
ECS_ENDPOINT = "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT"
IMDSV1_DISABLED = "ALIBABA_CLOUD_IMDSV1_DISABLED"
CREDENTIALS_URI = "ALIBABA_CLOUD_CREDENTIALS_URI"
PIN = "ALIBABA_CLOUD_CREDENTIALS_PROVIDER"


def flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def sts_settings(env: Mapping[str, str], **profile: Any) -> dict[str, Any]:
    """STS location and session name: a profile's own values first, then the environment."""
    return {
        "sts_endpoint": profile.get("sts_endpoint") or env.get(STS_ENDPOINT) or None,
        "sts_region": profile.get("sts_region") or env.get(STS_REGION) or None,
        "enable_vpc": bool(profile.get("enable_vpc")) or flag(env, VPC_ENABLED),
        "role_session_name": profile.get("role_session_name") or env.get(SESSION_NAME) or None,
    }


def oidc_missing(env: Mapping[str, str]) -> list[str]:
    """The OIDC variables still needed (empty: OIDC is configured)."""
    missing = [name for name in (ROLE_ARN, OIDC_PROVIDER_ARN) if not env.get(name)]
    if not env.get(OIDC_TOKEN_FILE) and not env.get(OIDC_TOKEN):
        missing.append(f"{OIDC_TOKEN_FILE} (or {OIDC_TOKEN})")
    return missing


def oidc_from_env(env: Mapping[str, str]) -> OidcRoleArnProvider:
    token_file = env.get(OIDC_TOKEN_FILE) or None
    return OidcRoleArnProvider(
        env[ROLE_ARN],
        env[OIDC_PROVIDER_ARN],
        oidc_token_file=token_file,
        oidc_token=None if token_file else lambda: env.get(OIDC_TOKEN, ""),
        **sts_settings(env),
    )


def ecs_from_env(
    env: Mapping[str, str], role_name: str | None = None, *, probe: bool = False
) -> EcsRamRoleProvider:
    """The ECS provider; `probe` (no role configured anywhere) gives up fast when off ECS."""
    extra: dict[str, Any] = {}
    if probe:
        extra = {"retries": probe_policy(), "unreachable_is_unavailable": True}
    return EcsRamRoleProvider(
        role_name or env.get(ECS_ROLE) or None,
        endpoint=env.get(ECS_ENDPOINT) or DEFAULT_ENDPOINT,
        strict_imdsv2=flag(env, IMDSV1_DISABLED),
        **extra,
    )


def uri_from_env(env: Mapping[str, str]) -> CredentialsUriProvider:
    return CredentialsUriProvider(env[CREDENTIALS_URI])
