"""RAM records as the JSON objects RAM answers with (dates as 2015-01-23T12:33:18Z)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from ossbox.store.base import AccessKey
from ossbox.store.ram import Group, OidcProvider, Page, Policy, PolicyVersion, Role, User

T = TypeVar("T")
Shape = dict[str, Any]


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def listing(outer: str, inner: str, items: list[Shape], page: Page[T] | None = None) -> Shape:
    """`{"Users": {"User": [...]}, "IsTruncated": ..., "Marker": ...}` (XML repeats `User`)."""
    body: Shape = {outer: {inner: items}}
    if page is not None:
        body["IsTruncated"] = page.is_truncated
        if page.marker is not None:
            body["Marker"] = page.marker
    return body


def user(u: User) -> Shape:
    return {
        "UserId": u.user_id,
        "UserName": u.name,
        "DisplayName": u.display_name,
        "MobilePhone": u.mobile_phone,
        "Email": u.email,
        "Comments": u.comments,
        "CreateDate": iso(u.created),
        "UpdateDate": iso(u.updated),
    }


def access_key(key: AccessKey) -> Shape:
    """Never the secret: only CreateAccessKey shows it, once."""
    return {"AccessKeyId": key.access_key_id, "Status": key.status, "CreateDate": iso(key.created)}


def group(g: Group) -> Shape:
    return {
        "GroupId": g.group_id,
        "GroupName": g.name,
        "Comments": g.comments,
        "CreateDate": iso(g.created),
        "UpdateDate": iso(g.updated),
    }


def role(r: Role, *, with_document: bool = True) -> Shape:
    shape: Shape = {
        "RoleId": r.role_id,
        "RoleName": r.name,
        "Arn": r.arn,
        "Description": r.description,
        "MaxSessionDuration": r.max_session_duration,
        "CreateDate": iso(r.created),
        "UpdateDate": iso(r.updated),
    }
    if with_document:
        shape["AssumeRolePolicyDocument"] = r.assume_role_policy_document
    return shape


def policy(p: Policy) -> Shape:
    return {
        "PolicyName": p.name,
        "PolicyType": p.policy_type,
        "Description": p.description,
        "DefaultVersion": p.default_version,
        "AttachmentCount": p.attachment_count,
        "CreateDate": iso(p.created),
        "UpdateDate": iso(p.updated),
    }


def policy_version(v: PolicyVersion) -> Shape:
    return {
        "VersionId": v.version_id,
        "IsDefaultVersion": v.is_default,
        "PolicyDocument": v.document,
        "CreateDate": iso(v.created),
    }


def oidc_provider(p: OidcProvider) -> Shape:
    return {
        "OIDCProviderName": p.name,
        "Arn": p.arn,
        "IssuerUrl": p.issuer_url,
        "ClientIds": ",".join(p.client_ids),
        "Fingerprints": ",".join(p.fingerprints),
        "IssuanceLimitTime": p.issuance_limit_time,
        "Description": p.description,
        "CreateDate": iso(p.created),
        "UpdateDate": iso(p.updated),
    }
