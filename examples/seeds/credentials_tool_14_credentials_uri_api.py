# Seed 001 (zh-CN) 方式七:使用URI凭据, 接口调用方法.
# ossbox: as credentials_tool_13; ECS DescribeRegions becomes an OSS call.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.client import Config as CredConfig
from alibabacloud_tea_openapi.models import Config

import ossbox_local

# 使用URI凭据初始化Credentials Client。
credentialsConfig = CredConfig(
    # 凭证类型。
    type='credentials_uri',
    # 凭证的 URI,格式为http://local_or_remote_uri/,可以通过环境变量ALIBABA_CLOUD_CREDENTIALS_URI设置credentials_uri
    credentials_uri=os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'],
)
credentialsClient = CredClient(credentialsConfig)
ecsConfig = Config(credential=credentialsClient)
# ossbox: in place of the ECS client and DescribeRegions:
ossbox_local.use_credential(ecsConfig.credential, "official")

from ossbox.credentials import DefaultCredentialsChain
from ossbox.credentials.adapters import tea_credential_client

chain = DefaultCredentialsChain()  # ALIBABA_CLOUD_CREDENTIALS_URI puts the URI in the chain
ossbox_local.use_credential(tea_credential_client(chain), "ossbox")
print("ossbox chain served by", chain.served_by)
