# Seed 003 (zh-CN) 方式七:使用函数计算上下文中的Credentials (same code as 000).
# ossbox: the handler is unchanged; what Function Compute does (call handler(event, context)
# with the function role's STS credentials in context.credentials) is done at the bottom with
# credentials of an assumed role (OSS_ACCESS_KEY_ID/SECRET/OSS_SESSION_TOKEN).
# -*- coding: utf-8 -*-
import oss2
from oss2 import CredentialsProvider
from oss2.credentials import Credentials

import ossbox_local


def handler(event, context):

    class CredentialProviderWrapper(CredentialsProvider):
        def get_credentials(self):
            creds = context.credentials
            return Credentials(creds.access_key_id, creds.access_key_secret, creds.security_token)

    credentials_provider = CredentialProviderWrapper()
    auth = oss2.ProviderAuthV4(credentials_provider)
    # 使用auth进行后续操作...
    ossbox_local.use_auth(auth, "official")

    # ossbox.credentials side by side: FunctionComputeProvider reads the same context.
    from ossbox.credentials import FunctionComputeProvider
    from ossbox.credentials.adapters import oss2_provider

    ossbox_local.use_auth(oss2.ProviderAuthV4(oss2_provider(FunctionComputeProvider(context))), "ossbox")

    return 'success'


if __name__ == '__main__':  # ossbox: plays the Function Compute runtime
    import os
    from types import SimpleNamespace

    creds = SimpleNamespace(
        access_key_id=os.environ['OSS_ACCESS_KEY_ID'],
        access_key_secret=os.environ['OSS_ACCESS_KEY_SECRET'],
        security_token=os.environ['OSS_SESSION_TOKEN'],
    )
    print(handler({}, SimpleNamespace(credentials=creds)))
