# Seed 001 (zh-CN) 方式六:使用OIDCRoleArn (cred.get_access_key_id() and the other getters).
# ossbox: `sts_endpoint` added; placeholders filled from the RRSA variables the seed lists
# (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE,
# ALIBABA_CLOUD_ROLE_SESSION_NAME); the credentials then drive an OSS call.
import os

from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

import ossbox_local

config = Config(
    type='oidc_role_arn',
    # RAM角色名称ARN,可以通过环境变量ALIBABA_CLOUD_ROLE_ARN设置role_arn
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # OIDC提供商ARN,可以通过环境变量ALIBABA_CLOUD_OIDC_PROVIDER_ARN设置oidc_provider_arn
    oidc_provider_arn=os.environ['ALIBABA_CLOUD_OIDC_PROVIDER_ARN'],
    # OIDC Token文件路径,可以通过环境变量ALIBABA_CLOUD_OIDC_TOKEN_FILE设置oidc_token_file_path
    oidc_token_file_path=os.environ['ALIBABA_CLOUD_OIDC_TOKEN_FILE'],
    # 角色会话名称,可以通过环境变量ALIBABA_CLOUD_ROLE_SESSION_NAME设置role_session_name
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 设置更小的权限策略,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    # 设置session过期时间
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)
cred = Client(config)

access_key_id = cred.get_access_key_id()
access_key_secret = cred.get_access_key_secret()
security_token = cred.get_security_token()
cred_type = cred.get_type()
print("official type:", cred_type, "AccessKeyId:", access_key_id[:4] + "...")

ossbox_local.use_credential(cred, "official")

from ossbox.credentials import OidcRoleArnProvider
from ossbox.credentials.adapters import tea_credential_client

provider = OidcRoleArnProvider(
    config.role_arn,
    config.oidc_provider_arn,
    oidc_token_file=config.oidc_token_file_path,
    role_session_name=config.role_session_name,
    policy=config.policy,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
