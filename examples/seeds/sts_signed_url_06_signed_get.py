# Seed 004 (en) Use a signed URL to download an object.
# ossbox: endpoint -> ossbox (https kept); "yourBucketName" -> examplebucket; the local file
# 'D:\\exampledir\\examplefile.txt' -> downloaded.txt in the working directory. The commented-out
# parameters stay commented out, as in the seed.
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
# Specify the Accept-Encoding header.
headers['Accept-Encoding'] = 'gzip'

# Specify HTTP query parameters.
params = dict()
# Configure single-connection bandwidth throttling. Unit: bit/s. In this example, the throttling threshold is set to 100 KB/s.
# params['x-oss-traffic-limit'] = str(100 * 1024 * 8)
# Specify the IP address or CIDR block.
# params['x-oss-ac-source-ip'] = "127.0.0.1"
# Specify the number of the digit 1 in the subnet mask.
# params['x-oss-ac-subnet-mask'] = "32"
# Specify the ID of the virtual private cloud (VPC).
# params['x-oss-ac-vpc-id'] = "vpc-t4nlw426y44rd3iq4xxxx"
# Specify whether the request can be forwarded.
# params['x-oss-ac-forward-allow'] = "true"

# Generate a signed URL that is used to download the object. In this example, the validity period of the URL is 60 seconds.
# Set the slash_safe parameter to True. This way, OSS does not identify the forward slashes (/) in the full path of the object as escape characters. Then, you can directly use the generated signed URL.
url = bucket.sign_url('GET', object_name, 60, slash_safe=True, headers=headers, params=params)
print ('Signed URL:', url)

# Use the signed URL to download the object. In this example, requests is used.
resp = requests.get(url, headers=headers)
print('GET status:', resp.status_code)

# Specify the full path of the local file. Example: D:\\exampledir\\examplefile.txt.
with open("downloaded.txt", "wb") as code:
    code.write(resp.content)
