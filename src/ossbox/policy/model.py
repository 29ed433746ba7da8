"""The parsed form of a policy document. Everything is frozen; values are already validated."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

Effect = Literal["Allow", "Deny"]


class PolicyKind(enum.Enum):
    """Which grammar a document follows."""

    IDENTITY = "identity"  # RAM custom/system policies and STS session policies: no Principal
    RESOURCE = "resource"  # OSS bucket policies: Principal is a list of UIDs/ARNs or "*"
    TRUST = "trust"  # a role's AssumeRolePolicyDocument: Principal {"RAM"|"Service"|"Federated"}


@dataclass(frozen=True)
class BucketContext:
    """The bucket a bucket policy is written to, so its Resource entries can be checked."""

    bucket: str
    owner_id: str


@dataclass(frozen=True)
class Condition:
    """One `"<operator>": {"<key>": values}` test. `lookup_key` is the normalized key."""

    operator: str
    key: str
    lookup_key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class TrustPrincipals:
    """The Principal of a trust-policy statement."""

    ram: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One statement. Exactly one of actions/not_actions is non-empty; likewise resources
    and not_resources, except in trust policies which name no resource."""

    effect: Effect
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[str, ...] | None = None  # bucket policies; ("*",) for everyone
    trust_principals: TrustPrincipals | None = None  # trust policies
    conditions: tuple[Condition, ...] = ()
    sid: str | None = None


@dataclass(frozen=True)
class Policy:
    """A validated policy document."""

    kind: PolicyKind
    statements: tuple[Statement, ...]
    version: str = "1"


@dataclass(frozen=True)
class NamedPolicy:
    """A policy with the name decisions and explanations refer to it by."""

    name: str
    policy: Policy
