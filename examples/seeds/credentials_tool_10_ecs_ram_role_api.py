# Seed 001 (zh-CN) 方式五:使用ECS实例RAM角色, 接口调用方法.
# ossbox: as credentials_tool_09 (role name, proxy); ECS DescribeRegions becomes an OSS call.
import os

# Credentials和云产品SDK都需引入Client,此处为创建别名。
from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.client import Config as CredConfig
# 引入阿里云SDK核心包。
from alibabacloud_tea_openapi.models import Config

import ossbox_local

# 使用EcsRamRole初始化Credentials Client。
credentialsConfig = CredConfig(
    type='ecs_ram_role',  # 凭证类型。
    # 选填,该ECS角色的角色名称,不填会自动获取,但是建议加上以减少请求次数,可以通过环境变量ALIBABA_CLOUD_ECS_METADATA设置role_name
    role_name=os.environ['ALIBABA_CLOUD_ECS_METADATA'],
    proxy=ossbox_local.IMDS_PROXY,  # ossbox: the metadata service of this "instance"
)
credentialsClient = CredClient(credentialsConfig)
ecsConfig = Config(credential=credentialsClient)
# ossbox: in place of the ECS client and DescribeRegions:
ossbox_local.use_credential(ecsConfig.credential, "official")

from ossbox.credentials import EcsRamRoleProvider
from ossbox.credentials.adapters import tea_credential_client

provider = EcsRamRoleProvider(os.environ['ALIBABA_CLOUD_ECS_METADATA'], endpoint=os.environ['ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'])
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
