"""Where an OSS request points: the bucket and the object key, from path or Host.

Path style (`/bucket/key`, what oss2 and oss-v2 use for an IP endpoint) and virtual-host style
(`bucket.<domain>`) both resolve here. The key is taken from the *raw* path and then
percent-decoded, so oss2's `%2F` and oss-v2's literal `/` give the same key.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote

from ossbox.server.errors import OssError, invalid_bucket_name, invalid_object_name

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
MAX_KEY_BYTES = 1023


def split_host(host: str) -> str:
    """The host name without the port (IPv6 brackets kept)."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def virtual_host_bucket(host: str, domains: tuple[str, ...]) -> str | None:
    """The bucket named by a `bucket.<domain>` Host header, if it is one."""
    name = split_host(host).lower()
    if not name or _is_ip(name):
        return None
    for domain in domains:
        suffix = "." + domain.lower()
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def validate_bucket_name(bucket: str) -> str:
    if not _BUCKET_RE.match(bucket):
        raise invalid_bucket_name(bucket)
    return bucket


def decode_key(raw: str) -> str:
    try:
        key = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        raise invalid_object_name() from None
    return key


def validate_key(key: str) -> str:
    """Object name rules: UTF-8, 1..1023 bytes, not starting with `/` or `\\`."""
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise invalid_object_name() from None
    if size == 0:
        raise invalid_object_name()
    if size > MAX_KEY_BYTES:
        raise invalid_object_name("The Length of Object name must be less than 1024.")
    if key[0] in "/\\":
        raise invalid_object_name()
    return key


def resolve(raw_path: str, host: str, domains: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(bucket, key) for a request; (None, None) for the service (ListBuckets)."""
    if not raw_path.startswith("/"):
        raise OssError(400, "InvalidURI", "Couldn't parse the specified URI.")
    bucket = virtual_host_bucket(host, domains)
    if bucket is not None:
        rest = raw_path[1:]
    else:
        bucket_part, _, rest = raw_path[1:].partition("/")
        if not bucket_part:
            return None, None
        bucket = decode_key(bucket_part)
    validate_bucket_name(bucket)
    if not rest:
        return bucket, None
    return bucket, validate_key(decode_key(rest))
