# Seed 001 (zh-CN) 方式三:使用STS Token, 接口调用方法: AssumeRole with alibabacloud_sts20150401,
# then a Credentials client of type sts.
# ossbox: config.endpoint "sts.aliyuncs.com" -> ossbox (https, as the SDK's default protocol);
# placeholders filled from ALIBABA_CLOUD_ROLE_ARN / ALIBABA_CLOUD_ROLE_SESSION_NAME (the seed's
# comments name them); ECS DescribeRegions becomes an OSS call.
import os

from alibabacloud_credentials.client import Client as CredClient
from alibabacloud_credentials.models import Config as CreConfig
from alibabacloud_sts20150401.client import Client as Sts20150401Client
from alibabacloud_sts20150401.models import AssumeRoleRequest
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_util.models import RuntimeOptions

import ossbox_local

# 从环境变量中获取RAM用户ak
config = Config(
    access_key_id=os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'],
    access_key_secret=os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET']
)
config.endpoint = ossbox_local.STS_ENDPOINT  # seed: "sts.aliyuncs.com"
stsClient = Sts20150401Client(config)

# 调AssumeRole API的参数
assume_role_request = AssumeRoleRequest(
    # 会话有效时间
    duration_seconds=3600,
    # 要扮演的RAM角色ARN,可以通过环境变量ALIBABA_CLOUD_ROLE_ARN设置role_arn
    role_arn=os.environ['ALIBABA_CLOUD_ROLE_ARN'],
    # 角色会话名称,可以通过环境变量ALIBABA_CLOUD_ROLE_SESSION_NAME设置role_session_name
    role_session_name=os.environ['ALIBABA_CLOUD_ROLE_SESSION_NAME']
)
runtime = RuntimeOptions()
try:
    resp = stsClient.assume_role_with_options(assume_role_request, runtime)
    assumeRoleResponseBodyCredentials = resp.body.credentials

    # 使用STS Token初始化Credentials Client。
    credentialsConfig = CreConfig(
        # 凭证类型。
        type='sts',
        # 设置为AccessKey ID值。
        access_key_id=assumeRoleResponseBodyCredentials.access_key_id,
        # 设置为AccessKey Secret值。
        access_key_secret=assumeRoleResponseBodyCredentials.access_key_secret,
        # 设置为STS Token值。
        security_token=assumeRoleResponseBodyCredentials.security_token
    )
    credentialClient = CredClient(credentialsConfig)
    ecsConfig = Config(credential=credentialClient)
    # ossbox: in place of the ECS client and DescribeRegions:
    ossbox_local.use_credential(ecsConfig.credential, "official")
except Exception as error:
    # 错误 message
    print(error.message)

# ossbox.credentials side by side: the RAM user's AccessKey assumes the role, refreshed as needed.
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
