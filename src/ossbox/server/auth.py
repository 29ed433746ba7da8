"""Authentication of OSS requests: who signed this request, and is the signature good?

The order is the one OSS documents: the signature parameters must be well formed; the
AccessKey must exist and be active; a signed URL must not have expired (checked before its
signature) and a header-signed request must be within the clock skew; then the signature
itself, compared in constant time. Every failure is the exact OSS error.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.signing.oss_auth import OssAuth, Scheme, parse_oss_auth, time_error, verify_oss
from ossbox.signing.result import SignatureFormatError, Verification

PrincipalKind = Literal["anonymous", "root", "user"]


@dataclass(frozen=True)
class Principal:
    """Who made a request. `arn` names it as RAM policies do."""

    kind: PrincipalKind
    account_id: str | None = None
    access_key_id: str | None = None
    name: str = ""
    scheme: str = "anonymous"

    @property
    def arn(self) -> str:
        if self.kind == "root":
            return f"acs:ram::{self.account_id}:root"
        if self.kind == "user":
            return f"acs:ram::{self.account_id}:user/{self.name}"
        return "*"


ANONYMOUS = Principal("anonymous")


def from_format_error(err: SignatureFormatError) -> OssError:
    extra = {}
    if err.argument is not None:
        extra = {"ArgumentName": err.argument, "ArgumentValue": ""}
    return OssError(err.status, err.code, err.message, extra=extra)


def _unknown_key(access_key_id: str, disabled: bool = False) -> OssError:
    state = "is disabled." if disabled else "does not exist in our records."
    return OssError(
        403,
        "InvalidAccessKeyId",
        f"The OSS Access Key Id you provided {state}",
        extra={"OSSAccessKeyId": access_key_id},
    )


def _signature_mismatch(auth: OssAuth, result: Verification) -> OssError:
    sts = result.string_to_sign
    extra = {
        "OSSAccessKeyId": auth.access_key_id,
        "SignatureProvided": auth.signature,
        "StringToSign": sts,
        "StringToSignBytes": " ".join(f"{b:02x}" for b in sts.encode()),
    }
    if result.canonical_request is not None:
        extra["CanonicalRequest"] = result.canonical_request
    return OssError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        extra=extra,
    )


def _check_region(auth: OssAuth, region: str) -> None:
    if auth.scheme in (Scheme.V4_HEADER, Scheme.V4_QUERY) and auth.region != region:
        raise OssError(
            400,
            "InvalidArgument",
            f"Invalid signing region in Authorization header. Expected {region}.",
            extra={"ArgumentName": "x-oss-credential", "ArgumentValue": auth.region or ""},
        )


async def authenticate(ctx: RequestContext) -> Principal:
    """The request's principal, or the OSS error that refuses it."""
    try:
        auth = parse_oss_auth(ctx.http)
    except SignatureFormatError as err:
        raise from_format_error(err) from None
    if auth is None:
        return ANONYMOUS
    key = await asyncio.to_thread(ctx.store.meta.get_access_key, auth.access_key_id)
    if key is None:
        raise _unknown_key(auth.access_key_id)
    if key.status != "Active":
        raise _unknown_key(auth.access_key_id, disabled=True)
    skew = timedelta(seconds=ctx.config.max_skew_seconds)
    late = time_error(auth, ctx.now, skew=skew)
    if late is not None:
        raise from_format_error(late)
    _check_region(auth, ctx.config.region)
    result = verify_oss(ctx.http, auth, bucket=ctx.bucket, key=ctx.key, secret=key.secret)
    if not result.ok:
        raise _signature_mismatch(auth, result)
    kind: PrincipalKind = "root" if key.principal_type == "root" else "user"
    return Principal(kind, key.account_id, key.access_key_id, key.principal_name, str(auth.scheme))
