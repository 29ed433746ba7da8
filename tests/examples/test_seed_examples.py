"""Every seed sample, as its script in examples/seeds/, run as a subprocess against a live
ossbox (see world.py), with what the sample expects prepared as the seeds' steps say: RAM user,
role, policy, OIDC token file, config.ini and credentials.ini, environment variables. Each run
must print `OK <label>` lines, and the test reads every object it reports back from the server.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.examples.test_kms_examples import SCRIPTS as KMS_SCRIPTS
from tests.examples.test_sts_signed_url_examples import SCRIPTS as SIGNED_URL_SCRIPTS
from tests.examples.world import EXAMPLES, World, run_example

Env = Callable[[World], dict[str, str]]


# -- what the samples read ---------------------------------------------------------------------


def oss_ak(w: World) -> dict[str, str]:
    return {
        "OSS_ACCESS_KEY_ID": w.user.access_key_id,
        "OSS_ACCESS_KEY_SECRET": w.user.access_key_secret,
    }


def oss_sts(w: World) -> dict[str, str]:
    s = w.session
    return {
        "OSS_ACCESS_KEY_ID": s.access_key_id,
        "OSS_ACCESS_KEY_SECRET": s.access_key_secret,
        "OSS_SESSION_TOKEN": s.security_token,
    }


def alibaba_ak(w: World) -> dict[str, str]:
    return {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": w.user.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": w.user.access_key_secret,
    }


def alibaba_sts(w: World) -> dict[str, str]:
    s = w.session
    return {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": s.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": s.access_key_secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": s.security_token,
    }


def role(w: World) -> dict[str, str]:
    return {
        **alibaba_ak(w),
        "ALIBABA_CLOUD_ROLE_ARN": w.role_arn,
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "seed-example",
    }


def oidc(w: World) -> dict[str, str]:
    return {
        "ALIBABA_CLOUD_ROLE_ARN": w.oidc_role_arn,
        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN": w.oidc_provider_arn,
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(w.token_file),
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "seed-example",
    }


def uri(w: World) -> dict[str, str]:
    return {"ALIBABA_CLOUD_CREDENTIALS_URI": w.http.credentials_uri("RamOssTest")}


def custom(w: World) -> dict[str, str]:
    return {
        "OSSBOX_CUSTOM_ACCESS_KEY_ID": w.user.access_key_id,
        "OSSBOX_CUSTOM_ACCESS_KEY_SECRET": w.user.access_key_secret,
    }


def role_as_caller(w: World) -> dict[str, str]:
    """003's variable names; STS variant: a role session (of StsCallerRole) assumes RamOssTest."""
    s = w.caller_session
    return {
        "ALIBABACLOUD_ACCESS_KEY_ID": s.access_key_id,
        "ALIBABACLOUD_ACCESS_KEY_SECRET": s.access_key_secret,
        "ALIBABA_CLOUD_SECURITY_TOKEN": s.security_token,
        "ALIBABA_CLOUD_ROLE_ARN": w.role_arn,
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "seed-example",
    }


def role_003(w: World) -> dict[str, str]:
    """003's variable names (ALIBABACLOUD_..., no underscore) for the RAM user's AccessKey."""
    return {
        "ALIBABACLOUD_ACCESS_KEY_ID": w.user.access_key_id,
        "ALIBABACLOUD_ACCESS_KEY_SECRET": w.user.access_key_secret,
        "ALIBABA_CLOUD_ROLE_ARN": w.role_arn,
        "ALIBABA_CLOUD_ROLE_SESSION_NAME": "seed-example",
    }


def role_002(w: World) -> dict[str, str]:
    return {**oss_ak(w), "OSS_STS_ROLE_ARN": w.role_arn}


def combine(*parts: Env) -> Env:
    return lambda w: {k: v for part in parts for k, v in part(w).items()}


def no_ecs(w: World) -> dict[str, str]:
    """Keep the default chains (both) off the metadata service."""
    return {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}


def ecs_role(w: World) -> dict[str, str]:
    return {"ALIBABA_CLOUD_ECS_METADATA": "ECSRAMRole"}


def http_proxy_imds(w: World) -> dict[str, str]:
    """Where no proxy setting exists (credentials.ini, the default chain), the official
    library's HTTP layer takes HTTP_PROXY: 100.100.100.200 is reached through `--imds`."""
    assert w.http.imds_endpoint is not None
    return {"HTTP_PROXY": w.http.imds_endpoint}


