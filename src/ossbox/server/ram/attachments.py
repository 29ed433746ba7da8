"""Policy attachments: AttachPolicyTo{User,Group,Role}, DetachPolicyFrom{User,Group,Role},
ListPoliciesFor{User,Group,Role}. One handler of each kind per target type."""

from __future__ import annotations

from typing import Any

from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall, RamHandler
from ossbox.server.ram.params import GROUP_NAME, POLICY_NAME, ROLE_NAME, USER_NAME, NameRule
from ossbox.store.ram import PolicyType, TargetType

_TARGETS: dict[TargetType, tuple[str, NameRule]] = {
    "User": ("UserName", USER_NAME),
    "Group": ("GroupName", GROUP_NAME),
    "Role": ("RoleName", ROLE_NAME),
}


def _target(call: RamCall, target_type: TargetType) -> str:
    param, rule = _TARGETS[target_type]
    return call.params.name(param, rule)


def _attachment(
    call: RamCall, target_type: TargetType
) -> tuple[str, PolicyType, str, TargetType, str]:
    """The store's (account, policy type, policy name, target type, target name)."""
    p = call.params
    policy_type, policy_name = p.policy_type(), p.name("PolicyName", POLICY_NAME)
    return call.account_id, policy_type, policy_name, target_type, _target(call, target_type)


def attach(target_type: TargetType) -> RamHandler:
    def handler(call: RamCall) -> dict[str, Any]:
        call.ram.attach_policy(*_attachment(call, target_type))
        return {}

    return handler


def detach(target_type: TargetType) -> RamHandler:
    def handler(call: RamCall) -> dict[str, Any]:
        call.ram.detach_policy(*_attachment(call, target_type))
        return {}

    return handler


def list_for(target_type: TargetType) -> RamHandler:
    def handler(call: RamCall) -> dict[str, Any]:
        attached = call.ram.list_policies_for(
            call.account_id, target_type, _target(call, target_type)
        )
        items = [
            {
                "PolicyName": a.policy.name,
                "PolicyType": a.policy.policy_type,
                "Description": a.policy.description,
                "DefaultVersion": a.policy.default_version,
                "AttachDate": shapes.iso(a.attached),
            }
            for a in attached
        ]
        return shapes.listing("Policies", "Policy", items)

    return handler
