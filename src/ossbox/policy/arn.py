"""Alibaba Cloud Resource Names: `acs:<service>:<region>:<account>:<relative-id>`.

Policies may use `*` and `?` in every field. OSS names a bucket `acs:oss:<region>:<uid>:<bucket>`
and an object `acs:oss:<region>:<uid>:<bucket>/<key>`; in policies the region is `*`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SERVICE = re.compile(r"[A-Za-z0-9*?-]+")
_REGION = re.compile(r"[A-Za-z0-9*?-]*")
_ACCOUNT = re.compile(r"[0-9*?]*")


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    relative: str


def split_arn(text: str) -> Arn | None:
    """The five fields of `text`, or None if it is not shaped like an ARN."""
    parts = text.split(":", 4)
    if len(parts) != 5 or parts[0] != "acs":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4])


def arn_error(text: str) -> str | None:
    """Why `text` is not a valid Resource entry (`*` or an ARN), or None."""
    if text == "*":
        return None
    arn = split_arn(text)
    if arn is None:
        return (
            f'"{text[:64]}" is not "*" or an ARN of the form '
            "acs:<service>:<region>:<account-id>:<relative-id>"
        )
    if _SERVICE.fullmatch(arn.service) is None:
        return f'"{text[:64]}" has an invalid service "{arn.service[:32]}"'
    if _REGION.fullmatch(arn.region) is None:
        return f'"{text[:64]}" has an invalid region "{arn.region[:32]}"'
    if _ACCOUNT.fullmatch(arn.account) is None and not _is_system_policy(arn):
        return f'"{text[:64]}" has an invalid account id "{arn.account[:32]}" (digits or *)'
    if not arn.relative:
        return f'"{text[:64]}" has an empty resource part'
    return None


def _is_system_policy(arn: Arn) -> bool:
    """RAM names system policies `acs:ram:*:system:policy/<name>`."""
    return arn.service.lower() == "ram" and arn.account == "system"


def oss_resource_arn(region: str, owner_id: str, bucket: str, key: str | None = None) -> str:
    """The ARN of a bucket, or of an object when `key` is given (the key as stored, unencoded)."""
    base = f"acs:oss:{region}:{owner_id}:{bucket}"
    return base if key is None else f"{base}/{key}"


def oss_service_arn(region: str, account_id: str) -> str:
    """The ARN of service-level operations such as ListBuckets."""
    return f"acs:oss:{region}:{account_id}:*"