def nothing(w: World) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class Case:
    script: str
    env: Env
    labels: tuple[str, ...] = ("official", "ossbox")
    config_ini: str | None = None  # "lower" or "upper" key names (000 vs 003)
    credentials_ini: bool = False  # ~/.alibabacloud/credentials.ini as in seed 001
    variant: str = ""
    stdout: tuple[str, ...] = ()  # more lines the run must print
    extra: dict[str, str] = field(default_factory=dict)
    interpreter: str = sys.executable  # another venv's Python (e.g. the KMS client's)

    @property
    def id(self) -> str:
        stem = self.script.removesuffix(".py")
        return f"{stem}[{self.variant}]" if self.variant else stem


CASES = [
    Case("oss_credentials_tw_01_ak_env.py", oss_ak),
    Case("oss_credentials_tw_02_ak_config_ini.py", lambda w: {}, config_ini="lower"),
    Case("oss_credentials_tw_04_sts_env.py", oss_sts),
    Case("oss_credentials_tw_05_ram_role_arn.py", role),
    Case("oss_credentials_tw_06_ecs_ram_role.py", lambda w: {}),
    Case("oss_credentials_tw_07_oidc_role_arn.py", oidc),
    Case("oss_credentials_tw_08_function_compute.py", oss_sts),
    Case("oss_credentials_tw_09_credentials_uri.py", uri),
    Case("oss_credentials_tw_10_custom.py", custom),
    Case("oss_credentials_cn_01_ak_env.py", oss_ak),
    Case("oss_credentials_cn_02_ak_config_ini.py", lambda w: {}, config_ini="upper"),
    Case("oss_credentials_cn_04_sts_env.py", oss_sts),
    Case("oss_credentials_cn_05_sts_static.py", alibaba_sts),
    Case("oss_credentials_cn_06_ak_ram_role_arn.py", role_003),
    Case("oss_credentials_cn_07_sts_ram_role_arn.py", role_as_caller),
    Case("oss_credentials_cn_08_ecs_ram_role_imdsv2.py", lambda w: {}),
    Case("oss_credentials_cn_09_oidc_role_arn.py", oidc),
    Case("oss_credentials_cn_10_function_compute.py", oss_sts),
    Case("oss_credentials_cn_11_credentials_uri.py", uri),
    Case("oss_credentials_cn_12_custom.py", custom),
    Case("oss_credentials_en_01_sts_env.py", oss_sts),
    Case("oss_credentials_en_02_sts_in_code.py", oss_sts),
    Case("oss_credentials_en_03_ram_role_env.py", role_002),
    Case("oss_credentials_en_04_ram_role_in_code.py", role_002),
    Case("oss_credentials_en_05_ecs_ram_role.py", lambda w: {}),
    Case("oss_credentials_en_06_ak_env.py", oss_ak),
    Case("oss_credentials_en_07_ak_in_code.py", oss_ak),
    # 001: the Credentials tool; the default chain once per source it can take, both chains
    # must say which step served
    *(
        Case(
            "credentials_tool_01_default_chain.py",
            combine(*env),
            variant=name,
            credentials_ini=ini,
            stdout=(
                f"official credentials from: default/{official}",
                f"ossbox chain served by default/{ours}",
            ),
        )
        for name, env, ini, official, ours in (
            ("env", (alibaba_ak, no_ecs), False, "env", "env"),
            ("oidc", (oidc, no_ecs), False, "oidc_role_arn", "oidc_role_arn"),
            ("credentials.ini", (no_ecs,), True, "profile/static_ak", "profile/static_ak"),
            ("ecs", (ecs_role, http_proxy_imds), False, "ecs_ram_role", "ecs_ram_role"),
            ("uri", (uri, no_ecs), False, "credential_uri", "credentials_uri"),
        )
    ),
    Case("credentials_tool_02_default_chain_api.py", combine(alibaba_ak, no_ecs), variant="env"),
    Case(
        "credentials_tool_02_default_chain_api.py",
        no_ecs,
        variant="credentials.ini",
        credentials_ini=True,
    ),
    Case("credentials_tool_03_ak.py", alibaba_ak),
    Case("credentials_tool_04_ak_api.py", alibaba_ak),
    Case("credentials_tool_05_sts.py", alibaba_sts),
    Case("credentials_tool_06_sts_assume_role_api.py", role),
    Case("credentials_tool_07_ram_role_arn.py", role),
    Case("credentials_tool_08_ram_role_arn_api.py", role),
    Case("credentials_tool_09_ecs_ram_role.py", ecs_role),
    Case("credentials_tool_10_ecs_ram_role_api.py", ecs_role),
    Case(
        "credentials_tool_11_oidc_role_arn.py",
        oidc,
        stdout=("official type: oidc_role_arn AccessKeyId: STS.",),
    ),
    Case(
        "credentials_tool_12_oidc_role_arn_api.py",
        oidc,
        stdout=("ossbox chain served by default/oidc_role_arn",),
    ),
    Case(
        "credentials_tool_13_credentials_uri.py",
        uri,
        stdout=("official type: credentials_uri AccessKeyId: STS.",),
    ),
    Case(
        "credentials_tool_14_credentials_uri_api.py",
        combine(uri, no_ecs),
        stdout=("ossbox chain served by default/credentials_uri",),
    ),
    Case(
        "credentials_tool_15_bearer.py",
        lambda w: {"ALIBABA_CLOUD_BEARER_TOKEN": "ccc-bearer-token"},
        labels=(),
        stdout=(
            "official: bearer None None None True",
            "ossbox: bearer True",
            "ossbox refuses to sign OSS requests with a bearer token: CredentialsError",
        ),
    ),
    Case(
        "credentials_tool_17_multiple_clients.py",
        alibaba_sts,
        labels=("official-cred2",),
        stdout=("REFUSED official-cred1: InvalidAccessKeyId",),
    ),
    Case(
        "credentials_tool_18_auth_utils.py",
        http_proxy_imds,
        credentials_ini=True,
        labels=tuple(
            f"{side}-{p}"
            for side in ("official", "ossbox")
            for p in ("default", "client1", "client2")
        ),
    ),
]


