# Seed 000 (zh-TW) 方式一:使用AK, 靜態憑證 (config.ini). Unchanged; config.ini is looked up in
# the working directory, as the seed assumes ("config.ini位於指令碼同級目錄下").
# -*- coding: utf-8 -*-
import oss2
import configparser

import ossbox_local

# 讀取設定檔
config = configparser.ConfigParser()
# 假設config.ini位於指令碼同級目錄下
config.read('config.ini')

# 從設定檔中擷取Access Key ID和Access Key Secret
access_key_id = config.get('configName', 'alibaba_cloud_access_key_id')
access_key_secret = config.get('configName', 'alibaba_cloud_access_key_secret')

# 使用擷取的RAM使用者的存取金鑰配置訪問憑證
auth = oss2.AuthV4(access_key_id, access_key_secret)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: a static AccessKey provider, adapted for oss2.
from ossbox.credentials import StaticAKProvider
from ossbox.credentials.adapters import oss2_provider

provider = StaticAKProvider(access_key_id, access_key_secret)
ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(provider)), "ossbox")
