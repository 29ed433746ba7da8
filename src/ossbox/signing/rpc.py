"""RPC-style (POP) calls: recognising them, reading their parameters, and their signatures.

STS and RAM answer on path `/`. A call carries one of three authentications:
- POP, the classic signature (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0):
      StringToSign = METHOD & %2F & enc(join("&", sorted enc(k)=enc(v)))    (Signature excluded)
      Signature    = base64(HMAC-SHA1(secret + "&", StringToSign))
  with enc the strict RFC 3986 encoding (space as %20). alibabacloud-credentials encodes with
  quote_plus instead (space as "+"), so the verifier also accepts that variant.
- ACS3-HMAC-SHA256 in the Authorization header (see `ossbox.signing.acs3`).
- none at all: AssumeRoleWithOIDC is sent with no AccessKeyId and no signature.
- POP with an RSA key (SignatureMethod=SHA256withRSA, SignatureType=PRIVATEKEY): the same
  string to sign, signed RSASSA-PKCS1-v1_5 / SHA-256 with a KMS ClientKey's private key; the
  AccessKeyId is the ClientKey's id. aliyun-secret-manager-client signs its calls this way.

Parameters come from the query and, for an application/x-www-form-urlencoded body, from the
body (sdk-core signs body parameters too); when a name repeats the first value wins.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ossbox.signing import acs3
from ossbox.signing.http import HttpRequest, parse_query, pop_encode
from ossbox.signing.result import SignatureFormatError, Verification, signatures_equal

POP_SIGNATURE_METHOD = "HMAC-SHA1"
POP_SIGNATURE_VERSION = "1.0"
RSA_SIGNATURE_METHOD = "SHA256withRSA"
RSA_SIGNATURE_TYPE = "PRIVATEKEY"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)
_FORM_TYPE = "application/x-www-form-urlencoded"
# Any of these in the parameters makes the call a POP-signed one (then all must be right).
_POP_MARKERS = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "SecurityToken",
)
_POP_REQUIRED = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "Timestamp",
    "SignatureNonce",
)


class RpcScheme(enum.StrEnum):
    POP = "HMAC-SHA1"
    RSA = "SHA256withRSA"
    ACS3 = "ACS3-HMAC-SHA256"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RpcCall:
    """One RPC call as parsed from the request, before its signature is checked."""

    action: str
    version: str
    params: dict[str, str] = field(repr=False)
    scheme: RpcScheme
    access_key_id: str | None
    security_token: str | None = field(repr=False)
    signature: str | None = field(repr=False)
    timestamp: datetime | None
    nonce: str | None
    response_format: str


# -- errors (POP gateway codes and messages) -------------------------------------------------


def missing_parameter(name: str) -> SignatureFormatError:
    message = (
        f'The input parameter "{name}" that is mandatory for processing this request is not'
        " supplied."
    )
    return SignatureFormatError(400, "MissingParameter", message, argument=name)


def _invalid_timestamp_format(name: str) -> SignatureFormatError:
    message = "Specified time stamp or date value is not well formatted."
    return SignatureFormatError(400, "InvalidTimeStamp.Format", message, argument=name)


def _timestamp_expired() -> SignatureFormatError:
    message = "Specified time stamp or date value is expired."
    return SignatureFormatError(400, "InvalidTimeStamp.Expired", message, argument="Timestamp")


def _invalid_signature_version() -> SignatureFormatError:
    # UNCONFIRMED: the gateway's code for a SignatureVersion other than 1.0 is not documented;
    # this mirrors the documented InvalidSignatureMethod.
    message = "Specified signature version is not valid."
    return SignatureFormatError(
        400, "InvalidSignatureVersion", message, argument="SignatureVersion"
    )


def _invalid_format() -> SignatureFormatError:
    message = "Specified parameter format is not valid."
    return SignatureFormatError(400, "InvalidParameter.Format", message, argument="Format")


def signature_mismatch_message(v: Verification) -> str:
    """The SignatureDoesNotMatch message; sdk-core reads the text after the first ":"."""
    return (
        "Specified signature is not matched with our calculation. "
        f"server string to sign is:{v.string_to_sign}"
    )


# -- recognising and parsing -----------------------------------------------------------------


def _form_pairs(req: HttpRequest) -> list[tuple[str, str]]:
    content_type = (req.header("content-type") or "").partition(";")[0].strip().lower()
    if content_type != _FORM_TYPE or not req.body:
        return []
    return parse_query(req.body.decode("utf-8", errors="replace"))


def request_params(req: HttpRequest) -> dict[str, str]:
    """Query and form-body parameters merged, the first value of a name winning."""
    params: dict[str, str] = {}
    for name, value in req.query() + _form_pairs(req):
        params.setdefault(name, value)
    return params


def is_rpc_request(req: HttpRequest) -> bool:
    """Path `/` and an Action in the query or form body, or an x-acs-action header."""
    if req.raw_path != "/":
        return False
    return req.header("x-acs-action") is not None or "Action" in request_params(req)


def parse_rpc_request(req: HttpRequest) -> RpcCall:
    """Read the call and its authentication parameters; raise SignatureFormatError if malformed."""
    params = request_params(req)
    authorization = req.header("authorization")
    if authorization is not None:
        if not acs3.is_acs3_authorization(authorization):
            raise acs3.incomplete_signature()
        return _parse_acs3(req, params, authorization)
    if any(name in params for name in _POP_MARKERS):
        return _parse_pop(params)
    return _parse_anonymous(req, params)


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise missing_parameter(name)
    return value


def _parse_pop(params: dict[str, str]) -> RpcCall:
    # Action and Version must come from the signed parameters, never from an unsigned header.
    action = _required(params, "Action")
    version = _required(params, "Version")
    for name in _POP_REQUIRED:
        _required(params, name)
    method = params["SignatureMethod"]
    rsa_signed = (
        method == RSA_SIGNATURE_METHOD and params.get("SignatureType") == RSA_SIGNATURE_TYPE
    )
    if method != POP_SIGNATURE_METHOD and not rsa_signed:
        raise acs3.invalid_signature_method()
    if params["SignatureVersion"] != POP_SIGNATURE_VERSION:
        raise _invalid_signature_version()
    return RpcCall(
        action=action,
        version=version,
        params=params,
        scheme=RpcScheme.RSA if rsa_signed else RpcScheme.POP,
        access_key_id=params["AccessKeyId"],
        security_token=params.get("SecurityToken") or None,
        signature=params["Signature"],
        timestamp=parse_timestamp(params["Timestamp"], "Timestamp"),
        nonce=params["SignatureNonce"],
        response_format=_response_format(params),
    )


def _parse_acs3(req: HttpRequest, params: dict[str, str], authorization: str) -> RpcCall:
    auth = acs3.parse_authorization_acs3(authorization)
    action = req.header("x-acs-action") or params.get("Action") or ""
    version = req.header("x-acs-version") or params.get("Version") or ""
    for name, value in (("x-acs-action", action), ("x-acs-version", version)):
        if not value:
            raise missing_parameter(name)
    date = _required_header(req, "x-acs-date")
    nonce = _required_header(req, "x-acs-signature-nonce")
    if acs3.unsigned_required_headers(req, auth.signed_headers):
        raise acs3.incomplete_signature()
    key_header = req.header("x-acs-accesskey-id")
    if key_header is not None and key_header != auth.access_key_id:
        raise acs3.incomplete_signature()
    return RpcCall(
        action=action,
        version=version,
        params=params,
        scheme=RpcScheme.ACS3,
        access_key_id=auth.access_key_id,
        security_token=req.header("x-acs-security-token") or None,
        signature=auth.signature,
        timestamp=parse_timestamp(date, "x-acs-date"),
        nonce=nonce,
        response_format="JSON",
    )


def _required_header(req: HttpRequest, name: str) -> str:
    value = req.header(name)
    if not value:
        raise missing_parameter(name)
    return value


def _parse_anonymous(req: HttpRequest, params: dict[str, str]) -> RpcCall:
    action = params.get("Action") or req.header("x-acs-action")
    version = params.get("Version") or req.header("x-acs-version")
    if not action:
        raise missing_parameter("Action")
    if not version:
        raise missing_parameter("Version")
    raw_time = params.get("Timestamp")
    return RpcCall(
        action=action,
        version=version,
        params=params,
        scheme=RpcScheme.ANONYMOUS,
        access_key_id=None,
        security_token=None,
        signature=None,
        timestamp=parse_timestamp(raw_time, "Timestamp") if raw_time is not None else None,
        nonce=params.get("SignatureNonce") or None,
        response_format=_response_format(params),
    )


def parse_timestamp(value: str, name: str) -> datetime:
    """`yyyy-MM-ddTHH:mm:ssZ` as an aware UTC datetime, else InvalidTimeStamp.Format."""
    if not _TIMESTAMP_RE.fullmatch(value):
        raise _invalid_timestamp_format(name)
    try:
        return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise _invalid_timestamp_format(name) from None


def format_timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def _response_format(params: Mapping[str, str]) -> str:
    # The reference gives JSON as the default; the value is case-insensitive (tea sends "json").
    value = params.get("Format", "JSON").upper()
    if value not in ("JSON", "XML"):
        raise _invalid_format()
    return value


def time_error(
    call: RpcCall, now: datetime, *, skew: timedelta = timedelta(minutes=15)
) -> SignatureFormatError | None:
    """InvalidTimeStamp.Expired when the call's time is more than `skew` away from `now`."""
    if call.timestamp is None:
        return None
    if abs(now - call.timestamp) > skew:
        return _timestamp_expired()
    return None


