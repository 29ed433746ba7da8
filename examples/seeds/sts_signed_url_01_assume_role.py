# Seed 004 (en) Step 5: Generate temporary access credentials by using STS (aliyun-python-sdk-core
# CommonRequest, AssumeRole over https).
# ossbox: request.set_domain(...) added: ossbox in place of the Sts endpoint the SDK resolves
# (https kept: `ossbox serve --tls`, its CA trusted through ALIBABA_CLOUD_CA_BUNDLE); the
# AccessKey and role ARN placeholders are filled from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET
# (the RAM user of Step 1) and OSS_STS_ROLE_ARN (RamOssTest of Step 3).
# -*- coding: utf-8 -*-
import os

from aliyunsdkcore import client
from aliyunsdkcore.request import CommonRequest
import json
import oss2

import ossbox_local

# Specify the AccessKey pair that is created for the RAM user in Step 1.
access_key_id = os.environ['OSS_ACCESS_KEY_ID']
access_key_secret = os.environ['OSS_ACCESS_KEY_SECRET']
# Specify the ARN of the role that is created in Step 3. Example: acs:ram::175708322470****:role/ramtest.
role_arn = os.environ['OSS_STS_ROLE_ARN']

# Create a RAM policy.
# The policy specifies that the PutObject and GetObject operations can be performed only on resources in a bucket named examplebucket.
policy_text = '{"Version": "1", "Statement": [{"Action": ["oss:PutObject","oss:GetObject"], "Effect": "Allow", "Resource": ["acs:oss:*:*:examplebucket/*"]}]}'

clt = client.AcsClient(access_key_id, access_key_secret, 'cn-hangzhou')
request = CommonRequest(product="Sts", version='2015-04-01', action_name='AssumeRole')
request.set_method('POST')
request.set_protocol_type('https')
request.set_domain(ossbox_local.STS_ENDPOINT)  # ossbox: in place of sts.aliyuncs.com
request.add_query_param('RoleArn', role_arn)
# Specify a custom role session name to distinguish different tokens. Example: sessiontest.
request.add_query_param('RoleSessionName', 'sessiontest')
# Specify the validity period of the temporary access credentials. Unit: seconds. Valid values: 900 to 3600.
request.add_query_param('DurationSeconds', '3000')
# If you do not configure the RAM policy, the RAM user is granted all permissions of the role. If you have specific requirements on the permissions, refer to the preceding configurations of policy_text.
request.add_query_param('Policy', policy_text)
request.set_accept_format('JSON')

body = clt.do_action_with_exception(request)

# Use the AccessKey pair of the RAM user to apply for temporary access credentials from STS.
token = json.loads(oss2.to_unicode(body))
# Display the AccessKey ID, the AccessKey secret, the security token, and the expiration time of the temporary access credentials returned by STS.
print('AccessKeyId: ' + token['Credentials']['AccessKeyId'])
print('AccessKeySecret: ' + token['Credentials']['AccessKeySecret'])
print('SecurityToken: ' + token['Credentials']['SecurityToken'])
print('Expiration: ' + token['Credentials']['Expiration'])

# ossbox.credentials side by side: the same AssumeRole, refreshed before expiry.
from ossbox.credentials import RamRoleArnProvider

provider = RamRoleArnProvider(
    role_arn,
    access_key_id=access_key_id,
    access_key_secret=access_key_secret,
    role_session_name='sessiontest',
    duration_seconds=3000,
    policy=policy_text,
    sts_endpoint=os.environ['ALIBABA_CLOUD_STS_ENDPOINT'],
)
creds = provider.get_credentials()
print('ossbox.credentials AccessKeyId: ' + creds.access_key_id)
