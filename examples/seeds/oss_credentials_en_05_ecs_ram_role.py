# Seed 002 (en) Configure a RAM role for an ECS instance.
# ossbox: `proxy` added (the library hard-codes 100.100.100.200; `ossbox serve --imds` answers
# for it through the proxy).
# -*- coding: utf-8 -*-
import oss2
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config
from oss2 import CredentialsProvider
from oss2.credentials import Credentials
import os

import ossbox_local


class CredentialProviderWarpper(CredentialsProvider):
    def __init__(self, client):
        self.client = client

    def get_credentials(self):
        access_key_id = self.client.get_access_key_id()
        access_key_secret = self.client.get_access_key_secret()
        security_token = self.client.get_security_token()
        return Credentials(access_key_id, access_key_secret, security_token)


config = Config(
    type='ecs_ram_role',      # Specify the type of the temporary access credentials. Set the value to ecs_ram_role.
    role_name='ECSRAMRole',   # Specify the name of the RAM role that is attached to the ECS instance.
    proxy=ossbox_local.IMDS_PROXY,  # ossbox: the metadata service of this "instance"
)

cred = Client(config)

credentials_provider = CredentialProviderWarpper(cred)

auth = oss2.ProviderAuth(credentials_provider)

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import EcsRamRoleProvider
from ossbox.credentials.adapters import oss2_provider

provider = EcsRamRoleProvider('ECSRAMRole', endpoint=os.environ['ALIBABA_CLOUD_ECS_METADATA_ENDPOINT'])
ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(provider)), "ossbox")
