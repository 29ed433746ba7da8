"""OSS signature V1 (HMAC-SHA1): the string to sign, header signing and presigned URLs.

One canonicalization, `string_to_sign_v1`, serves the client (sign) and the server (verify).
StringToSign = VERB \\n Content-MD5 \\n Content-Type \\n Date \\n CanonicalizedOSSHeaders
CanonicalizedResource, where the resource carries the raw (decoded) bucket, key and those query
parameters that are sub-resources (protocol-spec §2.1, §2.2).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache

# The union of the sub-resource sets of oss2, alibabacloud-oss-v2 and the Go SDK (87 names).
SUBRESOURCES: frozenset[str] = frozenset(
    """
    accessPoint accessPointPolicy acl append asyncFetch bucketArchiveDirectRead bucketInfo
    callback callback-var cloudboxes cname comp continuation-token cors delete encryption endTime
    group httpsConfig inventory inventoryId lifecycle link live location logging metaQuery
    objectInfo objectMeta partNumber policy position publicAccessBlock qos qosInfo qosRequester
    redundancyTransition referer regionList replication replicationLocation replicationProgress
    requestPayment requesterQosInfo resourceGroup resourcePool resourcePoolBuckets
    resourcePoolInfo response-cache-control response-content-disposition
    response-content-encoding response-content-language response-content-type response-expires
    restore security-token sequential startTime stat status style styleName symlink tagging
    transferAcceleration uploadId uploads versionId versioning versions vod website worm
    wormExtend wormId x-oss-ac-forward-allow x-oss-ac-source-ip x-oss-ac-subnet-mask
    x-oss-ac-vpc-id x-oss-access-point-name x-oss-async-process x-oss-process
    x-oss-redundancy-transition-taskid x-oss-request-payer x-oss-target-redundancy-type
    x-oss-traffic-limit x-oss-write-get-object-response
    """.split()  # noqa: SIM905 (a readable block of 87 names)
)

# alibabacloud-oss-v2 leaves these two unsigned in V1; a server retries without them.
OSS_V2_UNSIGNED: frozenset[str] = frozenset({"x-oss-process", "x-oss-async-process"})
SUBRESOURCES_OSS_V2: frozenset[str] = SUBRESOURCES - OSS_V2_UNSIGNED

_NO_HEADERS: Mapping[str, str] = {}
_SET_BY_V1_SIGNER_NO_TOKEN = frozenset({"date", "authorization"})
_SET_BY_V1_SIGNER = _SET_BY_V1_SIGNER_NO_TOKEN | {"x-oss-security-token"}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def canonical_resource_v1(
    bucket: str | None,
    key: str | None,
    query_pairs: Iterable[tuple[str, str]],
    subresources: frozenset[str] = SUBRESOURCES,
) -> str:
    """`/`, `/bucket/` or `/bucket/key`, then `?` and the sorted sub-resources (raw values)."""
    path = f"/{bucket}/{key or ''}" if bucket else "/"
    signed = sorted(pair for pair in query_pairs if pair[0] in subresources)
    if not signed:
        return path
    return path + "?" + "&".join(f"{name}={value}" if value else name for name, value in signed)


def string_to_sign_v1(
    method: str,
    bucket: str | None,
    key: str | None,
    query_pairs: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    date_line: str,
    *,
    subresources: frozenset[str] = SUBRESOURCES,
) -> str:
    """The V1 string to sign; `headers` may use any case, values are trimmed."""
    content_md5 = content_type = ""
    oss_headers: list[tuple[str, str]] = []
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-oss-"):
            oss_headers.append((lower, value.strip()))
        elif lower == "content-md5":
            content_md5 = value.strip()
        elif lower == "content-type":
            content_type = value.strip()
    oss_headers.sort()
    canonical_headers = "".join(f"{name}:{value}\n" for name, value in oss_headers)
    resource = canonical_resource_v1(bucket, key, query_pairs, subresources)
    return f"{method}\n{content_md5}\n{content_type}\n{date_line}\n{canonical_headers}{resource}"


@lru_cache(maxsize=256)
def _keyed_hmac(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha1)


def signature_v1(secret: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA1(secret, string_to_sign)); the keyed HMAC state is cached."""
    mac = _keyed_hmac(secret).copy()
    mac.update(string_to_sign.encode())
    return base64.b64encode(mac.digest()).decode()


def http_date(moment: datetime) -> str:
    """RFC 1123 date in GMT (`Wed, 25 Nov 2026 04:18:59 GMT`) of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    return _http_date_of_second(int(moment.timestamp() // 1))


@lru_cache(maxsize=8)
def _http_date_of_second(epoch_second: int) -> str:
    t = datetime.fromtimestamp(epoch_second, UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )


def sign_v1_header(
    *,
    method: str,
    bucket: str | None,
    key: str | None,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] = _NO_HEADERS,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    now: datetime,
) -> dict[str, str]:
    """The complete headers to send: the given ones plus Date, the token and Authorization."""
    replaced = _SET_BY_V1_SIGNER if security_token else _SET_BY_V1_SIGNER_NO_TOKEN
    out: dict[str, str] = {}
    x_oss_date = ""
    for name, value in headers.items():
        lower = name.lower()
        if lower not in replaced:
            out[name] = value
            if lower == "x-oss-date":
                x_oss_date = value.strip()
    if security_token:
        out["x-oss-security-token"] = security_token
    date = http_date(now)
    out["Date"] = date
    string_to_sign = string_to_sign_v1(method, bucket, key, query, out, x_oss_date or date)
    out["Authorization"] = f"OSS {access_key_id}:{signature_v1(access_key_secret, string_to_sign)}"
    return out


def presign_v1(
    *,
    method: str,
    bucket: str | None,
    key: str | None,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] = _NO_HEADERS,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    expires_at: int,
) -> list[tuple[str, str]]:
    """The query pairs of a V1 signed URL, in wire order.

    User params, then `security-token`, `OSSAccessKeyId`, `Expires`, `Signature` (oss2's
    order). Content-MD5, Content-Type and x-oss-* in `headers` are signed, so the requester
    must send them.
    """
    pairs = list(query)
    if security_token:
        pairs.append(("security-token", security_token))
    expires = str(expires_at)
    string_to_sign = string_to_sign_v1(method, bucket, key, pairs, headers, expires)
    pairs.append(("OSSAccessKeyId", access_key_id))
    pairs.append(("Expires", expires))
    pairs.append(("Signature", signature_v1(access_key_secret, string_to_sign)))
    return pairs
