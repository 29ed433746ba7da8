"""Bucket API: create, delete, info, location, ACL, versioning configuration."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # types only; parsing uses defusedxml

from ossbox.server.context import RequestContext
from ossbox.server.errors import (
    OssError,
    access_denied,
    invalid_argument,
    malformed_xml,
    no_such_bucket,
)
from ossbox.server.oss.addressing import virtual_host_bucket
from ossbox.server.oss.common import (
    child_text,
    element,
    esc,
    iso8601,
    owner_xml,
    parse_xml,
    read_xml,
    xml_document,
)
from ossbox.server.response import Response, xml_response
from ossbox.store import base as store

ACLS = ("private", "public-read", "public-read-write")
STORAGE_CLASSES = ("Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive")
REDUNDANCY_TYPES = ("LRS", "ZRS")
VERSIONING_STATES = (store.VERSIONING_ENABLED, store.VERSIONING_SUSPENDED)

MAX_CONFIG_BODY = 64 * 1024  # bucket configuration documents are small


# --------------------------------------------------------------------------------------------
# Shared formatting (ListBuckets uses these too)


def service_host(ctx: RequestContext) -> str:
    """The endpoint clients reach this server at (the Host, without a virtual-host bucket)."""
    host = ctx.host
    if ctx.bucket is not None and virtual_host_bucket(host, ctx.config.domains) == ctx.bucket:
        return host[len(ctx.bucket) + 1 :]
    return host


def location(bucket: store.Bucket) -> str:
    return f"oss-{bucket.region}"


def bucket_summary(ctx: RequestContext, bucket: store.Bucket) -> list[str]:
    """The elements ListBuckets and GetBucketInfo both give for a bucket."""
    endpoint = service_host(ctx)
    return [
        element("CreationDate", iso8601(bucket.created)),
        element("ExtranetEndpoint", endpoint),
        element("IntranetEndpoint", endpoint),
        element("Location", location(bucket)),
        element("Name", bucket.name),
        element("Region", bucket.region),
        element("StorageClass", bucket.storage_class),
    ]


def _bucket(ctx: RequestContext) -> store.Bucket:
    assert ctx.bucket_record is not None  # the app loads it (NoSuchBucket) for these operations
    return ctx.bucket_record


def _acl_xml(acl: str) -> str:
    return f"<AccessControlList>{element('Grant', acl)}</AccessControlList>"


# --------------------------------------------------------------------------------------------
# Request parsing


@dataclass(frozen=True)
class CreateConfig:
    """What a PutBucket body asks for (None: not given)."""

    storage_class: str | None = None
    redundancy: str | None = None


def canned_acl(ctx: RequestContext) -> str | None:
    """The `x-oss-acl` header, validated; None when absent."""
    value = ctx.header("x-oss-acl")
    if value is None:
        return None
    if value not in ACLS:
        raise invalid_argument("no such bucket access control exists", "x-oss-acl", value)
    return value


def _choice(root: Element, name: str, allowed: tuple[str, ...]) -> str | None:
    value = child_text(root, name)
    if not value:
        return None
    if value not in allowed:
        raise invalid_argument(f"Invalid {name}: {value}.", name, value)
    return value


async def create_config(ctx: RequestContext) -> CreateConfig:
    """The optional `<CreateBucketConfiguration>` body."""
    body = await ctx.read_body(limit=MAX_CONFIG_BODY)
    if not body.strip():
        return CreateConfig()
    root = parse_xml(body)
    if root.tag != "CreateBucketConfiguration":
        raise malformed_xml()
    return CreateConfig(
        storage_class=_choice(root, "StorageClass", STORAGE_CLASSES),
        redundancy=_choice(root, "DataRedundancyType", REDUNDANCY_TYPES),
    )


async def _versioning_status(ctx: RequestContext) -> str:
    root = await read_xml(ctx, limit=MAX_CONFIG_BODY)
    status = child_text(root, "Status")
    if root.tag != "VersioningConfiguration" or status not in VERSIONING_STATES:
        raise malformed_xml()
    return status


# --------------------------------------------------------------------------------------------
# Errors


def bucket_already_exists(message: str | None = None) -> OssError:
    return OssError(
        409,
        "BucketAlreadyExists",
        message
        or "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again.",
    )


def bucket_not_empty(bucket: str) -> OssError:
    return OssError(
        409,
        "BucketNotEmpty",
        "The bucket you tried to delete is not empty.",
        extra={"BucketName": bucket},
    )


async def _update(ctx: RequestContext, name: str, **changes: object) -> store.Bucket:
    try:
        return await asyncio.to_thread(ctx.store.meta.update_bucket, name, **changes)
    except store.NoSuchBucket:
        raise no_such_bucket(name) from None


# --------------------------------------------------------------------------------------------
# Handlers


async def put_bucket(ctx: RequestContext) -> Response:
    """PutBucket: create, or accept a repeat by the owner (which may change the ACL only)."""
    principal = ctx.principal
    if principal is None or principal.account_id is None:
        raise access_denied("Anonymous access is forbidden for this operation.")
    assert ctx.bucket is not None
    acl = canned_acl(ctx)
    config = await create_config(ctx)
    meta = ctx.store.meta
    existing = await asyncio.to_thread(meta.get_bucket, ctx.bucket)
    if existing is None:
        record = store.Bucket(
            name=ctx.bucket,
            owner_id=principal.account_id,
            region=ctx.config.region,
            storage_class=config.storage_class or "Standard",
            acl=acl or "private",
            data_redundancy=config.redundancy or "LRS",
            created=ctx.now,
        )
        try:
            await asyncio.to_thread(meta.create_bucket, record)
        except store.BucketAlreadyExists:
            existing = await asyncio.to_thread(meta.get_bucket, ctx.bucket)
    if existing is not None:
        await _repeat_create(ctx, existing, principal.account_id, acl, config)
    return Response(200, [("Location", f"/{ctx.bucket}")])


async def _repeat_create(
    ctx: RequestContext,
    existing: store.Bucket,
    account_id: str,
    acl: str | None,
    config: CreateConfig,
) -> None:
    if existing.owner_id != account_id:
        raise bucket_already_exists()
    if config.storage_class not in (None, existing.storage_class):
        raise bucket_already_exists("Bucket already exists can't modify storage class.")
    if config.redundancy not in (None, existing.data_redundancy):
        raise bucket_already_exists("Bucket already exists can't modify data redundancy type.")
    if acl is not None and acl != existing.acl:
        await _update(ctx, existing.name, acl=acl)


async def delete_bucket(ctx: RequestContext) -> Response:
    name = _bucket(ctx).name
    try:
        await asyncio.to_thread(ctx.store.meta.delete_bucket, name)
    except store.BucketNotEmpty:
        raise bucket_not_empty(name) from None
    except store.NoSuchBucket:
        raise no_such_bucket(name) from None
    return Response(204)


async def get_bucket_info(ctx: RequestContext) -> Response:
    bucket = _bucket(ctx)
    children = [
        element("AccessMonitor", "Disabled"),
        *bucket_summary(ctx, bucket),
        element("TransferAcceleration", "Disabled"),
        element("CrossRegionReplication", "Disabled"),
        element("DataRedundancyType", bucket.data_redundancy),
        owner_xml(bucket.owner_id),
        _acl_xml(bucket.acl),
        element("Comment", ""),
        "<ServerSideEncryptionRule>"
        + element("SSEAlgorithm", "None")
        + "</ServerSideEncryptionRule>",
        element("BlockPublicAccess", False),
    ]
    if bucket.versioning:
        children.append(element("Versioning", bucket.versioning))
    inner = "<Bucket>" + "".join(children) + "</Bucket>"
    return xml_response(xml_document("BucketInfo", [inner]))


async def get_bucket_location(ctx: RequestContext) -> Response:
    body = xml_document("LocationConstraint", [esc(location(_bucket(ctx)))])
    return xml_response(body)


async def put_bucket_acl(ctx: RequestContext) -> Response:
    acl = canned_acl(ctx)
    if acl is None:
        raise invalid_argument("no such bucket access control exists", "x-oss-acl", "")
    await _update(ctx, _bucket(ctx).name, acl=acl)
    return Response(200)


async def get_bucket_acl(ctx: RequestContext) -> Response:
    bucket = _bucket(ctx)
    body = xml_document("AccessControlPolicy", [owner_xml(bucket.owner_id), _acl_xml(bucket.acl)])
    return xml_response(body)


async def put_bucket_versioning(ctx: RequestContext) -> Response:
    status = await _versioning_status(ctx)
    await _update(ctx, _bucket(ctx).name, versioning=status)
    return Response(200)


async def get_bucket_versioning(ctx: RequestContext) -> Response:
    status = _bucket(ctx).versioning
    children = [element("Status", status)] if status else []
    return xml_response(xml_document("VersioningConfiguration", children))
