"""Server side of OSS request signatures: find the scheme, parse it, check time, verify.

`parse_oss_auth` reads what the client sent (and rejects malformed signatures with OSS's own
status, code and message), `time_error` checks the clock, `verify_oss` recomputes the signature
with the same canonicalization the signers in `oss_v1` / `oss_v4` use.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

from ossbox.signing import oss_v1, oss_v4
from ossbox.signing.http import HttpRequest, parse_query
from ossbox.signing.result import SignatureFormatError, Verification, signatures_equal

_V1_URL_PARAMS = ("OSSAccessKeyId", "Expires", "Signature")
_V4_URL_PARAMS = ("x-oss-signature-version", "x-oss-credential", "x-oss-signature")
_V4_REQUIRED = ("x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}  # noqa: SIM905
_SKEW = timedelta(minutes=15)
_MISMATCH = "signature does not match the string to sign"

# UNCONFIRMED wording (EC 0002-00000235 documents the case, not the message); S3's words.
MSG_NOT_YET_VALID = "Request is not valid yet."
MSG_EXPIRED = "Request has expired."
MSG_SKEWED = "The difference between the request time and the current time is too large."
MSG_NEED_DATE = "OSS authentication requires a valid Date."
MSG_V1_URL_PARAMS = (
    "Query string authentication requires the Signature, Expires and OSSAccessKeyId parameters."
)
MSG_V4_URL_PARAMS = (
    "Query string authentication requires the x-oss-signature, x-oss-date, x-oss-expires and "
    "x-oss-credential parameters."
)
MSG_BAD_EXPIRES = "Invalid date (should be seconds since epoch)."


class Scheme(enum.StrEnum):
    """Where the signature is and which version made it."""

    V1_HEADER = enum.auto()
    V1_QUERY = enum.auto()
    V4_HEADER = enum.auto()
    V4_QUERY = enum.auto()

    @property
    def is_v4(self) -> bool:
        return self in (Scheme.V4_HEADER, Scheme.V4_QUERY)


@dataclass(frozen=True)
class OssAuth:
    """The signature parameters of one request, parsed and checked for form only."""

    scheme: Scheme
    access_key_id: str
    signature: str
    security_token: str | None = field(repr=False)
    date: datetime | None
    expires: datetime | None
    expires_seconds: int | None
    region: str | None
    scope_date: str | None
    product: str | None
    additional_headers: tuple[str, ...]


def parse_oss_auth(req: HttpRequest) -> OssAuth | None:
    """The request's signature parameters; None when it carries no signature (anonymous).

    Raises SignatureFormatError (OSS status, code and message) when they are malformed.
    """
    query = _first_values(_query_pairs(req.raw_query))
    in_url = any(name in query for name in _V1_URL_PARAMS + _V4_URL_PARAMS)
    authorization = req.header("authorization")
    if authorization is not None:
        if in_url:
            raise SignatureFormatError(
                400,
                "InvalidArgument",
                "Authorization header and URL signature parameters cannot both be present.",
                argument="Authorization",
            )
        return _parse_authorization(req, authorization.strip())
    if any(name in query for name in _V4_URL_PARAMS):
        return _parse_v4_query(query)
    if any(name in query for name in _V1_URL_PARAMS):
        return _parse_v1_query(query)
    return None


def time_error(
    auth: OssAuth, now: datetime, *, skew: timedelta = _SKEW
) -> SignatureFormatError | None:
    """The error for a request outside its time window, or None when its time is fine."""
    if auth.scheme in (Scheme.V1_HEADER, Scheme.V4_HEADER):
        if auth.date is None:
            return SignatureFormatError(403, "AccessDenied", MSG_NEED_DATE)
        if abs(now - auth.date) > skew:
            return SignatureFormatError(403, "RequestTimeTooSkewed", MSG_SKEWED)
        return None
    if auth.scheme is Scheme.V4_QUERY and auth.date is not None and auth.date - now > skew:
        return SignatureFormatError(403, "AccessDenied", MSG_NOT_YET_VALID)
    if auth.expires is None or now > auth.expires:
        return SignatureFormatError(403, "AccessDenied", MSG_EXPIRED)
    return None


def verify_oss(
    req: HttpRequest, auth: OssAuth, *, bucket: str | None, key: str | None, secret: str
) -> Verification:
    """Recompute the signature of `req` for the routed `bucket`/`key` and compare it."""
    query = _query_pairs(req.raw_query)
    headers = req.lower_headers()
    if auth.scheme in (Scheme.V1_HEADER, Scheme.V1_QUERY):
        return _verify_v1(req.method, auth, bucket, key, query, headers, secret)
    return _verify_v4(req.method, auth, bucket, key, query, headers, secret)


# --- V1 -------------------------------------------------------------------------------------


def _verify_v1(
    method: str,
    auth: OssAuth,
    bucket: str | None,
    key: str | None,
    query: tuple[tuple[str, str], ...],
    headers: Mapping[str, str],
    secret: str,
) -> Verification:
    if auth.scheme is Scheme.V1_QUERY:
        date_line = _first(query, "Expires")
    else:
        date_line = headers.get("x-oss-date", "").strip() or headers.get("date", "").strip()
    string_to_sign = oss_v1.string_to_sign_v1(method, bucket, key, query, headers, date_line)
    if signatures_equal(oss_v1.signature_v1(secret, string_to_sign), auth.signature):
        return Verification(True, string_to_sign)
    if any(name in oss_v1.OSS_V2_UNSIGNED for name, _ in query):
        # alibabacloud-oss-v2 leaves x-oss-process / x-oss-async-process out of V1.
        lenient = oss_v1.string_to_sign_v1(
            method,
            bucket,
            key,
            query,
            headers,
            date_line,
            subresources=oss_v1.SUBRESOURCES_OSS_V2,
        )
        if signatures_equal(oss_v1.signature_v1(secret, lenient), auth.signature):
            return Verification(True, lenient)
    return Verification(False, string_to_sign, reason=_MISMATCH)


def _parse_authorization(req: HttpRequest, authorization: str) -> OssAuth:
    scheme, _, credentials = authorization.partition(" ")
    if scheme == "OSS":
        return _parse_v1_header(req, authorization, credentials.strip())
    if scheme == oss_v4.ALGORITHM:
        return _parse_v4_header(req, authorization, credentials.strip())
    raise _bad_authorization(authorization)


def _parse_v1_header(req: HttpRequest, authorization: str, credentials: str) -> OssAuth:
    access_key_id, _, signature = credentials.partition(":")
    if not access_key_id or not signature or " " in credentials:
        raise _bad_authorization(authorization)
    x_oss_date = req.header("x-oss-date")
    if x_oss_date:
        date = _parse_http_date(x_oss_date) or _parse_iso_basic(x_oss_date)
    else:
        date = _parse_http_date(req.header("date") or "")
    if date is None:
        raise SignatureFormatError(403, "AccessDenied", MSG_NEED_DATE)
    token = req.header("x-oss-security-token") or req.header("security-token")
    return OssAuth(
        Scheme.V1_HEADER, access_key_id, signature, token, date, None, None, None, None, None, ()
    )


def _parse_v1_query(query: dict[str, str]) -> OssAuth:
    access_key_id = query.get("OSSAccessKeyId", "")
    signature = query.get("Signature", "")
    raw_expires = query.get("Expires", "")
    if not (access_key_id and signature and raw_expires):
        raise SignatureFormatError(403, "AccessDenied", MSG_V1_URL_PARAMS)
    expires = _parse_epoch(raw_expires)
    if expires is None:
        raise SignatureFormatError(403, "AccessDenied", MSG_BAD_EXPIRES)
    token = query.get("security-token") or None
    return OssAuth(
        Scheme.V1_QUERY, access_key_id, signature, token, None, expires, None, None, None, None, ()
    )


# --- V4 -------------------------------------------------------------------------------------


def _verify_v4(
    method: str,
    auth: OssAuth,
    bucket: str | None,
    key: str | None,
    query: tuple[tuple[str, str], ...],
    headers: Mapping[str, str],
    secret: str,
) -> Verification:
    if auth.scheme is Scheme.V4_QUERY:
        datetime_iso = _first(query, "x-oss-date")
    else:
        datetime_iso = headers.get("x-oss-date", "").strip()
    region, product, date = auth.region or "", auth.product or "", auth.scope_date or ""
    canonical = oss_v4.canonical_request_v4(
        method, bucket, key, query, headers, auth.additional_headers
    )
    scope = oss_v4.scope_v4(date, region, product)
    string_to_sign = oss_v4.string_to_sign_v4(datetime_iso, scope, canonical)
    expected = oss_v4.sign_string_v4(secret, date, region, product, string_to_sign)
    if signatures_equal(expected, auth.signature):
        return Verification(True, string_to_sign, canonical)
    return Verification(False, string_to_sign, canonical, reason=_MISMATCH)


def _parse_v4_header(req: HttpRequest, authorization: str, credentials: str) -> OssAuth:
    fields: dict[str, str] = {}
    for part in credentials.split(","):
        name, equals, value = part.strip().partition("=")
        if not equals or name in fields:
            raise _bad_authorization(authorization)
        fields[name] = value.strip()
    credential, signature = fields.get("Credential"), fields.get("Signature")
    if not credential or not signature or not fields.keys() <= _V4_HEADER_FIELDS:
        raise _bad_authorization(authorization)
    access_key_id, scope_date, region, product = oss_v4.parse_credential_v4(
        credential, argument="Authorization"
    )
    raw_date = req.header("x-oss-date") or ""
    date = _parse_iso_basic(raw_date)
    if date is None:
        raise SignatureFormatError(403, "AccessDenied", MSG_NEED_DATE)
    _check_scope_date(scope_date, raw_date, "Authorization", authorization)
    additional = fields.get("AdditionalHeaders", "")
    return OssAuth(
        Scheme.V4_HEADER,
        access_key_id,
        signature,
        req.header("x-oss-security-token"),
        date,
        None,
        None,
        region,
        scope_date,
        product,
        oss_v4.normalize_additional_headers(additional.split(";")),
    )


_V4_HEADER_FIELDS = frozenset({"Credential", "Signature", "AdditionalHeaders"})


def _parse_v4_query(query: dict[str, str]) -> OssAuth:
    version = query.get("x-oss-signature-version")
    if version is not None and version != oss_v4.ALGORITHM:
        raise SignatureFormatError(
            400,
            "InvalidArgument",
            "Unsupported signature version.",  # EC 0002-00000066; OSS2 (legacy V2) is not served
            argument="x-oss-signature-version",
            argument_value=version,
        )
    if version is None or not all(query.get(name) for name in _V4_REQUIRED):
        raise SignatureFormatError(403, "AccessDenied", MSG_V4_URL_PARAMS)
    credential = query["x-oss-credential"]
    access_key_id, scope_date, region, product = oss_v4.parse_credential_v4(
        credential, argument="x-oss-credential"
    )
    raw_date = query["x-oss-date"]
    date = _parse_iso_basic(raw_date)
    if date is None:
        raise SignatureFormatError(403, "AccessDenied", MSG_NEED_DATE)
    _check_scope_date(scope_date, raw_date, "x-oss-credential", credential)
    seconds = _parse_v4_expires(query["x-oss-expires"])
    return OssAuth(
        Scheme.V4_QUERY,
        access_key_id,
        query["x-oss-signature"],
        query.get("x-oss-security-token") or None,
        date,
        date + timedelta(seconds=seconds),
        seconds,
        region,
        scope_date,
        product,
        oss_v4.normalize_additional_headers(query.get("x-oss-additional-headers", "").split(";")),
    )


def parse_v4_date(raw_date: str, scope_date: str, argument: str, value: str) -> datetime:
    """An x-oss-date (ISO 8601 basic, UTC), which must fall on the credential's date."""
    date = _parse_iso_basic(raw_date)
    if date is None:
        raise SignatureFormatError(403, "AccessDenied", MSG_NEED_DATE)
    _check_scope_date(scope_date, raw_date, argument, value)
    return date


