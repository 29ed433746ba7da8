# Seed 001 (zh-CN) 方式六:使用OIDCRoleArn, 接口调用方法.
# ossbox: as credentials_tool_11; ECS DescribeRegions becomes an OSS call.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.client import Config as CredConfig
from alibabacloud_tea_openapi.models import Config

import ossbox_local

# 使用OIDCRoleArn初始化Credentials Client。
credentialsConfig = CredConfig(
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
credentialsClient = CredClient(credentialsConfig)
ecsConfig = Config(credential=credentialsClient)
# ossbox: in place of the ECS client and DescribeRegions:
ossbox_local.use_credential(ecsConfig.credential, "official")

# ossbox.credentials side by side: the RRSA environment variables alone are enough.
from ossbox.credentials import DefaultCredentialsChain
from ossbox.credentials.adapters import tea_credential_client

chain = DefaultCredentialsChain()
ossbox_local.use_credential(tea_credential_client(chain), "ossbox")
print("ossbox chain served by", chain.served_by)
