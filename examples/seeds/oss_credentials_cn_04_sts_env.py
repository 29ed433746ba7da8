# Seed 003 (zh-CN) 方式三:使用STS Token, 环境变量 (OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
# OSS_SESSION_TOKEN from an AssumeRole). Unchanged; then the following operations.
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider

import ossbox_local

# 使用环境变量中获取的STS Token配置访问凭证
auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(EnvironmentProvider())), "ossbox")
