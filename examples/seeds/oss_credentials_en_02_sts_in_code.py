# Seed 002 (en) Configure STS temporary access credentials, embed access credentials in code.
# ossbox: the placeholder strings ('OSS_ACCESS_KEY_ID', ...) are filled from the environment
# variables of the same names.
# -*- coding: utf-8 -*-
import os

import oss2

import ossbox_local

# Specify the temporary AccessKey pair obtained from STS. The AccessKey pair consists of an AccessKey ID and an AccessKey secret.
sts_access_key_id = os.environ['OSS_ACCESS_KEY_ID']
sts_access_key_secret = os.environ['OSS_ACCESS_KEY_SECRET']
# Specify the security token obtained from STS.
security_token = os.environ['OSS_SESSION_TOKEN']
# Initialize the StsAuth instance based on the authentication information in the temporary access credentials.
auth = oss2.StsAuth(sts_access_key_id, sts_access_key_secret, security_token)

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import StaticSTSProvider
from ossbox.credentials.adapters import oss2_provider

provider = StaticSTSProvider(sts_access_key_id, sts_access_key_secret, security_token)
ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(provider)), "ossbox")
