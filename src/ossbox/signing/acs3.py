"""ACS3-HMAC-SHA256, the header signature of the V3 (tea/darabonba) Alibaba Cloud SDKs.

Recipe (alibabacloud_tea_openapi `get_authorization`, checked against the captured requests):

    CanonicalRequest = METHOD \n pathname \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders
                       \n hex(sha256(body))  (the x-acs-content-sha256 header)
    StringToSign     = "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest))
    Signature        = hex(HMAC-SHA256(secret, StringToSign))       (no key derivation)

Canonical query: pairs sorted by name, `name=quote(value, safe="~")`. The Python SDK leaves the
name raw while the published spec encodes it too; they differ only for names outside
A-Z a-z 0-9 - _ . ~, and the verifier accepts both. Canonical headers: the lower-cased names of
SignedHeaders with their stripped values, repeated values sorted and joined by ",". The Host
value is signed verbatim, so `http://127.0.0.1:PORT` (tea with a scheme in the endpoint) works.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ossbox.signing.http import HttpRequest, pop_encode
from ossbox.signing.result import SignatureFormatError, Verification, signatures_equal

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# Algorithms the SDKs can send that ossbox does not verify.
_OTHER_ACS3_ALGORITHMS = ("ACS3-HMAC-SM3", "ACS3-RSA-SHA256")

# The V3 spec: every common request header that is present must be signed. content-type is
# added when a body is present, since it decides how the body is read into parameters.
_MUST_SIGN = (
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
    "x-acs-accesskey-id",
)


def incomplete_signature() -> SignatureFormatError:
    return SignatureFormatError(
        400, "IncompleteSignature", "The request signature does not conform to Aliyun standards."
    )


def invalid_signature_method() -> SignatureFormatError:
    return SignatureFormatError(
        400, "InvalidSignatureMethod", "Specified signature method is not valid."
    )


@dataclass(frozen=True)
class Acs3Authorization:
    """The parts of an `Authorization: ACS3-HMAC-SHA256 ...` header."""

    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str = field(repr=False)


def is_acs3_authorization(value: str | None) -> bool:
    return value is not None and value.startswith("ACS3-")


def parse_authorization_acs3(value: str) -> Acs3Authorization:
    """Parse `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`.

    Another ACS3 algorithm (SM3, RSA) is InvalidSignatureMethod; anything malformed is
    IncompleteSignature.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm in _OTHER_ACS3_ALGORITHMS:
        raise invalid_signature_method()
    if algorithm != ACS3_ALGORITHM:
        raise incomplete_signature()
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, item = part.strip().partition("=")
        if not sep or name in fields:
            raise incomplete_signature()
        fields[name] = item.strip()
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        raise incomplete_signature()
    names = tuple(fields["SignedHeaders"].split(";"))
    if not fields["Credential"] or not fields["Signature"] or not all(names):
        raise incomplete_signature()
    return Acs3Authorization(fields["Credential"], names, fields["Signature"])


def unsigned_required_headers(req: HttpRequest, signed: Sequence[str]) -> list[str]:
    """The headers present in `req` that the V3 rules require in SignedHeaders but are not."""
    present = req.lower_headers()
    required = [name for name in _MUST_SIGN if name in present]
    if req.body and "content-type" in present:
        required.append("content-type")
    signed_lower = {name.lower() for name in signed}
    return [name for name in required if name not in signed_lower]


def canonical_query_acs3(pairs: Iterable[tuple[str, str]], *, encode_names: bool = False) -> str:
    """Sorted `name=quote(value, safe="~")` joined by "&"; names raw unless `encode_names`."""
    items = [(pop_encode(k) if encode_names else k, pop_encode(v)) for k, v in pairs]
    return "&".join(f"{k}={v}" for k, v in sorted(items))


def canonical_headers_acs3(headers: Iterable[tuple[str, str]], names: Sequence[str]) -> str:
    """`name:value\\n` for each of `names` (in that order) from the (name, value) pairs.

    Values are stripped; a name that repeats has its values sorted and joined by ",". A name
    absent from `headers` is a KeyError.
    """
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value.strip())
    lines = []
    for name in names:
        lower = name.lower()
        lines.append(f"{lower}:{','.join(sorted(values[lower]))}\n")
    return "".join(lines)


