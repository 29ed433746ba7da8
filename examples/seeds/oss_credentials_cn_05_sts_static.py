# Seed 003 (zh-CN) 方式三:使用STS Token, 静态凭证.
# ossbox: the placeholders are filled from ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN
# (the names the seed's config.ini uses). Seed defect fixed: it writes
# `oss2.StsAuth(...).auth_version('v4')`, but StsAuth.auth_version() takes no argument and
# returns the version (TypeError in oss2 2.19); the version is StsAuth's 4th argument.
# -*- coding: utf-8 -*-
import os

import oss2

import ossbox_local

# <ALIBABA_CLOUD_ACCESS_KEY_ID>需替换为返回数据中获取的临时AccessKeyId
access_key_id = os.environ['ALIBABA_CLOUD_ACCESS_KEY_ID']
# <ALIBABA_CLOUD_ACCESS_KEY_SECRET>需替换为返回数据中获取的临时AccessKeySecret
access_key_secret = os.environ['ALIBABA_CLOUD_ACCESS_KEY_SECRET']
# <ALIBABA_CLOUD_SECURITY_TOKEN>需替换为返回数据中获取的临时SecurityToken
security_token = os.environ['ALIBABA_CLOUD_SECURITY_TOKEN']
# 使用临时访问凭证中的认证信息初始化StsAuth实例
auth = oss2.StsAuth(access_key_id, access_key_secret, security_token, auth_version='v4')

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import StaticSTSProvider
from ossbox.credentials.adapters import oss2_provider

provider = StaticSTSProvider(access_key_id, access_key_secret, security_token)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
