"""What the seed samples expect to exist, built once per test module through ossbox.testing:
two `ossbox serve` processes sharing one data directory (one world): a plain-HTTP one with the
ECS metadata listener (`--imds`, role ECSRAMRole), and a `--tls` one, since the seeds' clients
speak https to OSS and STS. RAM as the seeds' console steps leave it: a RAM user with an
AccessKey, AliyunSTSAssumeRoleAccess and an OSS policy; the role RamOssTest (004's policy); the
instance role ECSRAMRole; an RRSA role behind the built-in OIDC issuer; examplebucket.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ossbox.testing import AccessKey, OssboxAdmin, OssboxServer, StsCredentials, allow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "seeds"
BUCKET = "examplebucket"
OTHER_BUCKET = "otherbucket"
RRSA_SUBJECT = "system:serviceaccount:default:oss-app"
SEED_POLICY = allow(
    ["oss:PutObject", "oss:GetObject"], [f"acs:oss:*:*:{BUCKET}", f"acs:oss:*:*:{BUCKET}/*"]
)
OK_LINE = re.compile(
    r"^OK (?P<label>\S+): wrote and read back oss://(?P<bucket>[^/]+)/(?P<key>\S+)$"
)


@dataclass
class World:
    http: OssboxServer
    tls: OssboxServer
    admin: OssboxAdmin
    user: AccessKey  # RAM user: AliyunSTSAssumeRoleAccess + RamTestPolicy
    session: StsCredentials  # RamOssTest assumed by the user
    caller_session: StsCredentials  # StsCallerRole (may itself AssumeRole) assumed by the user
    role_arn: str
    oidc_provider_arn: str
    oidc_role_arn: str
    home: Path  # HOME of the examples (credentials.ini lives under it)
    token_file: Path

    @property
    def ca(self) -> str:
        assert self.tls.ca_file is not None
        return str(self.tls.ca_file)

    def base_env(self) -> dict[str, str]:
        """Where ossbox is (ossbox_local.py), and nothing else of the caller's environment that
        could steer a credentials library (no proxies, no ALIBABA_CLOUD_* or OSS_* variables)."""
        keep = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")
        env = {k: v for k, v in os.environ.items() if k in keep}
        assert self.http.imds_endpoint is not None
        env.update(
            HOME=str(self.home),
            OSSBOX_ENDPOINT=self.tls.endpoint,
            OSSBOX_STS_ENDPOINT=self.tls.netloc,
            OSSBOX_IMDS_PROXY=self.http.imds_endpoint,
            OSSBOX_REGION=self.http.region,
            OSSBOX_BUCKET=BUCKET,
            # ossbox.credentials' own settings (plain HTTP: it takes no CA from the environment)
            ALIBABA_CLOUD_STS_ENDPOINT=self.http.endpoint,
            ALIBABA_CLOUD_ECS_METADATA_ENDPOINT=self.http.imds_endpoint,
            # trust the --tls server's CA: requests (oss2, oss-v2), OpenSSL (Tea), sdk-core
            REQUESTS_CA_BUNDLE=self.ca,
            SSL_CERT_FILE=self.ca,
            ALIBABA_CLOUD_CA_BUNDLE=self.ca,
        )
        return env


def build_world(base: Path) -> Iterator[World]:
    data = base / "data"
    http = OssboxServer(data_dir=data, imds_role="ECSRAMRole")
    issuer = ["--oidc-issuer", f"https://{http.netloc}/_ossbox/oidc"]
    http.extra_args = issuer
    with http:
        tls = OssboxServer(
            data_dir=data,
            tls=True,
            access_key_id=http.access_key_id,
            access_key_secret=http.access_key_secret,
            account_id=http.account_id,
            extra_args=issuer,
        )
        with tls, OssboxAdmin(http) as admin:
            yield _populate(http, tls, admin, base)


def _populate(http: OssboxServer, tls: OssboxServer, admin: OssboxAdmin, base: Path) -> World:
    for bucket in (BUCKET, OTHER_BUCKET):
        admin.create_bucket(bucket)
    admin.create_policy("RamTestPolicy", SEED_POLICY)
    user = admin.create_user(
        "ram-test-user", policies=["AliyunSTSAssumeRoleAccess", "RamTestPolicy"]
    )
    role = admin.create_role("RamOssTest", policies=["RamTestPolicy"])
    admin.create_role("ECSRAMRole", services=["ecs.aliyuncs.com"], policies=["RamTestPolicy"])
    provider = admin.create_oidc_provider("ack-rrsa")
    trust = admin.oidc_trust(provider, RRSA_SUBJECT)
    oidc_role = admin.create_role("RrsaOssRole", trust=trust, policies=["RamTestPolicy"])
    home = base / "home"
    home.mkdir()
    token_file = home / "oidc-token"
    admin.oidc_token(RRSA_SUBJECT, out=token_file)
    session = admin.assume_role(role.arn, "seed-session", as_user=user)
    caller = admin.create_role("StsCallerRole", policies=["AliyunSTSAssumeRoleAccess"])
    caller_session = admin.assume_role(caller.arn, "chain-source", as_user=user)
    return World(
        http,
        tls,
        admin,
        user,
        session,
        caller_session,
        role.arn,
        provider,
        oidc_role.arn,
        home,
        token_file,
    )


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str

    def written(self) -> dict[str, tuple[str, str]]:
        """label -> (bucket, key) of every `OK` line."""
        found = {}
        for line in self.stdout.splitlines():
            match = OK_LINE.match(line.strip())
            if match:
                found[match["label"]] = (match["bucket"], match["key"])
        return found


def run_example(
    world: World,
    script: str,
    env: Mapping[str, str],
    cwd: Path | None = None,
    interpreter: str = sys.executable,
) -> Run:
    path = EXAMPLES / script
    assert path.is_file(), path
    full = world.base_env()
    full.update(env)
    done = subprocess.run(
        [interpreter, str(path)],
        env=full,
        cwd=cwd or world.home,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)
