# Seed 003 (zh-CN) 方式一:使用AK, 环境变量. Unchanged; then the following operations.
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# 使用环境变量中获取的RAM用户访问密钥配置访问凭证
auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: the same variables, read when asked (not at import).
from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(EnvironmentProvider())), "ossbox")
