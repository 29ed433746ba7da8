# Seed 000 (zh-TW) 方式三:使用STS Token (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
# OSS_SESSION_TOKEN from an AssumeRole). Unchanged; then the following operations.
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# 使用環境變數中擷取的STS Token配置訪問憑證
auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(EnvironmentProvider())), "ossbox")
