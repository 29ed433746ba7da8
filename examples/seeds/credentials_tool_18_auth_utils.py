# Seed 001 (zh-CN) 如何切换凭据, 使用AuthUtils: switch credentials.ini profiles with
# auth_util.client_type ([default] access_key, [client1] ecs_ram_role, [client2] ram_role_arn,
# as in the seed's 配置文件 example; the test writes ~/.alibabacloud/credentials.ini).
# ossbox: credentials.ini has no STS endpoint key (point_sts_at_ossbox() for client2), nor a
# metadata proxy key: client1 reaches `ossbox serve --imds` through HTTP_PROXY, which the
# library's HTTP layer honours. Each client then drives an OSS call.
from alibabacloud_credentials.utils import auth_util
from alibabacloud_credentials.client import Client

import ossbox_local

ossbox_local.point_sts_at_ossbox()

# 若不配置AuthUtils类clientType属性,则默认使用default。
credentialClient = Client()
# 切换到client1凭据上
auth_util.client_type = "client1"
credentialClient1 = Client()
# 切换到client2凭据上
auth_util.client_type = "client2"
credentialClient2 = Client()

ossbox_local.use_credential(credentialClient, "official-default")
ossbox_local.use_credential(credentialClient1, "official-client1")
ossbox_local.use_credential(credentialClient2, "official-client2")

# ossbox.credentials side by side: the profile is an argument (the environment mapping), not a
# module global; STS and metadata endpoints come from ALIBABA_CLOUD_STS_ENDPOINT and
# ALIBABA_CLOUD_ECS_METADATA_ENDPOINT.
import os

from ossbox.credentials import IniProfileProvider
from ossbox.credentials.adapters import tea_credential_client

for profile in ("default", "client1", "client2"):
    provider = IniProfileProvider({**os.environ, "ALIBABA_CLOUD_PROFILE": profile})
    ossbox_local.use_credential(tea_credential_client(provider), f"ossbox-{profile}")
