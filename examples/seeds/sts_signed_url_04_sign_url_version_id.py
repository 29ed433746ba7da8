# Seed 004 (en) Generate a signed URL that includes the versionId header.
# ossbox: endpoint -> ossbox (https kept); "yourBucketName" -> examplebucket; the version ID is
# the seed's example value. Signing is local: this prints the URL (tests/examples then uses it).
# -*- coding: utf-8 -*-
import oss2
from oss2.credentials import EnvironmentVariableCredentialsProvider
import requests

import ossbox_local

# Obtain access credentials from environment variables. Before you run the sample code, make sure that the OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET environment variables are configured.
auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())

# Specify the endpoint of the region in which the bucket is located.
endpoint = ossbox_local.ENDPOINT  # seed: "https://oss-cn-hangzhou.aliyuncs.com"

# Specify the ID of the region that maps to the endpoint. Example: cn-hangzhou. This parameter is required if you use the signature algorithm V4.
region = "cn-hangzhou"

# Specify the name of your bucket.
bucket = oss2.Bucket(auth, endpoint, ossbox_local.BUCKET, region=region)

# Specify the full path of the object. Example: exampledir/exampleobject.txt. Do not include the bucket name in the full path.
object_name = 'exampledir/exampleobject.txt'

# Specify the headers.
headers = dict()
# Specify the version ID of the object.
headers["versionId"] = "CAEQARiBgID8rumR2hYiIGUyOTAyZGY2MzU5MjQ5ZjlhYzQzZjNlYTAyZDE3****"

# Generate a signed URL that is used to upload the object. Set the validity period of the URL to 60 seconds.
# Set the slash_safe parameter to True. This way, OSS does not identify forward slashes (/) in the full path of the object as escape characters. In this case, you can use the generated signed URL to upload the object.
url = bucket.sign_url('PUT', object_name, 60, slash_safe=True, headers=headers)
print ('Signed URL:', url)

# ossbox.credentials side by side: a URL that never outlives the credentials that signed it.
from ossbox.credentials import EnvironmentProvider
from ossbox.credentials.adapters import oss2_provider
from ossbox.credentials.presign import oss2_sign_url

ours = oss2.Bucket(oss2.ProviderAuthV4(oss2_provider(EnvironmentProvider())), endpoint, ossbox_local.BUCKET, region=region)
url = oss2_sign_url(ours, 'PUT', object_name, 60, slash_safe=True, headers=headers)
print ('ossbox Signed URL:', url)
