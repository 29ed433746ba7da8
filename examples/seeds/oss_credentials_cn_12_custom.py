# Seed 003 (zh-CN) 方式九:使用自定义访问凭证 (same code as 000).
# ossbox: the TODO (自訂訪問憑證的擷取方法) is filled in: this "custom source" returns a RAM user's
# AccessKey from OSSBOX_CUSTOM_ACCESS_KEY_ID / OSSBOX_CUSTOM_ACCESS_KEY_SECRET.
# -*- coding: utf-8 -*-
import os

import oss2
from oss2 import CredentialsProvider
from oss2.credentials import Credentials

import ossbox_local


class CredentialProviderWrapper(CredentialsProvider):
    def get_credentials(self):
        # 自定义访问凭证的获取方法
        access_key_id = os.environ['OSSBOX_CUSTOM_ACCESS_KEY_ID']
        access_key_secrect = os.environ['OSSBOX_CUSTOM_ACCESS_KEY_SECRET']

        # 返回长期凭证 access_key_id, access_key_secrect
        return Credentials(access_key_id, access_key_secrect)

        # 返回 临时凭证 access_key_id, access_key_secrect, token
        # 对于临时凭证,需要根据过期时间,刷新凭证。
        # return Credentials('<access_key_id>', '<access_key_secrect>', '<token>');


credentials_provider = CredentialProviderWrapper()


auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth进行后续操作...
ossbox_local.use_auth(auth, "official")

# ossbox.credentials side by side: CustomProvider takes the same object (or a plain function)
# and adds caching and refresh for temporary credentials.
from ossbox.credentials import CustomProvider
from ossbox.credentials.adapters import oss2_provider

ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(CustomProvider(credentials_provider))), "ossbox")
