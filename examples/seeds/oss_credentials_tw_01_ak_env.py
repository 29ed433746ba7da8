# Seed 000 (zh-TW) 方式一:使用AK, 環境變數. Unchanged; then the following operations.
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# 使用環境變數中擷取的RAM使用者存取金鑰配置訪問憑證
auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: the same variables, read when asked (not at import).
from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(EnvironmentProvider())), "ossbox")
