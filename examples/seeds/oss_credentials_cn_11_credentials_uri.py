# Seed 003 (zh-CN) 方式八:使用CredentialsURI.
# ossbox: <local_or_remote_uri> filled from ALIBABA_CLOUD_CREDENTIALS_URI (ossbox serves
# http://HOST:PORT/_ossbox/credentials/ROLE in the seed's response format). Seed defect fixed:
# get_credential(self.config) -> get_credential().
# -*- coding: utf-8 -*-
import os

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
	type='credentials_uri',
	# 换取凭证的 URI,格式为http://local_or_remote_uri/
	credentials_uri=os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'],
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred, config)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import CredentialsUriProvider
from ossbox.credentials.adapters import oss2_provider

provider = CredentialsUriProvider(os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'])
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