def canonical_request_acs3(
    *,
    method: str,
    pathname: str,
    canonical_query: str,
    canonical_headers: str,
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    return "\n".join(
        [
            method,
            pathname or "/",
            canonical_query,
            canonical_headers,
            ";".join(name.lower() for name in signed_headers),
            payload_hash,
        ]
    )


def string_to_sign_acs3(canonical_request: str) -> str:
    return f"{ACS3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def signature_acs3(secret: str, string_to_sign: str) -> str:
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()


def format_acs3_date(now: datetime) -> str:
    return now.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def sign_acs3(
    *,
    method: str,
    pathname: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    access_key_secret: str,
    security_token: str | None = None,
    action: str,
    version: str,
    now: datetime,
    nonce: str,
) -> dict[str, str]:
    """The complete headers to send, Authorization included, as the tea SDKs build them.

    Every header in `headers` is signed, so it must hold the Host value the client will send
    (plus accept, user-agent, content-type... as wanted). The query goes on the wire in any
    form-decodable encoding; its pairs are signed, not its bytes.
    """
    if not any(name.lower() == "host" for name in headers):
        raise ValueError("headers must include the Host value that will be sent")
    out = dict(headers)
    out["x-acs-action"] = action
    out["x-acs-version"] = version
    out["x-acs-date"] = format_acs3_date(now)
    out["x-acs-signature-nonce"] = nonce
    out["x-acs-content-sha256"] = hashlib.sha256(body).hexdigest()
    if security_token:
        out["x-acs-accesskey-id"] = access_key_id
        out["x-acs-security-token"] = security_token
    names = sorted({name.lower() for name in out})
    canonical = canonical_request_acs3(
        method=method,
        pathname=pathname,
        canonical_query=canonical_query_acs3(query.items()),
        canonical_headers=canonical_headers_acs3(out.items(), names),
        signed_headers=names,
        payload_hash=out["x-acs-content-sha256"],
    )
    signature = signature_acs3(access_key_secret, string_to_sign_acs3(canonical))
    out["Authorization"] = (
        f"{ACS3_ALGORITHM} Credential={access_key_id},"
        f"SignedHeaders={';'.join(names)},Signature={signature}"
    )
    return out


def verify_acs3(req: HttpRequest, secret: str) -> Verification:
    """Check the ACS3 Authorization header of a received request against `secret`.

    The canonical request is rebuilt from what arrived: the method, the raw path, the decoded
    query pairs, the SignedHeaders with their received values, and x-acs-content-sha256, which
    must also equal sha256 of the body received.
    """
    auth = parse_authorization_acs3(req.header("authorization") or "")
    body_hash = hashlib.sha256(req.body).hexdigest()
    payload_hash = req.header("x-acs-content-sha256") or body_hash
    try:
        headers = canonical_headers_acs3(req.headers, auth.signed_headers)
    except KeyError as missing:
        return Verification(False, "", reason=f"signed header {missing} is not in the request")
    candidates = [
        canonical_request_acs3(
            method=req.method,
            pathname=req.raw_path,
            canonical_query=canonical_query_acs3(req.query(), encode_names=encode),
            canonical_headers=headers,
            signed_headers=auth.signed_headers,
            payload_hash=payload_hash,
        )
        for encode in (False, True)
    ]
    unsigned = unsigned_required_headers(req, auth.signed_headers)
    body_ok = signatures_equal(payload_hash.lower(), body_hash)
    for canonical in dict.fromkeys(candidates):  # the second only when names need encoding
        sts = string_to_sign_acs3(canonical)
        if signatures_equal(signature_acs3(secret, sts), auth.signature.lower()):
            if unsigned:
                return _fail(sts, canonical, f"headers must be signed: {', '.join(unsigned)}")
            if not body_ok:
                return _fail(sts, canonical, "x-acs-content-sha256 does not match the body")
            return Verification(True, sts, canonical)
    sts = string_to_sign_acs3(candidates[0])
    return _fail(sts, candidates[0], "signature does not match")


def _fail(sts: str, canonical: str, reason: str) -> Verification:
    return Verification(False, sts, canonical, reason)