def write_credentials_ini(home: Path, w: World) -> None:
    """The seed's 配置文件 example (001), its placeholders filled."""
    policy = '{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}'
    user = w.user
    text = f"""[default]
enable=true
type=access_key
access_key_id={user.access_key_id}
access_key_secret={user.access_key_secret}

[client1]
enable=true
type=ecs_ram_role
role_name=ECSRAMRole

[client2]
enable=true
type=ram_role_arn
policy={policy}
access_key_id={user.access_key_id}
access_key_secret={user.access_key_secret}
role_arn={w.role_arn}
role_session_name=seed-client2

[client3]
enable=true
type=oidc_role_arn
policy={policy}
oidc_provider_arn={w.oidc_provider_arn}
oidc_token_file_path={w.token_file}
role_arn={w.oidc_role_arn}
role_session_name=seed-client3
"""
    (home / ".alibabacloud").mkdir(parents=True, exist_ok=True)
    (home / ".alibabacloud" / "credentials.ini").write_text(text)


def write_config_ini(directory: Path, w: World, style: str) -> None:
    names = ("alibaba_cloud_access_key_id", "alibaba_cloud_access_key_secret")
    if style == "upper":
        names = (names[0].upper(), names[1].upper())
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.ini").write_text(
        f"[configName]\n{names[0]} = {w.user.access_key_id}\n"
        f"{names[1]} = {w.user.access_key_secret}\n"
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_seed_example_runs_against_ossbox(world: World, case: Case, tmp_path: Path) -> None:
    if case.config_ini:
        write_config_ini(tmp_path, world, case.config_ini)
    if case.credentials_ini:
        write_credentials_ini(tmp_path, world)
    env = {"HOME": str(tmp_path), **case.env(world), **case.extra}
    run = run_example(world, case.script, env, cwd=tmp_path, interpreter=case.interpreter)
    print(run.stdout)  # shown when the test fails

    assert run.returncode == 0, run.stderr[-3000:]
    written = run.written()
    assert sorted(written) == sorted(case.labels), run.stdout
    for line in case.stdout:
        assert line in run.stdout, run.stdout
    stem = case.script.removesuffix(".py")
    for label, (bucket, key) in written.items():
        assert world.admin.get_object(bucket, key) == f"written by {stem} with {label}".encode()


def test_every_example_script_is_run() -> None:
    scripts = {p.name for p in EXAMPLES.glob("*.py")} - {"ossbox_local.py"}
    assert scripts == {c.script for c in CASES} | set(SIGNED_URL_SCRIPTS) | set(KMS_SCRIPTS)


def test_seed_002_as_written_is_refused_by_sts(world: World, tmp_path: Path) -> None:
    """002's RAM-role sample passes the AccessKey id as the secret; with that value STS refuses
    the AssumeRole signature, as Alibaba Cloud would (why the example reads the secret)."""
    env = {**role_002(world), "OSS_ACCESS_KEY_SECRET": world.user.access_key_id}

    run = run_example(world, "oss_credentials_en_03_ram_role_env.py", env, cwd=tmp_path)

    assert run.returncode != 0
    assert "SignatureDoesNotMatch" in run.stderr
    assert run.written() == {}
