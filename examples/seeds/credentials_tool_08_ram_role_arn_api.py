# Seed 001 (zh-CN) 方式四:使用AK及RamRoleArn, 接口调用方法.
# ossbox: `sts_endpoint` added; placeholders filled as in credentials_tool_07; ECS
# DescribeRegions becomes an OSS call with the same Credentials client.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.client import Config as CredConfig
from alibabacloud_tea_openapi.models import Config

import ossbox_local

# 使用RamRoleArn初始化Credentials Client。
credentialsConfig = CredConfig(
    type='ram_role_arn',  # 凭证类型。
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),  # 从环境变量中获取AccessKey ID。
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),  # 从环境变量中获取AccessKey Secret。
    # 要扮演的RAM角色ARN,可以通过环境变量ALIBABA_CLOUD_ROLE_ARN设置role_arn
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # 角色会话名称,可以通过环境变量ALIBABA_CLOUD_ROLE_SESSION_NAME设置role_session_name
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 设置更小的权限策略,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    role_session_expiration=3600,  # 会话有效时间
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)
credentialsClient = CredClient(credentialsConfig)
ecsConfig = Config(credential=credentialsClient)
# ossbox: in place of the ECS client and DescribeRegions:
ossbox_local.use_credential(ecsConfig.credential, "official")

# ossbox.credentials side by side: a credentials.ini-free equivalent from the environment.
from ossbox.credentials import RamRoleArnProvider
from ossbox.credentials.adapters import tea_credential_client

provider = RamRoleArnProvider(
    os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    access_key_id=os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'],
    access_key_secret=os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
