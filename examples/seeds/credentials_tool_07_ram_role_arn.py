# Seed 001 (zh-CN) 方式四:使用AK及RamRoleArn.
# ossbox: `sts_endpoint` added; placeholders filled from ALIBABA_CLOUD_ROLE_ARN and
# ALIBABA_CLOUD_ROLE_SESSION_NAME, <policy> with the seed's example value.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.models import Config as CredConfig

import ossbox_local

credentialsConfig = CredConfig(
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
    type='ram_role_arn',
    # 要扮演的RAM角色ARN,可以通过环境变量ALIBABA_CLOUD_ROLE_ARN设置role_arn
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # 角色会话名称,可以通过环境变量ALIBABA_CLOUD_ROLE_SESSION_NAME设置role_session_name
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME'],
    # 设置更小的权限策略,非必填。
    policy='{"Statement": [{"Action": ["*"],"Effect": "Allow","Resource": ["*"]}],"Version":"1"}',
    role_session_expiration=3600,
    sts_endpoint=ossbox_local.STS_ENDPOINT,  # ossbox: in place of sts.aliyuncs.com
)
credentialsClient = CredClient(credentialsConfig)

ossbox_local.use_credential(credentialsClient, "official")

from ossbox.credentials import RamRoleArnProvider
from ossbox.credentials.adapters import tea_credential_client

provider = RamRoleArnProvider(
    credentialsConfig.role_arn,
    access_key_id=credentialsConfig.access_key_id,
    access_key_secret=credentialsConfig.access_key_secret,
    role_session_name=credentialsConfig.role_session_name,
    policy=credentialsConfig.policy,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
