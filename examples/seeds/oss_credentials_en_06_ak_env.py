# Seed 002 (en) Use long-term access credentials, environment variables (a RAM user's
# OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET). Unchanged (V1: oss2.ProviderAuth).
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# Configure temporary access credentials by using the AccessKey pair of the RAM user obtained from environment variables.
auth = oss2.ProviderAuth(EnvironmentVariableCredentialsProvider())

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(EnvironmentProvider())), "ossbox")
