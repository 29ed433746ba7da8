"""Authentication of STS AccessKeys (`STS.` prefix), shared by the OSS and RPC front doors.

`resolve_sts_key` opens the SecurityToken the request carries and checks it belongs to the
request's AccessKeyId, has not expired and has not been revoked; the caller then verifies the
signature with the secret inside. Each failure maps to the OSS code (`oss_error`) or the POP
gateway code (`rpc_error`) for the same situation.
"""

from __future__ import annotations

import enum
from datetime import datetime

from ossbox.server.errors import OssError
from ossbox.server.rpc.errors import RpcError
from ossbox.server.sts.revocation import is_revoked
from ossbox.server.sts.tokens import ACCESS_KEY_PREFIX, InvalidToken, StsCredentials, open_token
from ossbox.store import Store


class StsFailure(enum.Enum):
    MISSING_TOKEN = enum.auto()
    INVALID = enum.auto()  # not decodable, tampered, truncated, another master key
    MISMATCH = enum.auto()  # a real token, issued with another AccessKeyId
    EXPIRED = enum.auto()
    REVOKED = enum.auto()


class StsKeyError(Exception):
    def __init__(self, failure: StsFailure) -> None:
        super().__init__(failure.name)
        self.failure = failure


def is_sts_key(access_key_id: str) -> bool:
    return access_key_id.startswith(ACCESS_KEY_PREFIX)


def resolve_sts_key(
    store: Store, access_key_id: str, token: str | None, now: datetime
) -> StsCredentials:
    """The credentials behind an STS AccessKeyId, or StsKeyError saying why they are refused."""
    if not token:
        raise StsKeyError(StsFailure.MISSING_TOKEN)
    try:
        credentials = open_token(store.master_key, token)
    except InvalidToken:
        raise StsKeyError(StsFailure.INVALID) from None
    if credentials.access_key_id != access_key_id:
        raise StsKeyError(StsFailure.MISMATCH)
    if credentials.session.expired(now):
        raise StsKeyError(StsFailure.EXPIRED)
    if is_revoked(store.meta, credentials.session):
        raise StsKeyError(StsFailure.REVOKED)
    return credentials


_OSS: dict[StsFailure, tuple[str, str]] = {
    StsFailure.MISSING_TOKEN: (
        "InvalidAccessKeyId",
        "The OSS Access Key Id you provided does not exist in our records.",
    ),
    StsFailure.INVALID: ("InvalidSecurityToken", "The security token you provided is invalid."),
    StsFailure.MISMATCH: (
        "AccessKeyIdAndSecurityTokenNotMatch",
        "The OSS access key id and security token you provided does not match.",
    ),
    StsFailure.EXPIRED: ("SecurityTokenExpired", "The security token you provided has expired."),
    # OSS documents no code of its own for a revoked session; its token is no longer valid.
    StsFailure.REVOKED: ("InvalidSecurityToken", "The security token you provided is invalid."),
}

_RPC: dict[StsFailure, tuple[str, str]] = {
    StsFailure.MISSING_TOKEN: (
        "MissingSecurityToken",
        "SecurityToken is mandatory for this action.",
    ),
    StsFailure.INVALID: ("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed."),
    StsFailure.MISMATCH: (
        "InvalidSecurityToken.MismatchWithAccessKey",
        "Specified SecurityToken mismatch with the AccessKey.",
    ),
    StsFailure.EXPIRED: ("InvalidSecurityToken.Expired", "Specified SecurityToken is expired."),
    StsFailure.REVOKED: ("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed."),
}


def redact(text: str, token: str | None) -> str:
    """`text` (a string to sign echoed in an error) without the SecurityToken in it."""
    return text.replace(token, "<SecurityToken>") if token else text


def oss_error(err: StsKeyError, access_key_id: str) -> OssError:
    code, message = _OSS[err.failure]
    extra = {"OSSAccessKeyId": access_key_id} if code == "InvalidAccessKeyId" else {}
    return OssError(403, code, message, extra=extra)


def rpc_error(err: StsKeyError) -> RpcError:
    code, message = _RPC[err.failure]
    return RpcError(400, code, message)
