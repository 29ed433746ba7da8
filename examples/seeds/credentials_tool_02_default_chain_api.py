# Seed 001 (zh-CN) 方式一:使用默认凭据链, 接口调用方法.
# ossbox: ECS DescribeRegions becomes an OSS call with the same Credentials client (ossbox
# emulates OSS, not ECS); point_sts_at_ossbox() as in credentials_tool_01.
# Credentials和云产品SDK都需引入Client,此处为创建别名。
from alibabacloud_credentials.client import Client as CredClient
# 引入阿里云SDK核心包。
from alibabacloud_tea_openapi.models import Config

import ossbox_local

ossbox_local.point_sts_at_ossbox()

# 使用默认凭证初始化Credentials Client。
credentialsClient = CredClient()
ecsConfig = Config(credential=credentialsClient)
# ossbox: in place of ecsConfig.endpoint = 'ecs.aliyuncs.com', EcsClient(ecsConfig) and
# describe_regions_with_options(DescribeRegionsRequest(), RuntimeOptions()):
ossbox_local.use_credential(ecsConfig.credential, "official")

from ossbox.credentials import DefaultCredentialsChain
from ossbox.credentials.adapters import tea_credential_client

ossbox_local.use_credential(tea_credential_client(DefaultCredentialsChain()), "ossbox")
