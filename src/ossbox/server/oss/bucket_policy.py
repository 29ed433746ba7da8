"""Put/Get/DeleteBucketPolicy: `PUT|GET|DELETE /?policy`, the bucket policy as JSON.

A document is validated when it is written, as a resource policy of this bucket (its Resource
entries must name the bucket or its objects, its Principal UIDs or ARNs): a bad one is 400
InvalidPolicyDocument saying what is wrong and where, never a silent pass or a 500 later. OSS
limits: the body is at most 16 KB, and no single value in it may exceed 4,095 bytes (EC
0030-00000001, 0030-00000003). The document is stored and returned as sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json

from ossbox.policy import BucketContext, PolicyError, PolicyKind, parse_policy
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, no_such_bucket
from ossbox.server.oss.object_headers import expected_md5, invalid_digest
from ossbox.server.response import Response
from ossbox.store import base as store

MAX_POLICY_BYTES = 16 * 1024
MAX_FIELD_BYTES = 4095


def invalid_policy(message: str) -> OssError:
    return OssError(400, "InvalidPolicyDocument", message)


def no_such_bucket_policy(bucket: str) -> OssError:
    return OssError(
        404,
        "NoSuchBucketPolicy",
        "The specified bucket policy does not exist.",
        extra={"BucketName": bucket},
    )


def _bucket(ctx: RequestContext) -> store.Bucket:
    assert ctx.bucket_record is not None  # loaded (or NoSuchBucket) by the app
    return ctx.bucket_record


async def _read_document(ctx: RequestContext) -> str:
    md5 = expected_md5(ctx)
    try:
        body = await ctx.read_body(limit=MAX_POLICY_BYTES)
    except OssError as err:
        if err.code == "EntityTooLarge":
            raise invalid_policy(
                f"The bucket policy must be at most {MAX_POLICY_BYTES} bytes (16 KB)."
            ) from None
        raise
    if md5 is not None and hashlib.md5(body, usedforsecurity=False).digest() != base64.b64decode(
        md5
    ):
        raise invalid_digest()
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_policy("The bucket policy is not UTF-8 text.") from None


def _longest_field(value: object) -> int:
    """The byte length of the longest string (name or value) anywhere in a JSON value."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, list):
        return max((_longest_field(v) for v in value), default=0)
    if isinstance(value, dict):
        return max((max(_longest_field(k), _longest_field(v)) for k, v in value.items()), default=0)
    return 0


def validate_bucket_policy(text: str, bucket: store.Bucket) -> None:
    """Raise InvalidPolicyDocument unless `text` is a valid policy for `bucket`."""
    if not text.strip():
        raise invalid_policy("The bucket policy is empty.")
    try:
        parse_policy(
            text, kind=PolicyKind.RESOURCE, bucket=BucketContext(bucket.name, bucket.owner_id)
        )
    except PolicyError as err:
        raise invalid_policy(err.message) from None
    if _longest_field(json.loads(text)) > MAX_FIELD_BYTES:
        raise invalid_policy(
            f"A field of the bucket policy is longer than {MAX_FIELD_BYTES} bytes."
        )


async def _store(ctx: RequestContext, policy: str | None) -> None:
    name = _bucket(ctx).name
    try:
        await asyncio.to_thread(ctx.store.meta.update_bucket, name, policy=policy)
    except store.NoSuchBucket:
        raise no_such_bucket(name) from None


async def put_bucket_policy(ctx: RequestContext) -> Response:
    text = await _read_document(ctx)
    validate_bucket_policy(text, _bucket(ctx))
    await _store(ctx, text)
    return Response(200)


async def get_bucket_policy(ctx: RequestContext) -> Response:
    bucket = _bucket(ctx)
    if not bucket.policy:
        raise no_such_bucket_policy(bucket.name)
    return Response(200, [("Content-Type", "application/json")], bucket.policy.encode())


async def delete_bucket_policy(ctx: RequestContext) -> Response:
    await _store(ctx, None)
    return Response(204)
