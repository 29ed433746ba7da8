# Seed 001 (zh-CN) 如何切换凭据, 使用多个凭据客户端. Unchanged; each client then drives an OSS
# call. As the seed writes it, both clients read the same variables: given an STS session's
# ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN, cred2 (sts) works, and cred1
# (access_key: the STS AccessKeyId without its token) is refused by OSS, as on Alibaba Cloud.
import os

from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

import ossbox_local

config1 = Config(
    type='access_key',
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
)
cred1 = Client(config1)

config2 = Config(
    type='sts',
    access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
    security_token=os.environ.get('ALIBABA_CLOUD_SECURITY_TOKEN')
)
cred2 = Client(config2)

import alibabacloud_oss_v2 as oss

for label, cred in (("official-cred1", cred1), ("official-cred2", cred2)):
    try:
        ossbox_local.use_credential(cred, label)
    except oss.exceptions.OperationError as error:
        print(f"REFUSED {label}: {error.unwrap().code}")
