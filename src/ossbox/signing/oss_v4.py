"""OSS signature V4 (OSS4-HMAC-SHA256): canonical request, string to sign, signing key.

One canonicalization, `canonical_request_v4`, serves the client (sign) and the server (verify).
CanonicalRequest = VERB \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n
AdditionalHeaders \\n HashedPayload (protocol-spec §2.4, §2.5).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import quote

from ossbox.signing.result import SignatureFormatError

ALGORITHM = "OSS4-HMAC-SHA256"
REQUEST_TYPE = "aliyun_v4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_EXPIRES = 604800  # 7 days, the cap of a V4 signed URL

_DEFAULT_SIGNED = frozenset({"content-type", "content-md5"})
_NO_HEADERS: Mapping[str, str] = {}
_SET_BY_V4_SIGNER_NO_TOKEN = frozenset({"authorization", "x-oss-date"})
_SET_BY_V4_SIGNER = _SET_BY_V4_SIGNER_NO_TOKEN | {"x-oss-security-token"}
# Fast paths around urllib's quote() for the common shapes (ids, dates, scopes, base64).
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
_UNRESERVED_OR_SLASH = re.compile(r"[A-Za-z0-9_.~/-]*").fullmatch
_BASE64_OR_SCOPE = re.compile(r"[A-Za-z0-9_.~/+=-]*").fullmatch


def encode(value: str) -> str:
    """Strict RFC 3986 encoding: all but A-Z a-z 0-9 - _ . ~ as upper-case %XX (`/` too)."""
    if _UNRESERVED(value):
        return value
    if _BASE64_OR_SCOPE(value):
        return value.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
    return quote(value, safe="")


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The query string to put on the wire (`k=v&flag`), strictly encoded."""
    return "&".join(f"{encode(k)}={encode(v)}" if v else encode(k) for k, v in pairs)


def canonical_uri_v4(bucket: str | None, key: str | None) -> str:
    """uri-encode(`/`, `/bucket/` or `/bucket/key`), keeping `/`."""
    if not bucket:
        return "/"
    path = f"/{bucket}/{key or ''}"
    return path if _UNRESERVED_OR_SLASH(path) else quote(path, safe="/")


def canonical_query_v4(query_pairs: Iterable[tuple[str, str]]) -> str:
    """Every param but x-oss-signature, encoded strictly, sorted, `k` alone when empty."""
    encoded = sorted(
        (encode(name), encode(value)) for name, value in query_pairs if name != "x-oss-signature"
    )
    return "&".join(f"{name}={value}" if value else name for name, value in encoded)


def normalize_additional_headers(names: Iterable[str]) -> tuple[str, ...]:
    """Lower-case, trimmed, de-duplicated and sorted header names."""
    return tuple(sorted({name.strip().lower() for name in names} - {""}))


def canonical_request_v4(
    method: str,
    bucket: str | None,
    key: str | None,
    query_pairs: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    additional_headers: Sequence[str] = (),
) -> str:
    """The V4 canonical request; `headers` may use any case, `additional_headers` sorted."""
    signed_names = (
        _DEFAULT_SIGNED.union(additional_headers) if additional_headers else _DEFAULT_SIGNED
    )
    canonical: list[tuple[str, str]] = []
    payload_hash = UNSIGNED_PAYLOAD
    for name, value in headers.items():
        lower = name.lower()
        if lower.startswith("x-oss-") or lower in signed_names:
            canonical.append((lower, value.strip()))
            if lower == "x-oss-content-sha256":
                payload_hash = value.strip()
    canonical.sort()
    return "\n".join(
        (
            method,
            canonical_uri_v4(bucket, key),
            canonical_query_v4(query_pairs),
            "".join(f"{name}:{value}\n" for name, value in canonical),
            ";".join(additional_headers),
            payload_hash,
        )
    )


def scope_v4(date: str, region: str, product: str = "oss") -> str:
    """`yyyymmdd/region/product/aliyun_v4_request`."""
    return f"{date}/{region}/{product}/{REQUEST_TYPE}"


def string_to_sign_v4(datetime_iso: str, scope: str, canonical_request: str) -> str:
    """`OSS4-HMAC-SHA256 \\n x-oss-date \\n scope \\n hex(sha256(canonical request))`."""
    digest = hashlib.sha256(canonical_request.encode()).hexdigest()
    return f"{ALGORITHM}\n{datetime_iso}\n{scope}\n{digest}"


@lru_cache(maxsize=256)
def signing_key_v4(secret: str, date: str, region: str, product: str = "oss") -> bytes:
    """HMAC-SHA256 chain: "aliyun_v4"+secret → date → region → product → aliyun_v4_request."""
    key = ("aliyun_v4" + secret).encode()
    for part in (date, region, product, REQUEST_TYPE):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def signature_v4(signing_key: bytes, string_to_sign: str) -> str:
    """hex(HMAC-SHA256(signing key, string to sign))."""
    return hmac.digest(signing_key, string_to_sign.encode(), "sha256").hex()


@lru_cache(maxsize=256)
def _keyed_hmac(secret: str, date: str, region: str, product: str) -> hmac.HMAC:
    return hmac.new(signing_key_v4(secret, date, region, product), digestmod=hashlib.sha256)


