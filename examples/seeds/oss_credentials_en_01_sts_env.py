# Seed 002 (en) Configure STS temporary access credentials, environment variables
# (OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN from AssumeRole). Unchanged
# (V1 signatures: oss2.ProviderAuth); then the following operations.
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# Use the temporary AccessKey pair and security token obtained from the environment variables to configure the access credentials.
auth = oss2.ProviderAuth(EnvironmentVariableCredentialsProvider())

ossbox_local.use_auth(auth, "official")

from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuth(oss2_provider(EnvironmentProvider())), "ossbox")
