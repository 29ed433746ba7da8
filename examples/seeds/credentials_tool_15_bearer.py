# Seed 001 (zh-CN) 方式八:使用Bearer Token. Unchanged but for the placeholder (from
# ALIBABA_CLOUD_BEARER_TOKEN). Runs offline: a bearer credential has no AccessKey (the getters
# return None) and only Cloud Call Center accepts it; OSS has no bearer-token scheme, so there
# is no OSS call to make with it, and the ossbox adapters refuse to sign with one.
import os

from alibabacloud_credentials.client import Client
from alibabacloud_credentials.models import Config

config = Config(
	type='bearer',
	# 填入您的Bearer Token
	bearer_token=os.environ['ALIBABA_CLOUD_BEARER_TOKEN'],
)
cred = Client(config)

access_key_id = cred.get_access_key_id()
access_key_secret = cred.get_access_key_secret()
security_token = cred.get_security_token()
cred_type = cred.get_type()
print("official:", cred_type, access_key_id, access_key_secret, security_token,
      cred.get_bearer_token() == config.bearer_token)

from ossbox.credentials import BearerTokenProvider
from ossbox.credentials.adapters import oss2_provider

provider = BearerTokenProvider(config.bearer_token)
creds = provider.get_credentials()
print("ossbox:", provider.name, creds.bearer_token == config.bearer_token)
try:
    oss2_provider(provider).get_credentials()
except Exception as error:  # OSS does not accept bearer tokens
    print("ossbox refuses to sign OSS requests with a bearer token:", type(error).__name__)
