"""Profile files: `~/.alibabacloud/credentials.ini` and the aliyun CLI's `~/.aliyun/config.json`.

HOME and the environment are read when a profile is resolved (first use), never at import.
INI values are taken whole: a `#` inside a value is part of it (only whole-line comments are
comments). Besides the official keys, both formats accept `sts_endpoint` (a host or a full URL,
so a profile can point at a local STS).

credentials.ini (section = ALIBABA_CLOUD_PROFILE, default "default"; `enable = false` skips it):
  type = access_key | sts | ram_role_arn | oidc_role_arn | ecs_ram_role | credentials_uri | bearer
config.json (profile = ALIBABA_CLOUD_PROFILE, else "current"):
  mode = AK | StsToken | RamRoleArn | ChainableRamRoleArn | EcsRamRole | OIDC | CredentialsURI
         | External       (ChainableRamRoleArn's source_profile chain is checked for cycles)
"""

from __future__ import annotations

import configparser
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ossbox.credentials import envconfig
from ossbox.credentials.errors import CredentialsUnavailable, ProfileError
from ossbox.credentials.providers.base import CredentialsProvider, Prefixed
from ossbox.credentials.providers.oidc import OidcRoleArnProvider
from ossbox.credentials.providers.process import ProcessProvider
from ossbox.credentials.providers.static import (
    BearerTokenProvider,
    StaticAKProvider,
    StaticSTSProvider,
)
from ossbox.credentials.providers.sts import DEFAULT_DURATION, RamRoleArnProvider
from ossbox.credentials.providers.uri import CredentialsUriProvider
from ossbox.credentials.snapshot import Credentials

Fields = Mapping[str, Any]


# -- locations ------------------------------------------------------------------------------------


def ini_path(env: Mapping[str, str]) -> Path:
    explicit = env.get(envconfig.CREDENTIALS_FILE)
    if explicit:
        return Path(explicit).expanduser()
    return Path.home() / ".alibabacloud" / "credentials.ini"


def cli_path() -> Path:
    return Path.home() / ".aliyun" / "config.json"


# -- reading --------------------------------------------------------------------------------------


def read_ini_section(path: Path, name: str) -> dict[str, str]:
    """The section's keys (lower-cased); CredentialsUnavailable when the file or section is
    absent or the section disabled."""
    if not path.is_file():
        raise CredentialsUnavailable(f"{path} does not exist")
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path} cannot be read: {type(exc).__name__}") from None
    if not parser.has_section(name):
        raise CredentialsUnavailable(f"{path} has no [{name}] section")
    section = {key: value.strip() for key, value in parser.items(name)}
    if section.get("enable", "true").strip().lower() in ("false", "0", "no", "off"):
        raise CredentialsUnavailable(f"[{name}] in {path} is disabled (enable = false)")
    return section


def read_cli_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CredentialsUnavailable(f"{path} does not exist")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise ProfileError(f"{path} is not valid JSON: {type(exc).__name__}") from None
    if not isinstance(config, dict) or not isinstance(config.get("profiles", []), list):
        raise ProfileError(f"{path} has no list of profiles")
    return config


