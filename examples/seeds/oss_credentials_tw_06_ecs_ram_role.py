# Seed 000 (zh-TW) 方式五:使用ECSRAMRole.
# ossbox: `proxy` added: the library hard-codes the metadata host 100.100.100.200, and
# `ossbox serve --imds` answers for it as an HTTP proxy; the role name is the seed's
# placeholder, filled with the instance role ossbox serves.
# -*- coding: utf-8 -*-
import oss2
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config
from oss2 import CredentialsProvider
from oss2.credentials import Credentials

import ossbox_local


class CredentialProviderWrapper(CredentialsProvider):
    def __init__(self, client):
        self.client = client

    def get_credentials(self):
        credential = self.client.get_credential()
        access_key_id = credential.access_key_id
        access_key_secret = credential.access_key_secret
        security_token = credential.security_token
        return Credentials(access_key_id, access_key_secret, security_token)


config = Config(
    type='ecs_ram_role',      # 訪問憑證類型。固定為ecs_ram_role。
    role_name='ECSRAMRole',   # 為ECS授予的RAM角色的名稱。選擇性參數。
    proxy=ossbox_local.IMDS_PROXY,  # ossbox: the metadata service of this "instance"
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: IMDSv2 first, metadata address from
# ALIBABA_CLOUD_ECS_METADATA_ENDPOINT (no proxy needed), no background threads.
import os

from ossbox.credentials import EcsRamRoleProvider
from ossbox.credentials.adapters import oss2_provider

provider = EcsRamRoleProvider('ECSRAMRole', endpoint=os.environ['ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'])
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
