"""KMS's error codes and messages (the shared-gateway and dkms SDKs' error tables)."""

from __future__ import annotations

from ossbox.server.rpc.errors import RpcError


def resource_not_found() -> RpcError:
    # UNCONFIRMED: the message text; code and status are what KMS clients test for.
    return RpcError(404, "Forbidden.ResourceNotFound", "Resource not found.")


def no_permission() -> RpcError:
    return RpcError(
        403, "Forbidden.NoPermission", "This operation is forbidden by permission system."
    )


def invalid_parameter(name: str) -> RpcError:
    # UNCONFIRMED: KMS's exact code for a malformed parameter value.
    return RpcError(400, "InvalidParameter", f"The specified parameter {name} is not valid.")


def already_exists() -> RpcError:
    return RpcError(409, "Rejected.ResourceExist", "The resource already exists.")


def rotation_failed(reason: str) -> RpcError:
    # UNCONFIRMED: KMS documents no code for a RAM secret whose rotation cannot proceed.
    return RpcError(400, "Rejected.RotationFailed", f"The secret cannot be rotated: {reason}")
