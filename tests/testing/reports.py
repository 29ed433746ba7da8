"""A tiny application under test: it stores a report in OSS and hands out a signed URL for it.
It knows nothing about ossbox; only its configuration (endpoint, keys) comes from the test."""

from __future__ import annotations

import oss2


class ReportStore:
    def __init__(self, endpoint: str, bucket: str, access_key_id: str, secret: str, region: str):
        auth = oss2.AuthV4(access_key_id, secret)
        self._bucket = oss2.Bucket(auth, endpoint, bucket, region=region)

    def publish(self, name: str, text: str, *, expires: int = 600) -> str:
        """Upload the report and return a URL anyone can download it with for `expires` s."""
        key = f"reports/{name}.txt"
        self._bucket.put_object(key, text.encode(), headers={"Content-Type": "text/plain"})
        return str(self._bucket.sign_url("GET", key, expires, slash_safe=True))