def sign_string_v4(secret: str, date: str, region: str, product: str, string_to_sign: str) -> str:
    """signature_v4 with the signing key's HMAC state cached (the hot path)."""
    mac = _keyed_hmac(secret, date, region, product).copy()
    mac.update(string_to_sign.encode())
    return mac.hexdigest()


def iso_basic(moment: datetime) -> str:
    """`yyyymmddThhmmssZ` (UTC) of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    return _iso_basic_of_second(int(moment.timestamp() // 1))


@lru_cache(maxsize=8)
def _iso_basic_of_second(epoch_second: int) -> str:
    t = datetime.fromtimestamp(epoch_second, UTC)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}{t.second:02d}Z"


def parse_credential_v4(value: str, *, argument: str) -> tuple[str, str, str, str]:
    """Split `AK/yyyymmdd/region/product/aliyun_v4_request` into (ak, date, region, product).

    Raises 400 InvalidArgument naming `argument` (where the credential came from).
    """
    parts = value.split("/")
    if len(parts) == 5 and parts[4] == REQUEST_TYPE and all(parts[:4]):
        access_key_id, date, region, product = parts[:4]
        if len(date) == 8 and date.isascii() and date.isdigit():
            return access_key_id, date, region, product
    raise SignatureFormatError(
        400,
        "InvalidArgument",
        f"Invalid credential in {argument}.",
        argument=argument,
        argument_value=value,
    )


def signed_additional_headers(
    headers: Mapping[str, str], additional_headers: Iterable[str]
) -> tuple[str, ...]:
    """What a client lists as AdditionalHeaders: asked-for headers present with a value,
    other than the ones always signed (x-oss-*, content-type, content-md5)."""
    present = {name.lower() for name, value in headers.items() if value}
    return normalize_additional_headers(
        name
        for name in additional_headers
        if (lower := name.strip().lower()) in present
        and lower not in _DEFAULT_SIGNED
        and not lower.startswith("x-oss-")
    )


def sign_v4_header(
    *,
    method: str,
    bucket: str | None,
    key: str | None,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] = _NO_HEADERS,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    region: str,
    product: str = "oss",
    additional_headers: Iterable[str] = (),
    now: datetime,
) -> dict[str, str]:
    """The complete headers to send: the given ones plus x-oss-date, x-oss-content-sha256
    (UNSIGNED-PAYLOAD unless given), the token and Authorization."""
    replaced = _SET_BY_V4_SIGNER if security_token else _SET_BY_V4_SIGNER_NO_TOKEN
    out: dict[str, str] = {}
    payload_hash = UNSIGNED_PAYLOAD
    for name, value in headers.items():
        lower = name.lower()
        if lower == "x-oss-content-sha256":
            payload_hash = value
        elif lower not in replaced:
            out[name] = value
    datetime_iso = iso_basic(now)
    out["x-oss-date"] = datetime_iso
    out["x-oss-content-sha256"] = payload_hash
    if security_token:
        out["x-oss-security-token"] = security_token
    additional = signed_additional_headers(out, additional_headers)
    scope = scope_v4(datetime_iso[:8], region, product)
    canonical = canonical_request_v4(method, bucket, key, query, out, additional)
    string_to_sign = string_to_sign_v4(datetime_iso, scope, canonical)
    signature = sign_string_v4(access_key_secret, datetime_iso[:8], region, product, string_to_sign)
    listed = f",AdditionalHeaders={';'.join(additional)}" if additional else ""
    out["Authorization"] = (
        f"{ALGORITHM} Credential={access_key_id}/{scope}{listed},Signature={signature}"
    )
    return out


def presign_v4(
    *,
    method: str,
    bucket: str | None,
    key: str | None,
    query: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] = _NO_HEADERS,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    region: str,
    product: str = "oss",
    expires: int,
    additional_headers: Iterable[str] = (),
    now: datetime,
) -> list[tuple[str, str]]:
    """The query pairs of a V4 signed URL, in oss2's wire order, x-oss-signature last.

    `expires` is relative to `now`, 1..604800 s. The x-oss-*, content-type, content-md5 and
    additional headers in `headers` are signed, so the requester must send them.
    """
    if not 1 <= expires <= MAX_EXPIRES:
        raise ValueError(f"expires must be 1..{MAX_EXPIRES} seconds, got {expires}")
    datetime_iso = iso_basic(now)
    scope = scope_v4(datetime_iso[:8], region, product)
    additional = signed_additional_headers(headers, additional_headers)
    pairs = list(query)
    if security_token:
        pairs.append(("x-oss-security-token", security_token))
    pairs.append(("x-oss-date", datetime_iso))
    pairs.append(("x-oss-expires", str(expires)))
    pairs.append(("x-oss-signature-version", ALGORITHM))
    pairs.append(("x-oss-credential", f"{access_key_id}/{scope}"))
    if additional:
        pairs.append(("x-oss-additional-headers", ";".join(additional)))
    canonical = canonical_request_v4(method, bucket, key, pairs, headers, additional)
    string_to_sign = string_to_sign_v4(datetime_iso, scope, canonical)
    signature = sign_string_v4(access_key_secret, datetime_iso[:8], region, product, string_to_sign)
    pairs.append(("x-oss-signature", signature))
    return pairs
