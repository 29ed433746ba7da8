"""RAM roles: CreateRole, GetRole, UpdateRole, ListRoles, DeleteRole.

The trust policy (AssumeRolePolicyDocument) is validated as a trust policy when written;
MaxSessionDuration is 3600..43200 seconds (default 3600).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ossbox.policy import PolicyKind
from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import ROLE_NAME, invalid
from ossbox.server.ram.policies import validated_document
from ossbox.server.sts import revocation
from ossbox.store.ram import EntityNotExist

DESCRIPTION_MAX = 1024
MIN_SESSION, MAX_SESSION = 3600, 43200


def _name(call: RamCall) -> str:
    return call.params.name("RoleName", ROLE_NAME)


def create_role(call: RamCall) -> dict[str, Any]:
    p = call.params
    name = _name(call)
    document = validated_document(p, "AssumeRolePolicyDocument", PolicyKind.TRUST)
    role = call.ram.create_role(
        call.account_id,
        name,
        document,
        description=p.text("Description", DESCRIPTION_MAX) or "",
        max_session_duration=p.integer("MaxSessionDuration", MIN_SESSION, MAX_SESSION) or 3600,
    )
    return {"Role": shapes.role(role)}


def get_role(call: RamCall) -> dict[str, Any]:
    name = _name(call)
    role = call.ram.get_role(call.account_id, name)
    if role is None:
        raise rpc_error(EntityNotExist("Role", name))
    return {"Role": shapes.role(role)}


def update_role(call: RamCall) -> dict[str, Any]:
    p = call.params
    name = _name(call)
    new_document = None
    if p.optional("NewAssumeRolePolicyDocument") is not None:
        new_document = validated_document(p, "NewAssumeRolePolicyDocument", PolicyKind.TRUST)
    role = call.ram.update_role(
        call.account_id,
        name,
        assume_role_policy_document=new_document,
        description=p.text("NewDescription", DESCRIPTION_MAX),
        max_session_duration=p.integer("NewMaxSessionDuration", MIN_SESSION, MAX_SESSION),
    )
    return {"Role": shapes.role(role)}


def list_roles(call: RamCall) -> dict[str, Any]:
    marker, max_items = call.params.paging()
    page = call.ram.list_roles(call.account_id, marker=marker, max_items=max_items)
    items = [shapes.role(r, with_document=False) for r in page.items]
    return shapes.listing("Roles", "Role", items, page)


def delete_role(call: RamCall) -> dict[str, Any]:
    call.ram.delete_role(call.account_id, _name(call))
    return {}


def revoke_role_sessions(call: RamCall) -> dict[str, Any]:
    """ossbox's own action (RAM has none): refuse every session of the role issued before
    `Before` (ISO 8601, default now)."""
    name = _name(call)
    role = call.ram.get_role(call.account_id, name)
    if role is None:
        raise rpc_error(EntityNotExist("Role", name))
    before = _before(call) or call.rpc.request.now
    meta = call.rpc.request.store.meta
    cutoff = meta.revoke_role_sessions(call.account_id, role.name, before)
    revocation.forget(meta)  # this process applies it at once, others within a second
    return {"RoleName": role.name, "RevokedBefore": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")}


def _before(call: RamCall) -> datetime | None:
    raw = call.params.optional("Before")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Before", "Format") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
