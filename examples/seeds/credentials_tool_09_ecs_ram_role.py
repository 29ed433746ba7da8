# Seed 001 (zh-CN) 方式五:使用ECS实例RAM角色.
# ossbox: <role_name> filled from ALIBABA_CLOUD_ECS_METADATA (the seed's comment names it);
# `proxy` added: the library hard-codes 100.100.100.200 and `ossbox serve --imds` answers for it.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.models import Config as CredConfig

import ossbox_local

credentialsConfig = CredConfig(
	type='ecs_ram_role',
	# 选填,该ECS角色的角色名称,不填会自动获取,但是建议加上以减少请求次数,可以通过环境变量ALIBABA_CLOUD_ECS_METADATA设置role_name
	role_name=os.environ['ALIBABA_CLOUD_ECS_METADATA'],
	proxy=ossbox_local.IMDS_PROXY,  # ossbox: the metadata service of this "instance"
)
credentialsClient = CredClient(credentialsConfig)

ossbox_local.use_credential(credentialsClient, "official")

from ossbox.credentials import EcsRamRoleProvider
from ossbox.credentials.adapters import tea_credential_client

provider = EcsRamRoleProvider(endpoint=os.environ['ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'])  # role discovered
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
