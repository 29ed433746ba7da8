"""KMS Secrets Manager actions (Version 2016-01-20): GetSecretValue, DescribeSecret,
RotateSecret, ListSecrets, for managed RAM-credential secrets.

GetSecretValue answers `SecretData` = `{"AccessKeyId","AccessKeySecret","GenerateTimestamp"}`
of the ACSCurrent version (or ACSPrevious when asked). A secret whose automatic rotation is
due is rotated before it is read, so a reader never gets a version older than the schedule
allows, whichever process serves it.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

from ossbox.server.kms import rotation
from ossbox.server.kms.authorize import authorize, authorizer, secret_arn
from ossbox.server.kms.clientkeys import KMS_VERSION
from ossbox.server.kms.errors import (
    already_exists,
    invalid_parameter,
    resource_not_found,
    rotation_failed,
)
from ossbox.server.ram.shapes import iso
from ossbox.server.rpc.dispatch import RpcAction, RpcContext
from ossbox.server.rpc.errors import RpcError, missing_parameter
from ossbox.store.kms import (
    CURRENT,
    PREVIOUS,
    RamSecret,
    RotationFailed,
    SecretExists,
    SecretNotFound,
    SecretVersion,
)

VERSION = KMS_VERSION
# KMS's rule for secret names (CreateSecret): letters, digits and _/+=.@-, 1 to 192 of them.
SECRET_NAME = re.compile(r"[A-Za-z0-9_/+=.@-]{1,192}", re.ASCII)


def _secret_name(rpc: RpcContext) -> str:
    given = rpc.params.get("SecretName")
    if not given:
        raise missing_parameter("SecretName")
    prefix = f"acs:kms:{rpc.request.config.region}:{rpc.principal.account_id}:secret/"
    name = given.removeprefix(prefix)  # the name or the secret's ARN
    if not SECRET_NAME.fullmatch(name):
        raise invalid_parameter("SecretName")
    return name


def _flag(rpc: RpcContext, name: str) -> bool:
    value = rpc.params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise invalid_parameter(name)
    return value == "true"


def _number(rpc: RpcContext, name: str, default: int, upper: int) -> int:
    """A positive integer parameter up to `upper` (PageNumber, PageSize)."""
    raw = rpc.params.get(name)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 1 <= int(raw) <= upper):
        raise invalid_parameter(name)
    return int(raw)


def _load(rpc: RpcContext, name: str) -> RamSecret:
    """The secret, rotated first if due. Blocking."""
    store = rpc.request.store.kms
    secret = store.get_secret(rpc.principal.account_id or "", name)
    if secret is None:
        raise resource_not_found()
    try:
        return rotation.rotate_if_due(secret, store, rpc.request.now)
    except SecretNotFound:
        raise resource_not_found() from None


def _rotation_fields(secret: RamSecret) -> dict[str, Any]:
    fields: dict[str, Any] = {"AutomaticRotation": secret.automatic_rotation}
    if secret.automatic_rotation == "Enabled" and secret.next_rotation is not None:
        fields["RotationInterval"] = f"{secret.rotation_interval}s"
        fields["NextRotationDate"] = iso(secret.next_rotation)
    if secret.last_rotation is not None:
        fields["LastRotationDate"] = iso(secret.last_rotation)
    return fields


def _extended_config(secret: RamSecret) -> str:
    config = {"SecretSubType": "RamUserAccessKey", "UserName": secret.ram_user, "CustomData": {}}
    return json.dumps(config)


def _version(secret: RamSecret, version_id: str | None, stage: str | None) -> SecretVersion:
    """The version a VersionId and/or VersionStage name (ACSCurrent by default); both given,
    they must name the same one."""
    staged = secret.version(stage) if stage else None
    if version_id:
        found = next(
            (v for v in (secret.current, secret.previous) if v and v.version_id == version_id),
            None,
        )
        if found is None or (stage and found is not staged):
            raise resource_not_found()
        return found
    version = staged if stage else secret.current
    if version is None:
        raise resource_not_found()
    return version


def get_secret_value(rpc: RpcContext) -> dict[str, Any]:
    name = _secret_name(rpc)
    authorize(rpc, name)
    version_id = rpc.params.get("VersionId")
    stage = rpc.params.get("VersionStage") or CURRENT
    if stage not in (CURRENT, PREVIOUS):
        raise invalid_parameter("VersionStage")
    fetch_extended = _flag(rpc, "FetchExtendedConfig")
    secret = _load(rpc, name)
    version = _version(secret, version_id, rpc.params.get("VersionStage"))
    stage = CURRENT if version is secret.current else PREVIOUS
    data = {
        "AccessKeyId": version.access_key_id,
        "AccessKeySecret": version.access_key_secret,
        "GenerateTimestamp": iso(version.created),
    }
    answer: dict[str, Any] = {
        "SecretName": secret.name,
        "VersionId": version.version_id,
        "SecretData": json.dumps(data),
        "SecretType": secret.secret_type,
        "SecretDataType": "text",
        "VersionStages": {"VersionStage": [stage]},
        "CreateTime": iso(secret.created),
        **_rotation_fields(secret),
    }
    if fetch_extended:
        answer["ExtendedConfig"] = _extended_config(secret)
    return answer


def describe_secret(rpc: RpcContext) -> dict[str, Any]:
    name = _secret_name(rpc)
    authorize(rpc, name)
    secret = _load(rpc, name)
    return {
        "Arn": secret_arn(rpc, secret.name),
        "SecretName": secret.name,
        "SecretType": secret.secret_type,
        "Description": secret.description,
        "CreateTime": iso(secret.created),
        "UpdateTime": iso(secret.updated),
        "ExtendedConfig": _extended_config(secret),
        **_rotation_fields(secret),
    }


def rotate_secret(rpc: RpcContext) -> dict[str, Any]:
    name = _secret_name(rpc)
    authorize(rpc, name)
    version_id = rpc.params.get("VersionId")
    if not version_id:
        raise missing_parameter("VersionId")
    if len(version_id) > 64:
        raise invalid_parameter("VersionId")
    account = rpc.principal.account_id or ""
    try:
        secret = rotation.rotate_now(
            rpc.request.store.kms, account, name, rpc.request.now, version_id
        )
    except SecretNotFound:
        raise resource_not_found() from None
    except SecretExists:  # UNCONFIRMED: the code KMS gives a VersionId the secret already has
        raise already_exists() from None
    except RotationFailed as err:
        raise rotation_failed(err.reason) from None
    return {
        "Arn": secret_arn(rpc, secret.name),
        "SecretName": secret.name,
        "VersionId": secret.current.version_id,
    }


def list_secrets(rpc: RpcContext) -> dict[str, Any]:
    """The caller's readable secrets by name, PageSize (1..100, default 10) at a time."""
    account = rpc.principal.account_id or ""
    number = _number(rpc, "PageNumber", 1, 2**31 - 1)
    size = _number(rpc, "PageSize", 10, 100)
    visible, check = [], authorizer(rpc)
    for secret in rpc.request.store.kms.list_secrets(account):
        try:
            check(secret.name)
        except RpcError:  # not readable by this caller: not listed either
            continue
        visible.append(
            {
                "SecretName": secret.name,
                "SecretType": secret.secret_type,
                "CreateTime": iso(secret.created),
                "UpdateTime": iso(secret.updated),
            }
        )
    start = (number - 1) * size
    return {
        "SecretList": {"Secret": visible[start : start + size]},
        "TotalCount": len(visible),
        "PageNumber": number,
        "PageSize": size,
    }


def _action(handler: Callable[[RpcContext], dict[str, Any]]) -> RpcAction:
    async def run(rpc: RpcContext) -> dict[str, Any]:
        return await asyncio.to_thread(handler, rpc)

    return RpcAction(run, xml_root="KMS")  # as KMS's XML answers are rooted


ACTIONS: dict[str, RpcAction] = {
    "GetSecretValue": _action(get_secret_value),
    "DescribeSecret": _action(describe_secret),
    "RotateSecret": _action(rotate_secret),
    "ListSecrets": _action(list_secrets),
}
