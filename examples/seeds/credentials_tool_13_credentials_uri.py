# Seed 001 (zh-CN) 方式七:使用URI凭据.
# ossbox: <credentials_uri> filled from ALIBABA_CLOUD_CREDENTIALS_URI (the seed's comment names
# it); ossbox serves http://HOST:PORT/_ossbox/credentials/ROLE. The credentials then drive an
# OSS call.
import os

from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

import ossbox_local

config = Config(
    type='credentials_uri',
    # 凭证的 URI,格式为http://local_or_remote_uri/,可以通过环境变量ALIBABA_CLOUD_CREDENTIALS_URI设置credentials_uri
    credentials_uri=os.environ['ALIBABA_CLOUD_CREDENTIALS_URI'],
)
cred = Client(config)

access_key_id = cred.get_access_key_id()
access_key_secret = cred.get_access_key_secret()
security_token = cred.get_security_token()
cred_type = cred.get_type()
print("official type:", cred_type, "AccessKeyId:", access_key_id[:4] + "...")

ossbox_local.use_credential(cred, "official")

from ossbox.credentials import CredentialsUriProvider
from ossbox.credentials.adapters import tea_credential_client

provider = CredentialsUriProvider(config.credentials_uri)
ossbox_local.use_credential(tea_credential_client(provider), "ossbox")
