# Seed 003 (zh-CN) 方式六:使用OIDCRoleARN.
# ossbox: `sts_endpoint` added; session name placeholder filled from
# ALIBABA_CLOUD_ROLE_SESSION_NAME. Seed defect fixed: get_credential(self.config). The seed also
# passes access_key_id/secret/security_token: oidc_role_arn ignores them (the call is unsigned).
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
    # 指定Credential类型,固定值为oidc_role_arn。
    type='oidc_role_arn',
    # 从环境变量中获取临时AccessKeyId。
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    # 从环境变量中获取临时AccessKeySecret。
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
    # 从环境变量中获取临时SecurityToken。
    security_token=os.environ.get('ALIBABA_CLOUD_SECURITY_TOKEN'),
    # 从环境变量中获取角色的ARN信息,即需要扮演的角色ID。
    role_arn=os.environ.get('ALIBABA_CLOUD_ROLE_ARN'),
    # 从环境变量中获取指定OIDC提供者的 ARN。
    oidc_provider_arn=os.environ.get('ALIBABA_CLOUD_OIDC_PROVIDER_ARN'),
    # 从环境变量中获取指定OIDC令牌的文件路径,用于存储OIDC令牌。
    oidc_token_file_path=os.environ.get('ALIBABA_CLOUD_OIDC_TOKEN_FILE'),
    # 设置角色会话名称
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 设置更小的权限策略,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    # 设置session过期时间
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred, config)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import OidcRoleArnProvider
from ossbox.credentials.adapters import oss2_provider

provider = OidcRoleArnProvider(
    os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    os.environ['ALIBABA_CLOUD_OIDC_PROVIDER_ARN'],
    oidc_token_file=os.environ['ALIBABA_CLOUD_OIDC_TOKEN_FILE'],
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    policy=config.policy,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
