# Seed 003 (zh-CN) 方式五:使用ECSRAMRole, 加固模式 (IMDSv2).
# ossbox: `proxy` added (the library hard-codes 100.100.100.200; `ossbox serve --imds` answers
# as that host through the proxy). Seed defects fixed: type='ecs_RAM_role' -> 'ecs_ram_role'
# (CredentialException otherwise); get_credential(self.config) -> get_credential();
# enable_imds_v2=True is kept but alibabacloud-credentials 1.x ignores it: the hardened mode
# the seed asks for is `disable_imds_v1=True`, added.
# -*- coding: utf-8 -*-
import oss2
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config
from oss2 import CredentialsProvider
from oss2.credentials import Credentials

import ossbox_local


class CredentialProviderWrapper(CredentialsProvider):
    def __init__(self, client, config):
        self.client = client
        self.config = config

    def get_credentials(self):
        credential = self.client.get_credential()  # seed: get_credential(self.config)
        access_key_id = credential.access_key_id
        access_key_secret = credential.access_key_secret
        security_token = credential.security_token
        return Credentials(access_key_id, access_key_secret, security_token)


config = Config(
    type='ecs_ram_role',       # 访问凭证类型。固定为ecs_ram_role。 (seed: 'ecs_RAM_role')
    role_name='ECSRAMRole',    # 为ECS授予的RAM角色的名称。可选参数。
    enable_imds_v2=True,       # 开启ECS实例元数据加固模式。可选参数。
    disable_imds_v1=True,      # ossbox: the setting that does what enable_imds_v2 says
    proxy=ossbox_local.IMDS_PROXY,  # ossbox: the metadata service of this "instance"
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred, config)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

import os

from ossbox.credentials import EcsRamRoleProvider
from ossbox.credentials.adapters import oss2_provider

provider = EcsRamRoleProvider(
    'ECSRAMRole',
    endpoint=os.environ['ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'],
    strict_imdsv2=True,  # never falls back to IMDSv1
)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
