# Seed 001 (zh-CN) 方式二:使用AK, 接口调用方法.
# ossbox: ECS DescribeRegions becomes an OSS call with the same Credentials client.
import os
# Credentials和云产品SDK都需引入Client,此处为创建别名。
from alibabacloud_credentials.client import Client as CredClient
# Credentials和云产品SDK都需引入Config
from alibabacloud_tea_openapi.models import Config
from alibabacloud_credentials.models import Config as CreConfig

import ossbox_local

# 使用AK 初始化Credentials Client。
credentialsConfig = CreConfig(
    # 凭证类型。
    type='access_key',
    # 设置为AccessKey ID值。
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    # 设置为AccessKey Secret值。
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
)
credentialClient = CredClient(credentialsConfig)

ecsConfig = Config(credential=credentialClient)
# ossbox: in place of the ECS client and DescribeRegions:
ossbox_local.use_credential(ecsConfig.credential, "official")

from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import tea_credential_client

ossbox_local.use_credential(tea_credential_client(EnvironmentProvider()), "ossbox")
