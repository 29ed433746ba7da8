# Seed 003 (zh-CN) 方式一:使用AK, 静态凭证 (config.ini with upper-case keys). Unchanged; config.ini
# is looked up in the working directory, as the seed assumes.
# -*- coding: utf-8 -*-
import oss2
import configparser

import ossbox_local

# 读取配置文件
config = configparser.ConfigParser()
# 假设config.ini位于脚本同级目录下
config.read('config.ini')

# 从配置文件中获取Access Key ID和Access Key Secret
access_key_id = config.get('configName', 'ALIBABA_CLOUD_ACCESS_KEY_ID')
access_key_secret = config.get('configName', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET')

# 使用获取的RAM用户的访问密钥配置访问凭证
auth = oss2.AuthV4(access_key_id, access_key_secret)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

from ossbox.credentials import StaticAKProvider
from ossbox.credentials.adapters import oss2_provider

provider = StaticAKProvider(access_key_id, access_key_secret)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
