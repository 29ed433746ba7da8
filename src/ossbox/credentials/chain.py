"""The default credentials chain, in the seeds' order:

  env → oidc_role_arn → cli_profile → profile → ecs_ram_role → credentials_uri

Each step first decides from the environment and files alone (no network) whether it is
configured. A step that is not configured is skipped; the first configured one is asked for
credentials. If it answers, it serves from then on (sticky) and its name is on every snapshot
(`default/env`, `default/cli_profile/ram_role_arn`, ...). If it fails, the chain stops with a
ChainError listing every step's reason: a broken configuration is reported, not papered over
by whatever comes next. The one exception is the implicit ECS probe (no role name configured):
a metadata service that never answers means "not on ECS", and the chain moves on.

ALIBABA_CLOUD_CREDENTIALS_PROVIDER pins or narrows the chain: a comma-separated list of step
names, tried in the order given (e.g. `env,ecs_ram_role`). `explain()` shows each step's
decision without network calls and without secrets (see `ossbox credentials doctor`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ossbox.credentials import envconfig
from ossbox.credentials.errors import (
    ChainError,
    CredentialsError,
    CredentialsUnavailable,
    ProfileError,
    StepOutcome,
)
from ossbox.credentials.http import Exchange, HttpOptions, SourceCredentials, run_async, run_sync
from ossbox.credentials.profiles import CliProfileProvider, IniProfileProvider
from ossbox.credentials.providers.base import CredentialsProvider, Prefixed
from ossbox.credentials.providers.ecs import DEFAULT_ENDPOINT
from ossbox.credentials.providers.env import ALIBABA_VARS, OSS_VARS, EnvironmentProvider
from ossbox.credentials.providers.env import describe_env as _describe_env
from ossbox.credentials.refresh import RefreshableCredentials
from ossbox.credentials.snapshot import Credentials


@dataclass(frozen=True, slots=True)
class Resolution:
    """A step's decision: the provider to ask (None: skip) and why, without secrets.
    `tentative`: the step may still turn out unavailable (the implicit ECS probe)."""

    provider: CredentialsProvider | None
    reason: str
    tentative: bool = False


Resolver = Callable[[Mapping[str, str]], Resolution]


def _env_step(env: Mapping[str, str]) -> Resolution:
    if not env.get(ALIBABA_VARS[0]) and not env.get(OSS_VARS[0]):
        return Resolution(None, _describe_env(env))
    return Resolution(EnvironmentProvider(env), _describe_env(env))


def _oidc_step(env: Mapping[str, str]) -> Resolution:
    missing = envconfig.oidc_missing(env)
    if missing:
        return Resolution(None, "not set: " + ", ".join(missing))
    source = env.get(envconfig.OIDC_TOKEN_FILE) or envconfig.OIDC_TOKEN
    reason = f"role {env[envconfig.ROLE_ARN]} with the token from {source}"
    return Resolution(envconfig.oidc_from_env(env), reason)


def _profile_step(kind: type[CliProfileProvider] | type[IniProfileProvider]) -> Resolver:
    def resolve(env: Mapping[str, str]) -> Resolution:
        if kind is CliProfileProvider and envconfig.flag(env, envconfig.CLI_PROFILE_DISABLED):
            return Resolution(None, f"disabled by {envconfig.CLI_PROFILE_DISABLED}")
        provider = kind(env)
        try:
            provider.resolve()
        except CredentialsUnavailable as exc:
            return Resolution(None, str(exc))
        return Resolution(provider, provider.description)

    return resolve


def _ecs_step(env: Mapping[str, str]) -> Resolution:
    if envconfig.flag(env, envconfig.ECS_DISABLED):
        return Resolution(None, f"disabled by {envconfig.ECS_DISABLED}")
    role = env.get(envconfig.ECS_ROLE)
    endpoint = env.get(envconfig.ECS_ENDPOINT) or DEFAULT_ENDPOINT
    mode = (
        "IMDSv2 only" if envconfig.flag(env, envconfig.IMDSV1_DISABLED) else "IMDSv2, v1 fallback"
    )
    if role:
        reason = f"role {role} from {envconfig.ECS_ROLE} at {endpoint} ({mode})"
        return Resolution(envconfig.ecs_from_env(env), reason)
    reason = f"probe the metadata service at {endpoint} ({mode}); skipped if it does not answer"
    return Resolution(envconfig.ecs_from_env(env, probe=True), reason, tentative=True)


def _uri_step(env: Mapping[str, str]) -> Resolution:
    uri = env.get(envconfig.CREDENTIALS_URI)
    if not uri:
        return Resolution(None, f"{envconfig.CREDENTIALS_URI} is not set")
    try:
        provider = envconfig.uri_from_env(env)
    except ValueError as exc:
        raise ProfileError(f"{envconfig.CREDENTIALS_URI}: {exc}") from None
    return Resolution(provider, f"GET {uri.partition('?')[0]}")


_NO_HTTP = HttpOptions()  # the walk itself sends no request; its steps do their own
STEPS: dict[str, Resolver] = {
    "env": _env_step,
    "oidc_role_arn": _oidc_step,
    "cli_profile": _profile_step(CliProfileProvider),
    "profile": _profile_step(IniProfileProvider),
    "ecs_ram_role": _ecs_step,
    "credentials_uri": _uri_step,
}


def steps_for(env: Mapping[str, str]) -> list[str]:
    """The step names to walk: all of them, or those ALIBABA_CLOUD_CREDENTIALS_PROVIDER pins."""
    pinned = env.get(envconfig.PIN, "").strip()
    if not pinned:
        return list(STEPS)
    names = [name.strip() for name in pinned.split(",") if name.strip()]
    unknown = [name for name in names if name not in STEPS]
    if unknown:
        raise ProfileError(
            f"{envconfig.PIN} names unknown steps {unknown}; known: {', '.join(STEPS)}"
        )
    return names


@dataclass(frozen=True)
class Explanation:
    outcomes: tuple[StepOutcome, ...]

    def __str__(self) -> str:
        return "\n".join(f"{o.step:16} {o.status:12} {o.reason}" for o in self.outcomes)


class DefaultCredentialsChain:
    """The default chain as a provider. `env` (default: os.environ, read at every walk)."""

    name = "default"

    def __init__(self, *, env: Mapping[str, str] | None = None) -> None:
        self._env = env
        self._served: Prefixed | None = None
        # Single flight for the first walk, shared by threads and coroutines; once a step
        # serves, calls go straight to it.
        self._first = RefreshableCredentials(
            lambda: run_sync(self._walk(), _NO_HTTP),
            fetch_async=lambda: run_async(self._walk(), _NO_HTTP),
            name=self.name,
            advisory=0,
            mandatory=0,
        )

    @property
    def served_by(self) -> str | None:
        """The sticky provider's path (e.g. "default/env"), once a step has served."""
        return None if self._served is None else self._served.name

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        served = self._served
        if served is not None:
            return served.get_credentials(min_ttl=min_ttl)
        return self._first.get_credentials(min_ttl=min_ttl)

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        served = self._served
        if served is not None:
            return await served.get_credentials_async(min_ttl=min_ttl)
        return await self._first.get_credentials_async(min_ttl=min_ttl)

    def explain(self) -> Explanation:
        """Every step's decision, from the environment and files only (no network)."""
        outcomes: list[StepOutcome] = []
        decided = False
        for name, resolution in self._resolutions():
            if resolution.provider is None:
                status = "skipped"
            elif decided:
                status = "not reached"
            else:
                status = "would try"
                decided = not resolution.tentative
            outcomes.append(StepOutcome(name, status, resolution.reason))
        if self._served is not None:
            outcomes.append(StepOutcome("sticky", "served", self._served.name))
        return Explanation(tuple(outcomes))

    # -- the walk ---------------------------------------------------------------------------------

    def _resolutions(self) -> list[tuple[str, Resolution]]:
        env = os.environ if self._env is None else self._env
        found: list[tuple[str, Resolution]] = []
        for name in steps_for(env):
            try:
                found.append((name, STEPS[name](env)))
            except CredentialsError as exc:
                found.append((name, Resolution(_Broken(exc), f"misconfigured: {exc}")))
        return found

    def _walk(self) -> Exchange[Credentials]:
        """Ask the configured steps in order (driven sync or async, see ossbox.credentials.http)."""
        outcomes: list[StepOutcome] = []
        for name, resolution in self._resolutions():
            if resolution.provider is None:
                outcomes.append(StepOutcome(name, "skipped", resolution.reason))
                continue
            candidate = Prefixed(resolution.provider, self.name)
            try:
                creds: Credentials = yield SourceCredentials(candidate)
            except CredentialsUnavailable as exc:
                outcomes.append(StepOutcome(name, "skipped", str(exc)))
                continue
            except CredentialsError as exc:
                outcomes.append(StepOutcome(name, "failed", str(exc)))
                headline = f"the default chain stopped at {name}: configured, but it failed"
                raise ChainError(outcomes, headline=headline) from exc
            self._served = candidate
            return creds
        raise ChainError(
            outcomes, headline="no credentials: no step of the default chain is set up"
        )


class _Broken:
    """A step whose configuration is wrong: asking it raises the configuration error."""

    name = "misconfigured"

    def __init__(self, error: CredentialsError) -> None:
        self._error = error

    def get_credentials(self, *, min_ttl: float = 0.0) -> Credentials:
        raise self._error

    async def get_credentials_async(self, *, min_ttl: float = 0.0) -> Credentials:
        raise self._error
