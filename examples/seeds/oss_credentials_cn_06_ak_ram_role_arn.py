# Seed 003 (zh-CN) 方式四:使用RAMRoleARN, AK和RAMRoleARN.
# ossbox: `sts_endpoint` added; placeholders filled from ALIBABA_CLOUD_ROLE_ARN and
# ALIBABA_CLOUD_ROLE_SESSION_NAME. Seed defects fixed (both fail on Alibaba Cloud too):
#   type='RAM_role_arn'  -> 'ram_role_arn' (the library matches the type exactly:
#                           CredentialException "invalid type option");
#   client.get_credential(self.config) -> get_credential() (it takes no argument: TypeError).
# The AccessKey comes from ALIBABACLOUD_ACCESS_KEY_ID / _SECRET, the names the seed uses.
# -*- coding: utf-8 -*-
import oss2
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config
from oss2 import CredentialsProvider
from oss2.credentials import Credentials
import os

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
    # 从环境变量中获取RAM用户的访问密钥(AccessKey ID和AccessKey Secret)
    access_key_id=os.getenv('ALIBABACLOUD_ACCESS_KEY_ID'),
    access_key_secret=os.getenv('ALIBABACLOUD_ACCESS_KEY_SECRET'),
    type='ram_role_arn',  # seed: 'RAM_role_arn'
    # 要扮演的RAM角色ARN,示例值:acs:RAM::123456789012****:role/adminrole
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # 角色会话名称
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 设置更小的权限策略,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    # 设置角色会话有效期,非必填
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred, config)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import RamRoleArnProvider
from ossbox.credentials.adapters import oss2_provider

provider = RamRoleArnProvider(
    os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    access_key_id=os.environ['ALIBABACLOUD_ACCESS_KEY_ID'],
    access_key_secret=os.environ['ALIBABACLOUD_ACCESS_KEY_SECRET'],
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    policy=config.policy,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
