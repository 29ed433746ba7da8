"""RAM policies and their versions: CreatePolicy, GetPolicy, ListPolicies,
UpdatePolicyDescription, DeletePolicy, CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions,
SetDefaultPolicyVersion, DeletePolicyVersion, ListEntitiesForPolicy.

Documents are validated when written (size, then grammar): a bad one is MalformedPolicyDocument
naming the offending element, never a surprise at request time.
"""

from __future__ import annotations

from typing import Any

from ossbox.policy import TOO_LARGE, PolicyError, PolicyKind, check_custom_policy_size, parse_policy
from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import POLICY_NAME, Params, invalid
from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import EntityNotExist, Policy, PolicyEntity

DESCRIPTION_MAX = 1024
ROTATE_STRATEGIES = ("None", "DeleteOldestNonDefaultVersionWhenLimitExceeded")


def validated_document(params: Params, name: str, kind: PolicyKind) -> str:
    """The document parameter `name`, checked for size and grammar."""
    text = params.required(name)
    try:
        check_custom_policy_size(text)
        parse_policy(text, kind=kind)
    except PolicyError as err:
        if err.code == TOO_LARGE:
            raise invalid(name, "Length") from None
        raise RpcError(400, "MalformedPolicyDocument", err.message) from None
    return text


def _name(call: RamCall) -> str:
    return call.params.name("PolicyName", POLICY_NAME)


def _require(call: RamCall) -> Policy:
    name, policy_type = _name(call), call.params.policy_type()
    policy = call.ram.get_policy(call.account_id, name, policy_type)
    if policy is None:
        raise rpc_error(EntityNotExist("Policy", name))
    return policy


def create_policy(call: RamCall) -> dict[str, Any]:
    p = call.params
    name = _name(call)
    description = p.text("Description", DESCRIPTION_MAX) or ""
    document = validated_document(p, "PolicyDocument", PolicyKind.IDENTITY)
    policy, _ = call.ram.create_policy(call.account_id, name, document, description=description)
    return {"Policy": shapes.policy(policy)}


def get_policy(call: RamCall) -> dict[str, Any]:
    policy = _require(call)
    version = call.ram.get_policy_version(
        call.account_id, policy.name, policy.policy_type, policy.default_version
    )
    assert version is not None  # the default version always exists
    return {"Policy": shapes.policy(policy), "DefaultPolicyVersion": shapes.policy_version(version)}


def list_policies(call: RamCall) -> dict[str, Any]:
    marker, max_items = call.params.paging()
    page = call.ram.list_policies(
        call.account_id,
        policy_type=call.params.optional_policy_type(),
        marker=marker,
        max_items=max_items,
    )
    return shapes.listing("Policies", "Policy", [shapes.policy(p) for p in page.items], page)


def update_policy_description(call: RamCall) -> dict[str, Any]:
    description = call.params.text("NewDescription", DESCRIPTION_MAX) or ""
    policy = call.ram.update_policy_description(call.account_id, _name(call), description)
    return {"Policy": shapes.policy(policy)}


def delete_policy(call: RamCall) -> dict[str, Any]:
    cascade = call.params.boolean("CascadingDelete")
    call.ram.delete_policy(call.account_id, _name(call), cascade=cascade)
    return {}


def create_policy_version(call: RamCall) -> dict[str, Any]:
    p = call.params
    name = _name(call)
    document = validated_document(p, "PolicyDocument", PolicyKind.IDENTITY)
    rotate = p.choice("RotateStrategy", ROTATE_STRATEGIES) == ROTATE_STRATEGIES[1]
    version = call.ram.create_policy_version(
        call.account_id, name, document, set_as_default=p.boolean("SetAsDefault"), rotate=rotate
    )
    return {"PolicyVersion": shapes.policy_version(version)}


def get_policy_version(call: RamCall) -> dict[str, Any]:
    policy = _require(call)
    version_id = call.params.version_id()
    version = call.ram.get_policy_version(
        call.account_id, policy.name, policy.policy_type, version_id
    )
    if version is None:
        raise rpc_error(EntityNotExist("PolicyVersion", version_id))
    return {"PolicyVersion": shapes.policy_version(version)}


def list_policy_versions(call: RamCall) -> dict[str, Any]:
    versions = call.ram.list_policy_versions(
        call.account_id, _name(call), call.params.policy_type()
    )
    items = [shapes.policy_version(v) for v in versions]
    return shapes.listing("PolicyVersions", "PolicyVersion", items)


def set_default_policy_version(call: RamCall) -> dict[str, Any]:
    version_id = call.params.version_id()
    call.ram.set_default_policy_version(call.account_id, _name(call), version_id)
    return {}


def delete_policy_version(call: RamCall) -> dict[str, Any]:
    version_id = call.params.version_id()
    call.ram.delete_policy_version(call.account_id, _name(call), version_id)
    return {}


def _entity(entity: PolicyEntity) -> dict[str, Any]:
    key = {"User": "UserName", "Group": "GroupName", "Role": "RoleName"}[entity.target_type]
    return {key: entity.name, "AttachDate": shapes.iso(entity.attached)}


def list_entities_for_policy(call: RamCall) -> dict[str, Any]:
    entities = call.ram.list_entities_for_policy(
        call.account_id, call.params.policy_type(), _name(call)
    )
    body: dict[str, Any] = {}
    for kind in ("User", "Group", "Role"):
        items = [_entity(e) for e in entities if e.target_type == kind]
        body.update(shapes.listing(f"{kind}s", kind, items))
    return body