def _check_scope_date(scope_date: str, raw_date: str, argument: str, value: str) -> None:
    if raw_date[:8] != scope_date:
        # UNCONFIRMED wording; OSS documents the case (S3-compatible analogue 0002-00000409).
        raise SignatureFormatError(
            400,
            "InvalidArgument",
            "Invalid credential date. Date is not the same as x-oss-date.",
            argument=argument,
            argument_value=value,
        )


def _parse_v4_expires(raw: str) -> int:
    seconds = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 1 <= seconds <= oss_v4.MAX_EXPIRES:
        # EC 0002-00000232; UNCONFIRMED code and wording.
        raise SignatureFormatError(
            400,
            "InvalidArgument",
            f"x-oss-expires must be an integer from 1 to {oss_v4.MAX_EXPIRES}.",
            argument="x-oss-expires",
            argument_value=raw,
        )
    return seconds


# --- shared helpers -------------------------------------------------------------------------


def _bad_authorization(value: str) -> SignatureFormatError:
    return SignatureFormatError(
        400,
        "InvalidArgument",
        "Authorization header is invalid.",
        argument="Authorization",
        argument_value=value,
    )


@lru_cache(maxsize=64)
def _query_pairs(raw_query: str) -> tuple[tuple[str, str], ...]:
    """Decoded query pairs; cached, as parse and verify of one request both need them."""
    return tuple(parse_query(raw_query))


