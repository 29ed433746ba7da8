"""RAM system policies, as the documents Alibaba Cloud publishes (protocol-spec §4.5)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from ossbox.policy.document import parse_policy
from ossbox.policy.model import Policy, PolicyKind


def _allow(actions: str) -> str:
    return f'{{"Statement":[{{"Action":{actions},"Effect":"Allow","Resource":"*"}}],"Version":"1"}}'


SYSTEM_POLICIES: Mapping[str, str] = MappingProxyType(
    {
        "AdministratorAccess": _allow('"*"'),
        "AliyunSTSAssumeRoleAccess": _allow('"sts:AssumeRole"'),
        "AliyunOSSFullAccess": _allow('"oss:*"'),  # document UNCONFIRMED (page not found)
        "AliyunOSSReadOnlyAccess": _allow('["oss:Get*","oss:List*"]'),
        "AliyunRAMFullAccess": _allow('"ram:*"'),
        "AliyunRAMReadOnlyAccess": _allow('["ram:Get*","ram:List*"]'),
    }
)


@cache
def system_policy(name: str) -> Policy:
    """The parsed system policy `name`; KeyError if there is none."""
    return parse_policy(SYSTEM_POLICIES[name], kind=PolicyKind.IDENTITY)
