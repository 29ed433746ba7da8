# Seed 001 (zh-CN) Credentials工具 方式一:使用默认凭据链 (CredClient() with no arguments).
# ossbox: `from alibabacloud_tea_rpc.models import Config` becomes alibabacloud_tea_openapi's
# Config (same `credential` field): alibabacloud-tea-rpc 0.1.0, the last release, requires
# alibabacloud_credentials<1.0 and cannot be installed beside the 1.x the other samples use.
# The chain's OIDC step and credentials.ini's ram_role_arn have no STS endpoint setting, so
# point_sts_at_ossbox() gives them one. The credentials then drive an OSS call.
from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_tea_openapi.models import Config  # seed: alibabacloud_tea_rpc.models

import ossbox_local

ossbox_local.point_sts_at_ossbox()

# 不指定参数
credentialsClient = CredClient()
config = Config(credential=credentialsClient)

ossbox_local.use_credential(config.credential, "official")

# ossbox.credentials side by side: the same chain (environment, OIDC, profile files, ECS RAM
# role, credentials URI), reading ALIBABA_CLOUD_STS_ENDPOINT and the metadata endpoint itself.
from ossbox.credentials import DefaultCredentialsChain
from ossbox.credentials.adapters import tea_credential_client

chain = DefaultCredentialsChain()
ossbox_local.use_credential(tea_credential_client(chain), "ossbox")
print("ossbox chain served by", chain.served_by)
