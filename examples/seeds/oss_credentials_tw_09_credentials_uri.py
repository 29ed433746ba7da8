# Seed 000 (zh-TW) 方式八:使用CredentialsURI.
# ossbox: the placeholder <CredentialsUri> is filled from ALIBABA_CLOUD_CREDENTIALS_URI (the seed's
# comment names it): ossbox serves http://HOST:PORT/_ossbox/credentials/ROLE in the seed's
# response format.
# -*- coding: utf-8 -*-
import oss2
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config
from oss2 import CredentialsProvider
from oss2.credentials import Credentials
import os

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
	type='credentials_uri',
	# 憑證的 URI,格式為http://local_or_remote_uri/,可以通過環境變數ALIBABA_CLOUD_CREDENTIALS_URI設定CredentialsUri
	credentials_uri=os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'],
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import CredentialsUriProvider
from ossbox.credentials.adapters import oss2_provider

provider = CredentialsUriProvider(os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'])
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