def _first_values(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values


def _first(pairs: tuple[tuple[str, str], ...], name: str) -> str:
    return next((value for key, value in pairs if key == name), "")


def _parse_epoch(raw: str) -> datetime | None:
    if not (raw.isascii() and raw.isdigit()):
        return None
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _parse_iso_basic(raw: str) -> datetime | None:
    """`yyyymmddThhmmssZ` → aware UTC datetime, or None."""
    raw = raw.strip()
    if len(raw) != 16 or raw[8] != "T" or raw[15] != "Z":
        return None
    digits = raw[:8] + raw[9:15]
    if not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return datetime(
            int(raw[0:4]),
            int(raw[4:6]),
            int(raw[6:8]),
            int(raw[9:11]),
            int(raw[11:13]),
            int(raw[13:15]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _parse_http_date(raw: str) -> datetime | None:
    """An HTTP date (IMF-fixdate fast path; RFC 850 and asctime too) in GMT, or None."""
    raw = raw.strip()
    fast = _parse_imf_fixdate(raw)
    if fast is not None or not raw:
        return fast
    try:
        parsed = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_imf_fixdate(raw: str) -> datetime | None:
    """`Wed, 25 Nov 2026 04:18:59 GMT`, or None when it is not exactly that shape."""
    if len(raw) != 29 or raw[3:5] != ", " or not raw.endswith(" GMT"):
        return None
    month = _MONTHS.get(raw[8:11])
    digits = raw[5:7] + raw[12:16] + raw[17:19] + raw[20:22] + raw[23:25]
    if month is None or not (digits.isascii() and digits.isdigit()):
        return None
    if raw[7] != " " or raw[11] != " " or raw[16] != " " or raw[19] != ":" or raw[22] != ":":
        return None
    try:
        return datetime(
            int(raw[12:16]),
            month,
            int(raw[5:7]),
            int(raw[17:19]),
            int(raw[20:22]),
            int(raw[23:25]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
