"""What an OSS request asks the policy engine (protocol-spec §3): the RAM actions, the resource
ARN and the condition keys.

- Actions: the operation's, with the version variant when a versionId is named (GetObject ->
  oss:GetObjectVersion, DeleteObject -> oss:DeleteObjectVersion, Put/GetObjectAcl ->
  ...VersionAcl, object tagging -> ...VersionTagging), plus oss:PutObjectTagging when a write
  sets tags with `x-oss-tagging`.
- Resources: `acs:oss:{region}:{bucket_owner}:{bucket}` for bucket operations,
  `.../{bucket}/{key}` for object operations, `acs:oss:{region}:{account}:*` for ListBuckets.
- Condition keys: acs:SourceIp (trusted-proxy aware, see server/source_ip.py),
  acs:SecureTransport ("true"/"false", from the listener), acs:CurrentTime (ISO 8601, Z),
  acs:UserAgent and acs:Referer (when sent), acs:AccessId (the AccessKeyId, when signed), and
  for listings oss:Prefix and oss:Delimiter ("" when absent, as OSS evaluates them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ossbox.policy import oss_resource_arn, oss_service_arn
from ossbox.server.context import RequestContext
from ossbox.server.sts import permissions

_VERSIONED = {
    "oss:GetObject": "oss:GetObjectVersion",
    "oss:DeleteObject": "oss:DeleteObjectVersion",
    "oss:GetObjectAcl": "oss:GetObjectVersionAcl",
    "oss:PutObjectAcl": "oss:PutObjectVersionAcl",
    "oss:GetObjectTagging": "oss:GetObjectVersionTagging",
    "oss:PutObjectTagging": "oss:PutObjectVersionTagging",
    "oss:DeleteObjectTagging": "oss:DeleteObjectVersionTagging",
}
BUCKET_POLICY_NAME = "bucket policy"  # how decisions and explanations name it
# Bucket-level listings: their prefix and delimiter are condition keys (oss:Prefix/oss:Delimiter).
LISTINGS = frozenset({"ListObjects", "ListObjectVersions", "ListMultipartUploads"})


@dataclass(frozen=True)
class Target:
    """What an operation acts on: the service of `owner_id` (bucket None), a bucket, or an
    object (`key`, optionally one `version_id`)."""

    region: str
    owner_id: str
    bucket: str | None = None
    key: str | None = None
    version_id: str | None = None

    @property
    def arn(self) -> str:
        if self.bucket is None:
            return oss_service_arn(self.region, self.owner_id)
        return oss_resource_arn(self.region, self.owner_id, self.bucket, self.key)


def actions(
    action: str, *, version_id: str | None = None, tagging: bool = False
) -> tuple[str, ...]:
    """The RAM actions an operation of `action` needs on a target."""
    named = _VERSIONED.get(action, action) if version_id is not None else action
    if tagging and action == "oss:PutObject":
        return (named, "oss:PutObjectTagging")
    return (named,)


def sets_tags(ctx: RequestContext) -> bool:
    """Whether the request writes object tags with its data (`x-oss-tagging`)."""
    return ctx.header("x-oss-tagging") is not None


def request_version(ctx: RequestContext) -> str | None:
    """The versionId the request names in its query, if any."""
    return ctx.query.get("versionId") or None


def condition_context(ctx: RequestContext, operation: str) -> dict[str, str]:
    """The condition keys of a request calling `operation`."""
    context = permissions.request_context(ctx)
    for key, header in (("acs:UserAgent", "user-agent"), ("acs:Referer", "referer")):
        value = ctx.header(header)
        if value is not None:
            context[key] = value
    principal = ctx.principal
    if principal is not None and principal.access_key_id is not None:
        context["acs:AccessId"] = principal.access_key_id
    if operation in LISTINGS:
        context["oss:Prefix"] = ctx.query.get("prefix", "")
        context["oss:Delimiter"] = ctx.query.get("delimiter", "")
    return context
