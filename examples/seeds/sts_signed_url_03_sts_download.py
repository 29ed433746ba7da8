# Seed 004 (en) Step 6: Use the temporary access credentials to download objects from OSS.
# ossbox: endpoint -> ossbox (https kept); placeholders filled as in sts_signed_url_02.
# -*- coding: utf-8 -*-
import os

import oss2

import ossbox_local

# Specify the endpoint of the region in which the bucket is located.
endpoint = ossbox_local.ENDPOINT  # seed: 'https://oss-cn-hangzhou.aliyuncs.com'
# Specify the temporary AccessKey pair obtained from STS.
sts_access_key_id = os.environ['OSS_ACCESS_KEY_ID']
sts_access_key_secret = os.environ['OSS_ACCESS_KEY_SECRET']
# Specify the name of the bucket. Example: examplebucket.
bucket_name = 'examplebucket'
# Specify the full path of the object and the string that you want to download. Do not include the bucket name in the full path.
object_name = 'exampleobject.txt'
# Specify the security token obtained from STS.
security_token = os.environ['OSS_SESSION_TOKEN']

# Initialize the StsAuth instance based on the authentication information in the temporary access credentials.
auth = oss2.StsAuth(sts_access_key_id,
                    sts_access_key_secret,
                    security_token)

# Initialize the bucket by using the StsAuth instance.
bucket = oss2.Bucket(auth, endpoint, bucket_name)

# Download the object.
read_obj = bucket.get_object(object_name)
print(read_obj.read())
