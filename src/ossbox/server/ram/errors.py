"""RAM's error codes and messages for the store's errors, and NoPermission."""

from __future__ import annotations

from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import (
    DeleteConflict,
    EntityAlreadyExists,
    EntityNotExist,
    LimitExceeded,
    RamStoreError,
)

# code -> message, as RAM words them (RAM's "Error messages" reference).
_MESSAGES = {
    "EntityNotExist.User": "The user does not exist.",
    "EntityNotExist.Group": "The group does not exist.",
    "EntityNotExist.Role": "The role does not exist.",
    "EntityNotExist.Policy": "The policy does not exist.",
    "EntityNotExist.Policy.Version": "The policy version does not exist.",
    "EntityNotExist.OIDCProvider": "The OIDC provider does not exist.",
    "EntityNotExist.User.AccessKey": "The user access key does not exist.",
    "EntityNotExist.User.Group": "The user has not joined the group.",
    "EntityNotExist.User.Policy": "The indicate policy of the user does not exist.",
    "EntityNotExist.Group.Policy": "The indicate policy attached to the group does not exist.",
    "EntityNotExist.Role.Policy": "The indicate policy attached to the role does not exist.",
    "EntityAlreadyExists.User": "The user does already EXIST.",
    "EntityAlreadyExists.Group": "The group does already EXIST.",
    "EntityAlreadyExists.Role": "The role does already EXIST.",
    "EntityAlreadyExists.Policy": "The policy does already EXIST.",
    "EntityAlreadyExists.OIDCProvider": "The OIDC provider does already EXIST.",
    "EntityAlreadyExists.User.Group": "The user has already joined the group.",
    "EntityAlreadyExists.User.Policy": "The user has already been attached this policy.",
    "EntityAlreadyExists.Group.Policy": "The group has already been attached this policy.",
    "EntityAlreadyExists.Role.Policy": "The role has already been attached this policy.",
    "DeleteConflict.User.Group": "The user CAN NOT be in any group while deleting the user.",
    "DeleteConflict.User.AccessKey": (
        "The user CAN NOT has any access key while deleting the user."
    ),
    "DeleteConflict.User.Policy": (
        "The user CAN NOT has any attached policy while deleting the user."
    ),
    "DeleteConflict.Group.User": (
        "The group CAN NOT has any user member while deleting the group."
    ),
    "DeleteConflict.Group.Policy": (
        "The entity CAN NOT has any attached policy while deleting the group."
    ),
    "DeleteConflict.Role.Policy": (
        "The role CAN NOT has any attached policy while deleting the role."
    ),
    "DeleteConflict.Policy.User": (
        "The policy CAN NOT been attached to any user while deleting the policy."
    ),
    "DeleteConflict.Policy.Group": (
        "The policy CAN NOT been attached to any group while deleting the policy."
    ),
    "DeleteConflict.Policy.Role": (
        "The policy CAN NOT been attached to any role while deleting the policy."
    ),
    "DeleteConflict.Policy.Version": (
        "The policy CAN NOT has any version except the default version."
    ),
    "DeleteConflict.Policy.Version.Default": (
        "The default policy version CAN NOT been deleted directly."
    ),
    "LimitExceeded.User.AccessKey": (
        "The access key count of the user access keys beyond the current limits."
    ),
    "LimitExceeded.Policy.Version": "The count of policy version beyond the current limits.",
    "LimitExceeded.OIDCProvider": "The count of OIDC providers beyond the current limits.",
}
_STATUS = {"EntityNotExist": 404, "EntityAlreadyExists": 409, "DeleteConflict": 409}


def _rename(entity: str) -> str:
    """The store's entity words as RAM's codes spell them."""
    return {"PolicyVersion": "Policy.Version"}.get(entity, entity)


def _code(err: RamStoreError) -> str:
    if isinstance(err, EntityNotExist | EntityAlreadyExists):
        kind = "EntityNotExist" if isinstance(err, EntityNotExist) else "EntityAlreadyExists"
        if err.of is None:
            return f"{kind}.{_rename(err.entity)}"
        # "the policy is not attached to the user" is EntityNotExist.User.Policy
        return f"{kind}.{err.of}.{err.entity}"
    if isinstance(err, DeleteConflict):
        return f"DeleteConflict.{_rename(err.entity)}.{err.blocker}"
    if isinstance(err, LimitExceeded):
        return ".".join(part for part in ("LimitExceeded", err.entity, err.what) if part)
    return "InternalError"


def rpc_error(err: RamStoreError) -> RpcError:
    """The RPC error RAM answers for a store refusal."""
    code = _code(err)
    status = 409 if code.startswith("LimitExceeded") else _STATUS.get(code.split(".")[0], 500)
    return RpcError(status, code, _MESSAGES.get(code, "An internal error occurred."))


def no_permission() -> RpcError:
    return RpcError(
        403,
        "NoPermission",
        "You are not authorized to do this action. You should be authorized by RAM.",
    )
