# Seed 000 (zh-TW) 方式四:使用RAMRoleARN.
# ossbox: `sts_endpoint` added (the seed relies on the default sts.aliyuncs.com); the
# placeholders are filled from the variables the seed's comments name.
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
    # 從環境變數中擷取RAM使用者的存取金鑰(AccessKey ID和AccessKey Secret)
    access_key_id=os.getenv('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    access_key_secret=os.getenv('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
    type='ram_role_arn',
    # 要扮演的RAM角色ARN,可以通過環境變數ALIBABA_CLOUD_ROLE_ARN設定RoleArn
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # 角色會話名稱,可以通過環境變數ALIBABA_CLOUD_ROLE_SESSION_NAME設定RoleSessionName
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 設定更小的權限原則,非必填。樣本值:
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    # 設定角色會話有效期間,非必填
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side (STS endpoint from ALIBABA_CLOUD_STS_ENDPOINT).
from ossbox.credentials import RamRoleArnProvider
from ossbox.credentials.adapters import oss2_provider

provider = RamRoleArnProvider(
    os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    access_key_id=os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'],
    access_key_secret=os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    policy=config.policy,
    duration_seconds=3600,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
