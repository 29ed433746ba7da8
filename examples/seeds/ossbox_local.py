"""Where ossbox is, for the seed examples: the only thing the samples do not say themselves.

The seed samples stop at "使用auth進行後續操作" (do the following operations with auth) or call
ECS DescribeRegions; `use_auth` and `use_credential` are those following operations against
ossbox: write an object, read it back, print one `OK` line (what tests/examples checks).

Environment (set by tests/examples, or by you after `ossbox serve`; see README.md here):
  OSSBOX_ENDPOINT       OSS endpoint as the samples' official clients use it
                        (https://127.0.0.1:PORT with `ossbox serve --tls`)
  OSSBOX_STS_ENDPOINT   what replaces sts.aliyuncs.com (127.0.0.1:PORT; the clients add https)
  OSSBOX_IMDS_PROXY     the `--imds` listener, http://127.0.0.1:PORT: the official clients
                        hard-code 100.100.100.200 and reach it through this proxy
  OSSBOX_REGION         default cn-hangzhou;  OSSBOX_BUCKET  default examplebucket
ossbox.credentials reads its own variables (ALIBABA_CLOUD_STS_ENDPOINT,
ALIBABA_CLOUD_ECS_METADATA_ENDPOINT), so its side needs no proxy and no patch.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ENDPOINT = os.environ.get("OSSBOX_ENDPOINT", "http://127.0.0.1:9000")
STS_ENDPOINT = os.environ.get("OSSBOX_STS_ENDPOINT", ENDPOINT)
IMDS_PROXY = os.environ.get("OSSBOX_IMDS_PROXY", "http://127.0.0.1:8100")
REGION = os.environ.get("OSSBOX_REGION", "cn-hangzhou")
BUCKET = os.environ.get("OSSBOX_BUCKET", "examplebucket")
EXAMPLE = Path(sys.argv[0]).stem


def use_auth(auth: Any, label: str) -> None:
    """The seed's "subsequent operations" with an oss2 auth: PutObject, then GetObject."""
    import oss2

    bucket = oss2.Bucket(auth, ENDPOINT, BUCKET, region=REGION)
    key = f"examples/{EXAMPLE}/{label}.txt"
    body = f"written by {EXAMPLE} with {label}"
    bucket.put_object(key, body)
    assert bucket.get_object(key).read().decode() == body
    print(f"OK {label}: wrote and read back oss://{BUCKET}/{key}")


def use_credential(credential_client: Any, label: str) -> None:
    """In place of ECS DescribeRegions (ossbox emulates OSS, not ECS): the same Credentials
    client drives an alibabacloud-oss-v2 client, as it would drive the ECS client."""
    import alibabacloud_oss_v2 as oss

    def credentials() -> oss.credentials.Credentials:
        model = credential_client.get_credential()
        return oss.credentials.Credentials(
            model.access_key_id, model.access_key_secret, model.security_token
        )

    provider = getattr(credential_client.get_credential(), "provider_name", None)
    print(f"{label} credentials from: {provider}")
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.CredentialsProviderFunc(credentials)
    cfg.endpoint, cfg.region = ENDPOINT, REGION
    client = oss.Client(cfg)
    key = f"examples/{EXAMPLE}/{label}.txt"
    body = f"written by {EXAMPLE} with {label}".encode()
    client.put_object(oss.PutObjectRequest(bucket=BUCKET, key=key, body=body))
    got = client.get_object(oss.GetObjectRequest(bucket=BUCKET, key=key))
    assert got.body.read() == body
    print(f"OK {label}: wrote and read back oss://{BUCKET}/{key}")


def point_sts_at_ossbox() -> None:
    """alibabacloud-credentials has no STS endpoint setting in credentials.ini nor in the
    default chain's OIDC step (always https://sts[.region].aliyuncs.com): give its two
    STS-based providers ossbox as their default endpoint. Used only where no hook exists."""
    from alibabacloud_credentials.provider import oidc, ram_role_arn

    for provider in (
        ram_role_arn.RamRoleArnCredentialsProvider,
        oidc.OIDCRoleArnCredentialsProvider,
    ):
        original = provider.__init__

        def init(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> None:
            kwargs["sts_endpoint"] = kwargs.get("sts_endpoint") or STS_ENDPOINT
            _original(self, *args, **kwargs)

        provider.__init__ = init  # type: ignore[method-assign]
