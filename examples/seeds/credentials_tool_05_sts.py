# Seed 001 (zh-CN) 方式三:使用STS Token (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN of
# an AssumeRole). Unchanged; the credentials then drive an OSS call.
import os

from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

import ossbox_local

config = Config(
    type='sts',
    # 从环境变量中获取AccessKey ID的值
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    # 从环境变量中获取AccessKeySecret的值
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
    # 从环境变量中获取临时SecurityToken的值
    security_token=os.environ.get('ALIBABA_CLOUD_SECURITY_TOKEN')
)
credClient = Client(config)

ossbox_local.use_credential(credClient, "official")

from ossbox.credentials import StaticSTSProvider
from ossbox.credentials.adapters import tea_credential_client

provider = StaticSTSProvider(config.access_key_id, config.access_key_secret, config.security_token)
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
