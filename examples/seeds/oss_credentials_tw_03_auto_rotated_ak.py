# Seed 000 (zh-TW) 方式二:使用自動輪轉的AK (KMS ClientKey, aliyun-secret-manager-client).
# ossbox: the placeholder <secretName> is filled from OSSBOX_SECRET_NAME; secretsmanager.properties
# is the one `ossbox kms create-client-key --endpoint HOST:PORT` writes (the seed's keys plus the
# KMS endpoint, where Alibaba Cloud derives it from the region). Run with the official client's
# own Python (<= 3.10, its pins: `.venv-kms`), in the directory holding the properties file.
# The ossbox.credentials equivalent, SecretsManagerRotatedAKProvider.from_properties(), needs
# Python 3.11, so it is not in this script (see README.md).
# -*- coding: utf-8 -*-
import json
import os

import oss2
from oss2 import CredentialsProvider
from oss2.credentials import Credentials
from alibaba_cloud_secretsmanager_client.secret_manager_cache_client_builder import SecretManagerCacheClientBuilder

import ossbox_local


class CredentialProviderWrapper(CredentialsProvider):
    def get_credentials(self):
        secret_cache_client = SecretManagerCacheClientBuilder.new_client()
        secret_info = secret_cache_client.get_secret_info(os.environ['OSSBOX_SECRET_NAME'])
        secret_value_json = json.loads(secret_info.secret_value)
        return Credentials(secret_value_json["AccessKeyId"], secret_value_json["AccessKeySecret"])


credentials_provider = CredentialProviderWrapper()

auth = oss2.ProviderAuthV4(credentials_provider)

# 使用auth進行後續操作...
ossbox_local.use_auth(auth, "official")
