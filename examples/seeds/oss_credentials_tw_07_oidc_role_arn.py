# Seed 000 (zh-TW) 方式六:使用OIDCRoleARN.
# ossbox: `sts_endpoint` added. Seed defect fixed: it reads os.environ.get('<RoleArn>') (an
# environment variable literally named "<RoleArn>"), so the values come from the variables its
# comments name: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
# ALIBABA_CLOUD_OIDC_TOKEN_FILE (the token is minted by `ossbox oidc token`).
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
    # 指定Credential類型,固定值為oidc_role_arn。
    type='oidc_role_arn',
    # RAM角色名稱ARN,可以通過環境變數ALIBABA_CLOUD_ROLE_ARN設定RoleArn
    role_arn=os.environ.get('ALIBABA_CLOUD_ROLE_ARN'),
    # OIDC供應商ARN,可以通過環境變數ALIBABA_CLOUD_OIDC_PROVIDER_ARN設定OidcProviderArn
    oidc_provider_arn=os.environ.get('ALIBABA_CLOUD_OIDC_PROVIDER_ARN'),
    # OIDC Token檔案路徑,可以通過環境變數ALIBABA_CLOUD_OIDC_TOKEN_FILE設定OidcTokenFilePath
    oidc_token_file_path=os.environ.get('ALIBABA_CLOUD_OIDC_TOKEN_FILE'),
    # 角色會話名稱,可以通過環境變數ALIBABA_CLOUD_ROLE_SESSION_NAME設定RoleSessionName
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 設定更小的權限原則,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    # 設定session到期時間
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)


cred = Client(config)

credentials_provider = CredentialProviderWrapper(cred)

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: the RRSA variables, read when asked.
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
