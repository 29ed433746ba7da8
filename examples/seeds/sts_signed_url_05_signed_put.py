# Seed 004 (en) Use a signed URL to upload an object.
# ossbox: endpoint -> ossbox (https kept); "yourBucketName" -> examplebucket; the local file
# 'D:\\exampledir\\examplefile.txt' -> examplefile.txt in the working directory. The seed ignores
# the PUT's response; this prints its status.
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
# Specify the Content-Type header.
# headers['Content-Type'] = 'text/txt'
# Specify the storage class of the object.
# headers["x-oss-storage-class"] = "Standard"

# Generate a signed URL that is used to upload the object. Set the validity period of the URL to 60 seconds.
# Set the slash_safe parameter to True. This way, OSS does not identify forward slashes (/) in the full path of the object as escape characters. In this case, you can use the generated signed URL to upload the object.
url = bucket.sign_url('PUT', object_name, 60, slash_safe=True, headers=headers)
print ('Signed URL:', url)

# Use the signed URL to upload an object. In this example, requests is used.
# Specify the full path of the local file. Example: D:\\exampledir\\examplefile.txt.
resp = requests.put(url, data=open('examplefile.txt', 'rb').read(), headers=headers)
print('PUT status:', resp.status_code)
