"""Service-level API: ListBuckets."""

from __future__ import annotations

import asyncio

from ossbox.server.context import RequestContext
from ossbox.server.oss.buckets import bucket_summary
from ossbox.server.oss.common import element, int_param, owner_xml, xml_document
from ossbox.server.response import Response, xml_response


async def list_buckets(ctx: RequestContext) -> Response:
    """The caller's account's buckets by name, paged by prefix, marker and max-keys."""
    assert ctx.principal is not None and ctx.principal.account_id is not None  # authorized
    account_id = ctx.principal.account_id
    prefix = ctx.query.get("prefix", "")
    marker = ctx.query.get("marker", "")
    max_keys = int_param(ctx, "max-keys", 100, 1, 1000)
    page = await asyncio.to_thread(
        ctx.store.meta.list_buckets,
        owner_id=account_id,
        prefix=prefix,
        marker=marker,
        max_keys=max_keys,
    )
    children = [
        owner_xml(account_id),
        element("Prefix", prefix),
        element("Marker", marker),
        element("MaxKeys", max_keys),
        element("IsTruncated", page.is_truncated),
    ]
    if page.is_truncated and page.next_marker is not None:
        children.append(element("NextMarker", page.next_marker))
    buckets = "".join(
        "<Bucket>" + "".join(bucket_summary(ctx, bucket)) + "</Bucket>" for bucket in page.buckets
    )
    children.append(f"<Buckets>{buckets}</Buckets>")
    return xml_response(xml_document("ListAllMyBucketsResult", children))
