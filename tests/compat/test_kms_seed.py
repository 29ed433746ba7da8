"""The seed's "方式二：使用自动轮转的AK" sample, unmodified but for the endpoint, against ossbox.

aliyun-secret-manager-client (with the KMS SDK it pulls) pins cryptography<=38.0.3 and
typing-extensions<=4.1.1, which ossbox's own dependencies cannot share, and reads
secretsmanager.properties with open(..., 'Ur'), which Python 3.11 rejects. So the official
client lives in its own Python 3.10 venv (.venv-kms, made by scripts/test.sh; or
OSSBOX_KMS_CLIENT_PYTHON) and the sample runs there as the application would: a separate
process in the directory holding secretsmanager.properties. It hard-codes https for KMS, so
the server runs with --tls; oss2 trusts DIR/tls/ca.pem through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import oss2
import pytest

from tests.compat.tls_server import TlsServer, running_tls_server
from tests.kms.world import cli, create_client_key, create_user_secret, unique, user_key_ids

pytestmark = pytest.mark.compat

ROOT = Path(__file__).resolve().parents[2]

# The seed's code, verbatim (secret name filled in), then what "# 使用auth进行后续操作..." means.
SEED_SAMPLE = """# -*- coding: utf-8 -*-
import json
import oss2
from oss2 import CredentialsProvider
from oss2.credentials import Credentials
from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import SecretManagerCacheClientBuilder


class CredentialProviderWrapper(CredentialsProvider):
    def get_credentials(self):
        secret_cache_client = SecretManagerCacheClientBuilder.new_client()
        secret_info = secret_cache_client.get_secret_info("{secret}")
        secret_value_json = json.loads(secret_info.secret_value)
        return Credentials(secret_value_json["AccessKeyId"], secret_value_json["AccessKeySecret"])


credentials_provider = CredentialProviderWrapper()

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
bucket = oss2.Bucket(auth, "{endpoint}", "{bucket}", region="{region}")
bucket.put_object("seed.txt", b"uploaded with an auto-rotated AccessKey")
print(bucket.get_object("seed.txt").read().decode())
"""

# The same client asked directly, printing the service's error code when refused.
ASK_SECRET = """
from aliyunsdkcore.acs_exception.exceptions import ServerException
from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import (
    SecretManagerCacheClientBuilder,
)
try:
    SecretManagerCacheClientBuilder.new_client().get_secret_info("{secret}")
    print("READ")
except ServerException as err:
    print("REFUSED", err.get_http_status(), err.get_error_code())
"""


def kms_client_python() -> str:
    given = os.environ.get("OSSBOX_KMS_CLIENT_PYTHON")
    python = Path(given) if given else ROOT / ".venv-kms" / "bin" / "python"
    if not python.exists():
        pytest.fail(
            f"{python} is missing: scripts/test.sh builds the official client's venv "
            "(aliyun-secret-manager-client needs Python <= 3.10 and its own pins)"
        )
    return str(python)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    with running_tls_server(tmp_path_factory.mktemp("kms-tls") / "data") as live:
        yield live


def run_app(server: TlsServer, workdir: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` as the application: in `workdir` (where secretsmanager.properties is)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["REQUESTS_CA_BUNDLE"] = str(server.ca)
    (workdir / "app.py").write_text(code)
    return subprocess.run(
        [kms_client_python(), "app.py"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def root_bucket(server: TlsServer, name: str) -> oss2.Bucket:
    auth = oss2.AuthV4(server.access_key_id, server.access_key_secret)
    return oss2.Bucket(auth, server.endpoint, name, region=server.region)


def test_seed_sample_uploads_with_the_rotated_access_key(server: TlsServer, tmp_path: Path) -> None:
    _, secret = create_user_secret(server, "7d")
    create_client_key(server, tmp_path, "--allow-secret", secret)
    name = unique("seed")
    root_bucket(server, name).create_bucket()
    code = SEED_SAMPLE.format(
        secret=secret, endpoint=server.endpoint, bucket=name, region=server.region
    )
    result = run_app(server, tmp_path, code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("uploaded with an auto-rotated AccessKey")
    stored = root_bucket(server, name).get_object("seed.txt").read()
    assert stored == b"uploaded with an auto-rotated AccessKey"
    # ... and after two rotations (its first key deleted) the unmodified sample still works.
    cli(server, "kms", "rotate", secret)
    cli(server, "kms", "rotate", secret)
    again = run_app(server, tmp_path, code)
    assert again.returncode == 0, again.stderr[-3000:]


def test_official_client_without_permission_gets_forbidden(
    server: TlsServer, tmp_path: Path
) -> None:
    _, secret = create_user_secret(server)
    _, other = create_user_secret(server)
    create_client_key(server, tmp_path, "--allow-secret", other)
    result = run_app(server, tmp_path, ASK_SECRET.format(secret=secret))
    assert result.stdout.split()[-3:] == ["REFUSED", "403", "Forbidden.NoPermission"], (
        result.stdout + result.stderr[-2000:]
    )
    allowed = run_app(server, tmp_path, ASK_SECRET.format(secret=other))
    assert allowed.stdout.split()[-1:] == ["READ"], allowed.stderr[-2000:]


def test_official_client_with_a_wrong_password_fails_to_load(
    server: TlsServer, tmp_path: Path
) -> None:
    _, secret = create_user_secret(server)
    made = create_client_key(server, tmp_path, "--allow-secret", secret)
    made.password_file.write_text("not-the-password")
    result = run_app(server, tmp_path, ASK_SECRET.format(secret=secret))
    assert result.returncode != 0
    assert "mac verify failure" in result.stderr  # OpenSSL's PKCS#12 verdict, via pyOpenSSL


def test_ossbox_reads_the_same_properties_file(server: TlsServer, tmp_path: Path) -> None:
    from ossbox.credentials import HttpOptions, SecretsManagerRotatedAKProvider

    user, secret = create_user_secret(server)
    made = create_client_key(server, tmp_path, "--allow-secret", secret)
    provider = SecretsManagerRotatedAKProvider.from_properties(
        made.properties, secret_name=secret, http=HttpOptions(verify=str(server.ca))
    )
    creds = provider.get_credentials()
    assert creds.provider == "secrets_manager" and creds.expiration is not None
    assert user_key_ids(server, user) == {creds.access_key_id}