def cli_profiles(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    found = config.get("profiles", [])
    return {p["name"]: p for p in found if isinstance(p, dict) and isinstance(p.get("name"), str)}


def cli_profile_name(config: Mapping[str, Any], env: Mapping[str, str]) -> str:
    name = env.get(envconfig.PROFILE) or config.get("current") or "default"
    return str(name)


# -- building providers ---------------------------------------------------------------------------


def _need(fields: Fields, key: str, where: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{where}: {key} is required")
    return value.strip()


def _int(fields: Fields, where: str, *keys: str) -> int:
    for key in keys:
        value = fields.get(key)
        if value not in (None, ""):
            try:
                return int(value)
            except (TypeError, ValueError):
                raise ProfileError(f"{where}: {key} must be a number of seconds") from None
    return DEFAULT_DURATION


def _bool(value: Any) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def _role_settings(
    fields: Fields, env: Mapping[str, str], where: str, *names: str
) -> dict[str, Any]:
    """RoleSession keyword arguments shared by the RAM-role and OIDC profile kinds."""
    session, duration = names
    return {
        "duration_seconds": _int(fields, where, duration, "duration_seconds"),
        "policy": fields.get("policy") or None,
        **envconfig.sts_settings(
            env,
            sts_endpoint=fields.get("sts_endpoint"),
            sts_region=fields.get("sts_region"),
            enable_vpc=_bool(fields.get("enable_vpc", False)),
            role_session_name=fields.get(session),
        ),
    }


def _ini_role_settings(section: Fields, env: Mapping[str, str], where: str) -> dict[str, Any]:
    return _role_settings(section, env, where, "role_session_name", "role_session_expiration")


def _checked(build: Callable[[], CredentialsProvider], where: str) -> CredentialsProvider:
    try:
        return build()
    except ValueError as exc:  # a constructor refused a value
        raise ProfileError(f"{where}: {exc}") from None


def provider_from_ini(section: Fields, where: str, env: Mapping[str, str]) -> CredentialsProvider:
    kind = str(section.get("type", "")).strip().lower()

    def build() -> CredentialsProvider:
        if kind == "access_key":
            return StaticAKProvider(
                _need(section, "access_key_id", where), _need(section, "access_key_secret", where)
            )
        if kind == "sts":
            return StaticSTSProvider(
                _need(section, "access_key_id", where),
                _need(section, "access_key_secret", where),
                _need(section, "security_token", where),
            )
        if kind == "ram_role_arn":
            return RamRoleArnProvider(
                _need(section, "role_arn", where),
                access_key_id=_need(section, "access_key_id", where),
                access_key_secret=_need(section, "access_key_secret", where),
                security_token=section.get("security_token") or None,
                external_id=section.get("external_id") or None,
                **_role_settings(
                    section, env, where, "role_session_name", "role_session_expiration"
                ),
            )
        if kind == "oidc_role_arn":
            return OidcRoleArnProvider(
                _need(section, "role_arn", where),
                _need(section, "oidc_provider_arn", where),
                oidc_token_file=_need(section, "oidc_token_file_path", where),
                **_role_settings(
                    section, env, where, "role_session_name", "role_session_expiration"
                ),
            )
        if kind == "ecs_ram_role":
            return envconfig.ecs_from_env(env, section.get("role_name") or None)
        if kind == "credentials_uri":
            return CredentialsUriProvider(_need(section, "credentials_uri", where))
        if kind == "bearer":
            return BearerTokenProvider(_need(section, "bearer_token", where))
        raise ProfileError(f"{where}: unsupported type {kind!r}")

    return _checked(build, where)


def provider_from_cli(
    profiles: Mapping[str, Fields],
    name: str,
    env: Mapping[str, str],
    path: Path,
    _visiting: tuple[str, ...] = (),
) -> CredentialsProvider:
    if name in _visiting:
        cycle = " -> ".join((*_visiting, name))
        raise ProfileError(f"{path}: source_profile cycle: {cycle}")
    profile = profiles.get(name)
    if profile is None:
        if _visiting:
            raise ProfileError(f"{path}: source_profile {name!r} does not exist")
        raise CredentialsUnavailable(f"{path} has no profile {name!r}")
    where = f"{path} profile {name!r}"
    mode = str(profile.get("mode", ""))

    def build() -> CredentialsProvider:
        if mode == "AK":
            return StaticAKProvider(
                _need(profile, "access_key_id", where), _need(profile, "access_key_secret", where)
            )
        if mode == "StsToken":
            return StaticSTSProvider(
                _need(profile, "access_key_id", where),
                _need(profile, "access_key_secret", where),
                _need(profile, "sts_token", where),
            )
        if mode in ("RamRoleArn", "ChainableRamRoleArn"):
            return _cli_role(profiles, profile, name, env, path, (*_visiting, name), where)
        if mode == "EcsRamRole":
            return envconfig.ecs_from_env(env, profile.get("ram_role_name") or None)
        if mode == "OIDC":
            return OidcRoleArnProvider(
                _need(profile, "ram_role_arn", where),
                _need(profile, "oidc_provider_arn", where),
                oidc_token_file=_need(profile, "oidc_token_file", where),
                **_role_settings(profile, env, where, "role_session_name", "expired_seconds"),
            )
        if mode == "CredentialsURI":
            return CredentialsUriProvider(_need(profile, "credentials_uri", where))
        if mode == "External":
            return ProcessProvider(_need(profile, "process_command", where))
        raise ProfileError(f"{where}: unsupported mode {mode!r}")

    return _checked(build, where)


def _cli_role(
    profiles: Mapping[str, Fields],
    profile: Fields,
    name: str,
    env: Mapping[str, str],
    path: Path,
    visiting: tuple[str, ...],
    where: str,
) -> CredentialsProvider:
    settings = _role_settings(profile, env, where, "ram_session_name", "expired_seconds")
    common = {"external_id": profile.get("external_id") or None, **settings}
    role_arn = _need(profile, "ram_role_arn", where)
    if profile.get("mode") == "ChainableRamRoleArn":
        source_name = _need(profile, "source_profile", where)
        source = provider_from_cli(profiles, source_name, env, path, visiting)
        return RamRoleArnProvider(role_arn, source=source, **common)
    return RamRoleArnProvider(
        role_arn,
        access_key_id=_need(profile, "access_key_id", where),
        access_key_secret=_need(profile, "access_key_secret", where),
        security_token=profile.get("sts_token") or None,
        **common,
    )


# -- describing without secrets (explain, doctor) -------------------------------------------------

_SHOWN = (
    "type",
    "mode",
    "role_arn",
    "ram_role_arn",
    "role_name",
    "ram_role_name",
    "source_profile",
    "oidc_provider_arn",
    "oidc_token_file_path",
    "oidc_token_file",
    "sts_endpoint",
    "sts_region",
)


def describe_fields(fields: Fields) -> str:
    """The non-secret facts of a profile: kind, role, key id tail, program, URI without query."""
    parts = [f"{key}={fields[key]}" for key in _SHOWN if fields.get(key)]
    key_id = fields.get("access_key_id")
    if isinstance(key_id, str) and key_id:
        parts.append(f"access_key_id=…{key_id[-4:]}")
    uri = fields.get("credentials_uri")
    if isinstance(uri, str) and uri:
        parts.append(f"credentials_uri={uri.partition('?')[0]}")
    command = fields.get("process_command")
    if isinstance(command, str) and command.split():
        parts.append(f"program={command.split()[0]}")
    return ", ".join(parts) or "(empty)"


# -- the two profile providers --------------------------------------------------------------------


class _ProfileProvider:
    """Resolves its profile on first use (HOME and environment read then), then delegates."""

    kind = "profile"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._resolved: Prefixed | None = None
        self.description = ""

    def _environment(self) -> Mapping[str, str]:
        return os.environ if self._env is None else self._env

    def resolve(self) -> CredentialsProvider:
        """The provider the profile describes (no network call); raises when there is none."""
        if self._resolved is None:
            provider, self.description = self._build(self._environment())
            self._resolved = Prefixed(provider, self.kind)
        return self._resolved

    @property
    def name(self) -> str:
        """ "profile", then "profile/<what it resolved to>" (e.g. "profile/ram_role_arn")."""
        return self.kind if self._resolved is None else self._resolved.name

    def _build(self, env: Mapping[str, str]) -> tuple[CredentialsProvider, str]:
        raise NotImplementedError

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        return self.resolve().get_credentials(min_ttl=min_ttl)

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        return await self.resolve().get_credentials_async(min_ttl=min_ttl)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class IniProfileProvider(_ProfileProvider):
    """The `credentials.ini` profile (ALIBABA_CLOUD_CREDENTIALS_FILE, ALIBABA_CLOUD_PROFILE)."""

    kind = "profile"

    def _build(self, env: Mapping[str, str]) -> tuple[CredentialsProvider, str]:
        path = ini_path(env)
        section_name = env.get(envconfig.PROFILE) or "default"
        section = read_ini_section(path, section_name)
        where = f"{path} [{section_name}]"
        return provider_from_ini(section, where, env), f"{where}: {describe_fields(section)}"


class CliProfileProvider(_ProfileProvider):
    """The aliyun CLI profile in `~/.aliyun/config.json` (ALIBABA_CLOUD_PROFILE or "current")."""

    kind = "cli_profile"

    def _build(self, env: Mapping[str, str]) -> tuple[CredentialsProvider, str]:
        path = cli_path()
        config = read_cli_config(path)
        profiles, name = cli_profiles(config), cli_profile_name(config, env)
        provider = provider_from_cli(profiles, name, env, path)
        return provider, f"{path} profile {name!r}: {describe_fields(profiles[name])}"
