"""The OSS operation table: which API a request calls, its RAM action, its access level.

An operation is found from the method, whether a bucket and a key are addressed, and the
sub-resource parameters in the query. Each names its handler, the RAM action that authorizes
it, and the access level that decides what an ACL grants when no policy does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from ossbox.server.context import RequestContext
from ossbox.server.errors import method_not_allowed
from ossbox.server.oss import (
    bucket_policy,
    buckets,
    cors,
    listing,
    multipart,
    objects,
    post_object,
    service,
)
from ossbox.server.response import Response

Handler = Callable[[RequestContext], Awaitable[Response]]


class Access(Enum):
    """What an ACL can grant: service and bucket management are the owner's alone."""

    SERVICE = "service"
    MANAGE = "manage"  # bucket configuration, ACLs, tagging: owner (or policy) only
    READ = "read"  # object reads and ListObjects: public-read ACL grants it
    WRITE = "write"  # object writes: public-read-write ACL grants it


@dataclass(frozen=True)
class Operation:
    name: str
    action: str
    access: Access
    handler: Handler
    # The handler authenticates and authorizes the request itself (PostObject's form
    # signature, CORS preflight): header and URL signatures are not checked for it.
    own_auth: bool = False


def _op(
    name: str,
    access: Access,
    handler: Handler,
    action: str | None = None,
    *,
    own_auth: bool = False,
) -> Operation:
    return Operation(name, action or f"oss:{name}", access, handler, own_auth)


LIST_BUCKETS = _op("ListBuckets", Access.SERVICE, service.list_buckets)

# (method, sub-resource) -> operation; the first sub-resource present in the query wins, in
# table order, and the entry with sub-resource None is the method's default.
_BUCKET_OPS: dict[str, list[tuple[str | None, Operation]]] = {
    "PUT": [
        ("acl", _op("PutBucketAcl", Access.MANAGE, buckets.put_bucket_acl)),
        ("versioning", _op("PutBucketVersioning", Access.MANAGE, buckets.put_bucket_versioning)),
        ("policy", _op("PutBucketPolicy", Access.MANAGE, bucket_policy.put_bucket_policy)),
        ("cors", _op("PutBucketCors", Access.MANAGE, cors.put_bucket_cors)),
        (None, _op("PutBucket", Access.MANAGE, buckets.put_bucket)),
    ],
    "GET": [
        ("acl", _op("GetBucketAcl", Access.MANAGE, buckets.get_bucket_acl)),
        ("bucketInfo", _op("GetBucketInfo", Access.MANAGE, buckets.get_bucket_info)),
        ("location", _op("GetBucketLocation", Access.MANAGE, buckets.get_bucket_location)),
        ("versioning", _op("GetBucketVersioning", Access.MANAGE, buckets.get_bucket_versioning)),
        ("versions", _op("ListObjectVersions", Access.MANAGE, listing.list_object_versions)),
        ("uploads", _op("ListMultipartUploads", Access.MANAGE, multipart.list_uploads)),
        ("policy", _op("GetBucketPolicy", Access.MANAGE, bucket_policy.get_bucket_policy)),
        ("cors", _op("GetBucketCors", Access.MANAGE, cors.get_bucket_cors)),
        (None, _op("ListObjects", Access.READ, listing.list_objects)),
    ],
    "DELETE": [
        ("policy", _op("DeleteBucketPolicy", Access.MANAGE, bucket_policy.delete_bucket_policy)),
        ("cors", _op("DeleteBucketCors", Access.MANAGE, cors.delete_bucket_cors)),
        (None, _op("DeleteBucket", Access.MANAGE, buckets.delete_bucket)),
    ],
    "POST": [
        (
            "delete",
            _op("DeleteMultipleObjects", Access.WRITE, objects.delete_multiple, "oss:DeleteObject"),
        ),
        (
            None,
            _op(
                "PostObject",
                Access.WRITE,
                post_object.post_object,
                "oss:PutObject",
                own_auth=True,
            ),
        ),
    ],
}

# CORS preflight: unauthenticated, answered from the bucket's CORS rules alone.
OPTION_OBJECT = _op("OptionObject", Access.READ, cors.preflight, own_auth=True)
_BUCKET_OPS["OPTIONS"] = [(None, OPTION_OBJECT)]

_OBJECT_OPS: dict[str, list[tuple[str | None, Operation]]] = {
    "OPTIONS": [(None, OPTION_OBJECT)],
    "PUT": [
        ("acl", _op("PutObjectAcl", Access.MANAGE, objects.put_object_acl)),
        ("tagging", _op("PutObjectTagging", Access.MANAGE, objects.put_object_tagging)),
        ("symlink", _op("PutSymlink", Access.WRITE, objects.put_symlink, "oss:PutObject")),
        ("uploadId", _op("UploadPart", Access.WRITE, multipart.upload_part, "oss:PutObject")),
        (None, _op("PutObject", Access.WRITE, objects.put_object)),
    ],
    "GET": [
        ("acl", _op("GetObjectAcl", Access.MANAGE, objects.get_object_acl)),
        ("tagging", _op("GetObjectTagging", Access.MANAGE, objects.get_object_tagging)),
        ("symlink", _op("GetSymlink", Access.READ, objects.get_symlink, "oss:GetObject")),
        ("uploadId", _op("ListParts", Access.WRITE, multipart.list_parts)),
        (None, _op("GetObject", Access.READ, objects.get_object)),
    ],
    "HEAD": [
        ("objectMeta", _op("GetObjectMeta", Access.READ, objects.get_object_meta, "oss:GetObject")),
        (None, _op("HeadObject", Access.READ, objects.head_object, "oss:GetObject")),
    ],
    "DELETE": [
        ("tagging", _op("DeleteObjectTagging", Access.MANAGE, objects.delete_object_tagging)),
        ("uploadId", _op("AbortMultipartUpload", Access.WRITE, multipart.abort_upload)),
        (None, _op("DeleteObject", Access.WRITE, objects.delete_object)),
    ],
    "POST": [
        (
            "uploads",
            _op(
                "InitiateMultipartUpload", Access.WRITE, multipart.initiate_upload, "oss:PutObject"
            ),
        ),
        (
            "uploadId",
            _op(
                "CompleteMultipartUpload", Access.WRITE, multipart.complete_upload, "oss:PutObject"
            ),
        ),
        ("append", _op("AppendObject", Access.WRITE, objects.append_object, "oss:PutObject")),
    ],
}


def find_operation(
    method: str, bucket: str | None, key: str | None, query: dict[str, str]
) -> Operation:
    """The operation a request calls; 405 MethodNotAllowed when there is none."""
    if bucket is None:
        if method == "GET":
            return LIST_BUCKETS
        raise method_not_allowed()
    table = _OBJECT_OPS if key is not None else _BUCKET_OPS
    for subresource, operation in table.get(method, []):
        if subresource is None or subresource in query:
            return operation
    raise method_not_allowed()
