# Seed 002 (en) Configure a RAM role, environment variables (OSS_ACCESS_KEY_ID,
# OSS_ACCESS_KEY_SECRET, OSS_STS_ROLE_ARN).
# ossbox: `sts_endpoint` added. Seed defect fixed: it passes
# access_key_secret=os.getenv('OSS_ACCESS_KEY_ID') (the id as the secret), which STS refuses
# with SignatureDoesNotMatch, on Alibaba Cloud as on ossbox (tests/examples checks it).
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
    type='ram_role_arn',
    # Obtain the AccessKey pair of the RAM user from the environment variables. The AccessKey pair consists of an AccessKey ID and an AccessKey secret.
    access_key_id=os.getenv('OSS_ACCESS_KEY_ID'),
    access_key_secret=os.getenv('OSS_ACCESS_KEY_SECRET'),  # seed: os.getenv('OSS_ACCESS_KEY_ID')
    # Obtain RamRoleArn of the RAM role from the environment variables.
    role_arn=os.getenv('OSS_STS_ROLE_ARN'),
    # Specify the session name of the RAM role.
    role_session_name='roleSessionName',
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)

cred = Client(config)

credentials_provider = CredentialProviderWarpper(cred)

# Configure temporary access credentials by using the AccessKey pair of the RAM user and RamRoleArn of the RAM role obtained from environment variables.
auth = oss2.ProviderAuth(credentials_provider)

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import RamRoleArnProvider
from ossbox.credentials.adapters import oss2_provider

provider = RamRoleArnProvider(
    os.environ['OSS_STS_ROLE_ARN'],
    access_key_id=os.environ['OSS_ACCESS_KEY_ID'],
    access_key_secret=os.environ['OSS_ACCESS_KEY_SECRET'],
    role_session_name='roleSessionName',
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(provider)), "ossbox")