# -- the POP signature -----------------------------------------------------------------------


def _plus_encode(value: str) -> str:
    """urllib's quote_plus: the strict set, space as "+" (as alibabacloud-credentials signs)."""
    return pop_encode(value).replace("%20", "+")


def string_to_sign_rpc(
    method: str, params: Mapping[str, str], *, quote_plus_variant: bool = False
) -> str:
    """`METHOD&%2F&enc(canonical query)`; the Signature parameter never takes part."""
    encode = _plus_encode if quote_plus_variant else pop_encode
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    return f"{method}&{pop_encode('/')}&{pop_encode(canonical)}"


def rpc_signature(string_to_sign: str, secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def sign_rpc(
    method: str,
    params: Mapping[str, str],
    *,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    now: datetime,
    nonce: str,
    quote_plus_variant: bool = False,
) -> dict[str, str]:
    """The full parameter set to send: `params`, the signature parameters and Signature."""
    signed = dict(params)
    signed.update(
        SignatureMethod=POP_SIGNATURE_METHOD,
        SignatureVersion=POP_SIGNATURE_VERSION,
        Timestamp=format_timestamp(now),
        SignatureNonce=nonce,
        AccessKeyId=access_key_id,
    )
    if security_token:
        signed["SecurityToken"] = security_token
    sts = string_to_sign_rpc(method, signed, quote_plus_variant=quote_plus_variant)
    signed["Signature"] = rpc_signature(sts, access_key_secret)
    return signed


def rsa_signature(string_to_sign: str, private_key: rsa.RSAPrivateKey) -> str:
    signed = private_key.sign(string_to_sign.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signed).decode()


def sign_rpc_rsa(
    method: str,
    params: Mapping[str, str],
    *,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
    nonce: str,
) -> dict[str, str]:
    """The full parameter set of a call signed with a KMS ClientKey (as sdk-core signs it)."""
    signed = dict(params)
    signed.update(
        SignatureMethod=RSA_SIGNATURE_METHOD,
        SignatureType=RSA_SIGNATURE_TYPE,
        SignatureVersion=POP_SIGNATURE_VERSION,
        Timestamp=format_timestamp(now),
        SignatureNonce=nonce,
        AccessKeyId=key_id,
    )
    signed["Signature"] = rsa_signature(string_to_sign_rpc(method, signed), private_key)
    return signed


# -- verification ----------------------------------------------------------------------------


def verify_rpc_rsa(req: HttpRequest, call: RpcCall, public_key: rsa.RSAPublicKey) -> Verification:
    """Check an RSA-signed call (`call.scheme` RSA) against the ClientKey's public key."""
    standard = string_to_sign_rpc(req.method, call.params)
    if call.scheme is not RpcScheme.RSA or call.signature is None:
        return Verification(False, standard, reason="the request is not RSA-signed")
    try:
        signature = base64.b64decode(call.signature, validate=True)
        public_key.verify(signature, standard.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, InvalidSignature):
        return Verification(False, standard, reason="signature does not match")
    return Verification(True, standard)


def verify_rpc(req: HttpRequest, call: RpcCall, secret: str) -> Verification:
    """Check the call's signature against `secret`; `call` comes from `parse_rpc_request(req)`."""
    if call.scheme is RpcScheme.ACS3:
        return acs3.verify_acs3(req, secret)
    if call.scheme in (RpcScheme.ANONYMOUS, RpcScheme.RSA) or call.signature is None:
        return Verification(False, "", reason="the request carries no HMAC signature")
    standard = string_to_sign_rpc(req.method, call.params)
    for sts in dict.fromkeys(
        [standard, string_to_sign_rpc(req.method, call.params, quote_plus_variant=True)]
    ):
        if signatures_equal(rpc_signature(sts, secret), call.signature):
            return Verification(True, sts)
    return Verification(False, standard, reason="signature does not match")
