# Seed 004 (en) Step 6: Use the temporary access credentials to upload objects to OSS.
# ossbox: endpoint https://oss-cn-hangzhou.aliyuncs.com -> ossbox (https kept); the STS
# credential placeholders are filled from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET /
# OSS_SESSION_TOKEN (what sts_signed_url_01 printed).
# -*- coding: utf-8 -*-
import os

import oss2

import ossbox_local

# Specify the endpoint of the region in which the bucket is located.
endpoint = ossbox_local.ENDPOINT  # seed: 'https://oss-cn-hangzhou.aliyuncs.com'
# Specify the temporary AccessKey pair obtained from STS.
sts_access_key_id = os.environ['OSS_ACCESS_KEY_ID']
sts_access_key_secret = os.environ['OSS_ACCESS_KEY_SECRET']
# Specify the name of the bucket.
bucket_name = 'examplebucket'
# Specify the full path of the object and the string that you want to upload. Do not include the bucket name in the full path.
object_name = 'exampleobject.txt'
# Specify the security token obtained from STS.
security_token = os.environ['OSS_SESSION_TOKEN']


# Initialize the StsAuth instance based on the authentication information in the temporary access credentials.
auth = oss2.StsAuth(sts_access_key_id,
                    sts_access_key_secret,
                    security_token)

# Initialize the bucket by using the StsAuth instance.
bucket = oss2.Bucket(auth, endpoint, bucket_name)

# Upload the object.
result = bucket.put_object(object_name, "hello world")
print(result.status)
