# Seed 002 (en) Use long-term access credentials, embed access credentials in code.
# ossbox: 'yourAccessKeyId' / 'yourAccessKeySecret' are filled from OSS_ACCESS_KEY_ID /
# OSS_ACCESS_KEY_SECRET.
# -*- coding: utf-8 -*-
import os

import oss2

import ossbox_local

# Specify the AccessKey pair of the RAM user. The AccessKey pair consists of an AccessKey ID and an AccessKey secret.
accessKeyId = os.environ['OSS_ACCESS_KEY_ID']
accessKeySecret = os.environ['OSS_ACCESS_KEY_SECRET']
# Configure access credentials by using the AccessKey pair of the RAM user embedded in code.
auth = oss2.Auth(accessKeyId, accessKeySecret)

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import StaticAKProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(StaticAKProvider(accessKeyId, accessKeySecret))), "ossbox")
