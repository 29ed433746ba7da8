# Seed 001 (zh-CN) 方式二:使用AK. Unchanged; the credentials then drive an OSS call.
import os
from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

import ossbox_local

config = Config(
	type='access_key',
	access_key_id=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_ID'),
	access_key_secret=os.environ.get('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
)
cred = Client(config)

ossbox_local.use_credential(cred, "official")

from ossbox.credentials import StaticAKProvider
from ossbox.credentials.adapters import tea_credential_client

provider = StaticAKProvider(os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID'], os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET'])
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
