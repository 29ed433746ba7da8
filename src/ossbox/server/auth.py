"""Authentication of OSS requests: who signed this request, and is the signature good?

The order is the one OSS documents: the signature parameters must be well formed; the
AccessKey must exist and be active; a signed URL must not have expired (checked before its
signature) and a header-signed request must be within the clock skew; then the signature
itself, compared in constant time. Every failure is the exact OSS error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.sts.credentials import (
    StsKeyError,
    is_sts_key,
    oss_error,
    redact,
    resolve_sts_key,
)
from ossbox.server.sts.tokens import RoleSession
from ossbox.server.url_restrictions import (
    EC_IP_V1,
    EC_IP_V4,
    SourceRule,
    admitted,
    as_signed,
    check_vpc,
    source_rule,
)
from ossbox.signing.oss_auth import OssAuth, parse_oss_auth, time_error, verify_oss
from ossbox.signing.result import SignatureFormatError, Verification

# "application": a KMS application access point, signed in with one of its ClientKeys.
PrincipalKind = Literal["anonymous", "root", "user", "assumed-role", "application"]


@dataclass(frozen=True)
class Principal:
    """Who made a request. `arn` names it as RAM policies do."""

    kind: PrincipalKind
    account_id: str | None = None
    access_key_id: str | None = None
    name: str = ""  # the user name; for an assumed role, the role name
    scheme: str = "anonymous"
    session: RoleSession | None = None  # set for STS credentials (kind "assumed-role")

    @property
    def arn(self) -> str:
        if self.session is not None:
            return self.session.arn
        if self.kind == "root":
            return f"acs:ram::{self.account_id}:root"
        if self.kind == "user":
            return f"acs:ram::{self.account_id}:user/{self.name}"
        if self.kind == "application":
            return f"acs:kms::{self.account_id}:aap/{self.name}"  # UNCONFIRMED: AAP ARN form
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


def _signature_mismatch(
    auth: OssAuth, result: Verification, rule: SourceRule | None = None
) -> OssError:
    sts = redact(result.string_to_sign, auth.security_token)
    extra = {
        "OSSAccessKeyId": auth.access_key_id,
        "SignatureProvided": auth.signature,
        "StringToSign": sts,
        "StringToSignBytes": " ".join(f"{b:02x}" for b in sts.encode()),
    }
    if result.canonical_request is not None:
        extra["CanonicalRequest"] = redact(result.canonical_request, auth.security_token)
    if rule is not None:  # OSS's codes for a URL used from outside the network it names
        extra["EC"] = EC_IP_V4 if auth.scheme.is_v4 else EC_IP_V1
    return OssError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        extra=extra,
    )


def _check_region(auth: OssAuth, region: str) -> None:
    if auth.scheme.is_v4 and auth.region != region:
        raise OssError(
            400,
            "InvalidArgument",
            f"Invalid signing region in Authorization header. Expected {region}.",
            extra={"ArgumentName": "x-oss-credential", "ArgumentValue": auth.region or ""},
        )


async def authenticate(ctx: RequestContext) -> Principal:
    """The request's principal, or the OSS error that refuses it (recorded for the audit)."""
    return await ctx.audit.signed_in(_authenticate(ctx))


async def _authenticate(ctx: RequestContext) -> Principal:
    try:
        auth = parse_oss_auth(ctx.http)
    except SignatureFormatError as err:
        raise from_format_error(err) from None
    if auth is None:
        return ANONYMOUS
    principal, secret = await principal_and_secret(ctx, auth)
    skew = timedelta(seconds=ctx.config.max_skew_seconds)
    late = time_error(auth, ctx.now, skew=skew)
    if late is not None:
        raise from_format_error(late)
    _check_region(auth, ctx.config.region)
    rule = source_rule(ctx)
    signed = as_signed(ctx.http, rule)
    result = verify_oss(signed, auth, bucket=ctx.bucket, key=ctx.key, secret=secret)
    if not result.ok or (rule is not None and not admitted(rule)):
        raise _signature_mismatch(auth, result, rule)
    check_vpc(ctx)
    return principal


async def principal_and_secret(ctx: RequestContext, auth: OssAuth) -> tuple[Principal, str]:
    """The owner and secret of the AccessKey (permanent, or STS with its token) `auth` names."""
    ctx.audit.access_key_id = auth.access_key_id
    if is_sts_key(auth.access_key_id):
        found = _sts_principal(ctx, auth)
    else:
        found = await _key_principal(ctx, auth)
    ctx.audit.principal = found[0]  # whose key it is, even if the signature then fails
    return found


async def _key_principal(ctx: RequestContext, auth: OssAuth) -> tuple[Principal, str]:
    """A permanent AccessKey's owner and secret, from the store."""
    key = ctx.store.meta.get_access_key(auth.access_key_id)  # inline: a primary-key read
    if key is None:
        raise _unknown_key(auth.access_key_id)
    if key.status != "Active":
        raise _unknown_key(auth.access_key_id, disabled=True)
    kind: PrincipalKind = "root" if key.principal_type == "root" else "user"
    principal = Principal(
        kind, key.account_id, key.access_key_id, key.principal_name, str(auth.scheme)
    )
    return principal, key.secret


def _sts_principal(ctx: RequestContext, auth: OssAuth) -> tuple[Principal, str]:
    """An STS AccessKey's role session and secret, from its SecurityToken alone."""
    try:
        creds = resolve_sts_key(ctx.store, auth.access_key_id, auth.security_token, ctx.now)
    except StsKeyError as err:
        raise oss_error(err, auth.access_key_id) from None
    return sts_principal(creds.session, creds.access_key_id, str(auth.scheme)), creds.secret


def sts_principal(session: RoleSession, access_key_id: str, scheme: str) -> Principal:
    """The principal of a request signed with STS credentials."""
    return Principal(
        "assumed-role", session.account_id, access_key_id, session.role_name, scheme, session
    )
