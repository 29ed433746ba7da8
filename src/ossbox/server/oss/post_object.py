"""PostObject: a browser's form upload, authenticated by its own signed policy (spec §3.1).

The form's fields (names case-insensitive) come first and are gathered; the `file` part, the
last one, streams into the blob store. The form is authenticated here, not from headers: V1
(OSSAccessKeyId, policy, Signature) or V4 (x-oss-signature-version, x-oss-credential,
x-oss-date, x-oss-signature), with x-oss-security-token for STS keys; no signature fields at
all is an anonymous upload, which only a public-read-write ACL (or a policy) admits. The policy
is then checked, and the upload is authorized and stored as the PutObject it is.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from ossbox.server.auth import ANONYMOUS, Principal, from_format_error, principal_and_secret
from ossbox.server.context import MAX_OBJECT_SIZE, RequestContext, entity_too_large
from ossbox.server.errors import OssError, access_denied, invalid_argument
from ossbox.server.oss.addressing import validate_key
from ossbox.server.oss.common import element, xml_document
from ossbox.server.oss.object_headers import META_PREFIX
from ossbox.server.oss.post_form import MAX_FIELDS_BYTES, FormReader, FormStart, form_boundary
from ossbox.server.oss.traffic_limit import PARAM as TRAFFIC_LIMIT
from ossbox.server.oss.traffic_limit import parse_limit, throttled_receive
from ossbox.server.response import Response
from ossbox.signing.oss_auth import OssAuth, Scheme, parse_v4_date
from ossbox.signing.post_policy import verify_post_policy_v1, verify_post_policy_v4
from ossbox.signing.result import SignatureFormatError

V4_ALGORITHM = "OSS4-HMAC-SHA256"
_STORED_FIELDS = frozenset(
    {
        "cache-control",
        "content-disposition",
        "content-encoding",
        "expires",
        "x-oss-object-acl",
        "x-oss-storage-class",
        "x-oss-forbid-overwrite",
    }
)
_POLICY_EXPIRED = "Invalid according to Policy: Policy expired."
_CONDITION_FAILED = "Invalid according to Policy: Policy Condition failed: "
_EXTRA_FIELDS = "Invalid according to Policy: Extra input fields: "
# A V4 form's signature fields must each be named by a policy condition (EC 0006-00000228);
# other fields need not be (OSS's own example form carries x-oss-meta-* fields its policy
# does not name, EC 0006-00000201).
V4_POLICY_FIELDS = ("x-oss-signature-version", "x-oss-credential", "x-oss-date")
_SUCCESS_STATUSES = {"200": 200, "201": 201, "204": 204}


def invalid_policy(reason: str) -> OssError:
    return OssError(400, "InvalidPolicyDocument", f"Invalid Policy: {reason}")


def entity_too_small() -> OssError:
    return OssError(
        400, "EntityTooSmall", "Your proposed upload smaller than the minimum allowed size."
    )


# --------------------------------------------------------------------------------------------
# Authentication from the form


def _required(fields: dict[str, str], name: str, what: str) -> str:
    value = fields.get(name)
    if not value:
        raise invalid_argument(f"Post request {what} is empty.", name)
    return value


def _v4_auth(ctx: RequestContext, fields: dict[str, str]) -> OssAuth:
    if fields["x-oss-signature-version"] != V4_ALGORITHM:
        raise invalid_argument(
            "Invalid signature version.",
            "x-oss-signature-version",
            fields["x-oss-signature-version"],
        )
    credential = _required(fields, "x-oss-credential", "accessKeyId")
    signature = _required(fields, "x-oss-signature", "signature")
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aliyun_v4_request" or not parts[0]:
        raise invalid_argument(
            "Invalid credential in post request.", "x-oss-credential", credential
        )
    raw_date = _required(fields, "x-oss-date", "x-oss-date")
    try:
        parse_v4_date(raw_date, parts[1], "x-oss-credential", credential)
    except SignatureFormatError as err:
        raise from_format_error(err) from None
    if parts[2] != ctx.config.region:
        raise invalid_argument(
            f"Invalid signing region in post request. Expected {ctx.config.region}.",
            "x-oss-credential",
            parts[2],
        )
    return _auth(Scheme.V4_HEADER, parts[0], signature, fields, parts[2], parts[1], parts[3])


def _auth(
    scheme: Scheme,
    access_key_id: str,
    signature: str,
    fields: dict[str, str],
    region: str | None = None,
    scope_date: str | None = None,
    product: str | None = None,
) -> OssAuth:
    return OssAuth(
        scheme=scheme,
        access_key_id=access_key_id,
        signature=signature,
        security_token=fields.get("x-oss-security-token"),
        date=None,
        expires=None,
        expires_seconds=None,
        region=region,
        scope_date=scope_date,
        product=product,
        additional_headers=(),
    )


def _form_auth(ctx: RequestContext, fields: dict[str, str]) -> OssAuth | None:
    """The form's signature parameters; None for an anonymous form."""
    if "x-oss-signature-version" in fields:
        auth = _v4_auth(ctx, fields)
    elif not any(fields.get(n) for n in ("ossaccesskeyid", "signature", "policy")):
        return None
    else:
        access_key_id = _required(fields, "ossaccesskeyid", "accessKeyId")
        signature = _required(fields, "signature", "signature")
        auth = _auth(Scheme.V1_HEADER, access_key_id, signature, fields)
    _required(fields, "policy", "policy")
    return auth


def _signature_mismatch(auth: OssAuth, policy: str) -> OssError:
    return OssError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        extra={
            "OSSAccessKeyId": auth.access_key_id,
            "SignatureProvided": auth.signature,
            "StringToSign": policy,
        },
    )


async def authenticate_form(ctx: RequestContext, fields: dict[str, str]) -> Principal:
    """The form's principal, or the OSS error that refuses it (recorded for the audit)."""
    return await ctx.audit.signed_in(_authenticate_form(ctx, fields))


async def _authenticate_form(ctx: RequestContext, fields: dict[str, str]) -> Principal:
    auth = _form_auth(ctx, fields)
    if auth is None:
        return ANONYMOUS
    principal, secret = await principal_and_secret(ctx, auth)
    policy = fields["policy"]
    if auth.scheme is Scheme.V4_HEADER:
        assert auth.scope_date is not None and auth.region is not None
        result = verify_post_policy_v4(
            policy,
            auth.signature,
            secret,
            date=auth.scope_date,
            region=auth.region,
            product=auth.product or "oss",
        )
    else:
        result = verify_post_policy_v1(policy, auth.signature, secret)
    if not result.ok:
        raise _signature_mismatch(auth, policy)
    return principal


# --------------------------------------------------------------------------------------------
# The policy


def _decode_policy(policy_b64: str) -> dict[str, Any]:
    try:
        doc = json.loads(base64.b64decode(policy_b64, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError) as err:
        raise invalid_policy(f"Invalid JSON: {err}") from None
    except RecursionError:  # nested deeper than the decoder goes
        raise invalid_policy("Invalid JSON: nested too deeply.") from None
    if not isinstance(doc, dict):
        raise invalid_policy("Invalid JSON: the policy is not a JSON object.")
    return doc


def _expiration(doc: dict[str, Any]) -> datetime:
    raw = doc.get("expiration")
    if not isinstance(raw, str):
        raise invalid_policy("Policy missing expiration.")
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise invalid_policy(f"Invalid 'expiration' value: '{raw}'.")


@dataclasses.dataclass(frozen=True)
class LengthRange:
    low: int = 0
    high: int = MAX_OBJECT_SIZE


class _PolicyCheck:
    def __init__(self, bucket: str, fields: dict[str, str]) -> None:
        self.bucket = bucket
        self.fields = fields
        self.length = LengthRange()
        self.named: set[str] = set()  # the fields the conditions name

    def value(self, name: str) -> str:
        name = name.lower().removeprefix("$")
        self.named.add(name)
        # UNCONFIRMED: a named field missing from the form (EC 0006-00000226) compares as "".
        return self.bucket if name == "bucket" else self.fields.get(name, "")

    def check(self, condition: Any) -> None:
        if isinstance(condition, dict):
            ok = all(self.value(n) == str(v) for n, v in condition.items())
        elif isinstance(condition, list) and condition and isinstance(condition[0], str):
            ok = self._check_list(condition)
        else:
            raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")
        if not ok:
            message = _CONDITION_FAILED + json.dumps(condition)
            raise OssError(403, "AccessDenied", message, extra={"EC": "0006-00000227"})

    def _check_list(self, condition: list[Any]) -> bool:
        op = str(condition[0]).lower()
        if op == "content-length-range":
            low, high = _range_bounds(condition)
            self.length = LengthRange(max(low, self.length.low), min(high, self.length.high))
            return True
        if len(condition) != 3 or not isinstance(condition[1], str):
            raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")
        expected = condition[2]
        if op in ("in", "not-in"):
            if not isinstance(expected, list) or not all(isinstance(v, str) for v in expected):
                raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")
            return (self.value(condition[1]) in expected) == (op == "in")
        if not isinstance(expected, str):
            raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")
        actual = self.value(condition[1])
        if op == "eq":
            return actual == expected
        if op == "starts-with":
            return actual.startswith(expected)
        raise invalid_policy(f"Invalid condition: {json.dumps(condition)}")


def _range_bounds(condition: list[Any]) -> tuple[int, int]:
    bounds = condition[1:]
    if len(bounds) != 2 or not all(isinstance(b, int) and b >= 0 for b in bounds):
        raise invalid_policy(f"Invalid content-length-range: {json.dumps(condition)}")
    return bounds[0], bounds[1]


def check_policy(
    ctx: RequestContext, bucket: str, fields: dict[str, str], required: tuple[str, ...] = ()
) -> LengthRange:
    """Decode and enforce the policy; the content-length-range it sets. Each field of
    `required` the form carries must be named by a condition."""
    doc = _decode_policy(fields["policy"])
    if _expiration(doc) <= ctx.now:
        raise access_denied(_POLICY_EXPIRED)
    conditions = doc.get("conditions", [])
    if not isinstance(conditions, list):
        raise invalid_policy("Invalid 'conditions' value.")
    checker = _PolicyCheck(bucket, fields)
    for condition in conditions:
        checker.check(condition)
    extra = [name for name in required if name in fields and name not in checker.named]
    if extra:
        message = _EXTRA_FIELDS + ", ".join(extra)
        raise OssError(403, "AccessDenied", message, extra={"EC": "0006-00000228"})
    return checker.length


# --------------------------------------------------------------------------------------------
# Storing: the form becomes a PutObject request whose body is the file part


def _file_receive(chunks: AsyncIterator[bytes], length: LengthRange) -> Any:
    """An ASGI `receive` over the file part, enforcing content-length-range as it streams."""
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            if received < length.low:
                raise entity_too_small() from None
            return {"type": "http.request", "body": b"", "more_body": False}
        received += len(chunk)
        if received > length.high:
            raise entity_too_large()
        return {"type": "http.request", "body": chunk, "more_body": True}

    return receive


def _object_headers(form: FormStart) -> list[tuple[str, str]]:
    fields = form.fields
    headers = [
        (name, value)
        for name, value in fields.items()
        if name in _STORED_FIELDS or (name.startswith(META_PREFIX) and len(name) > len(META_PREFIX))
    ]
    content_type = fields.get("content-type") or fields.get("x-oss-content-type")
    content_type = content_type or form.file_content_type
    if content_type:
        headers.append(("content-type", content_type))
    return headers


def _form_key(form: FormStart) -> str:
    key = form.fields.get("key")
    if not key:
        raise invalid_argument("Post form must contain the key field.", "key")
    return key.replace("${filename}", form.filename or "")


def _location(ctx: RequestContext, bucket: str, key: str) -> str:
    return f"http://{bucket}.{ctx.config.endpoint_host}/{quote(key)}"


def _reply(
    ctx: RequestContext, fields: dict[str, str], bucket: str, key: str, stored: Response
) -> Response:
    headers = [(n, v) for n, v in stored.headers if n.lower() != "content-md5"]
    etag = next(v for n, v in headers if n == "ETag")
    redirect = fields.get("success_action_redirect")
    if redirect:
        query = urlencode({"bucket": bucket, "key": key, "etag": etag})
        separator = "&" if "?" in redirect else "?"
        return Response(303, [*headers, ("Location", f"{redirect}{separator}{query}")])
    status = _SUCCESS_STATUSES.get(fields.get("success_action_status", ""), 204)
    if status != 201:
        return Response(status, headers)
    body = xml_document(
        "PostResponse",
        [
            element("Bucket", bucket),
            element("Location", _location(ctx, bucket, key)),
            element("Key", key),
            element("ETag", etag),
        ],
    )
    return Response(201, [*headers, ("Content-Type", "application/xml")], body.encode())


async def post_object(ctx: RequestContext) -> Response:
    # Imported here: operations imports this module, and authorize imports operations.
    from ossbox.server.oss.authorize import authorize
    from ossbox.server.oss.objects import put_object
    from ossbox.server.oss.operations import find_operation

    assert ctx.bucket is not None
    boundary = form_boundary(ctx.header("content-type"))
    reader = FormReader(ctx.body_chunks(limit=MAX_OBJECT_SIZE + MAX_FIELDS_BYTES), boundary)
    form = await reader.start()
    key = _form_key(form)
    validate_key(key)
    principal = await authenticate_form(ctx, form.fields)
    length = LengthRange()
    if principal is not ANONYMOUS:
        required = V4_POLICY_FIELDS if "x-oss-signature-version" in form.fields else ()
        length = check_policy(ctx, ctx.bucket, {**form.fields, "key": key}, required)
    receive = _file_receive(reader.file_chunks(), length)
    if TRAFFIC_LIMIT in form.fields:
        # UNCONFIRMED: the form field paces the file as the header or URL parameter would.
        receive = throttled_receive(receive, parse_limit(form.fields[TRAFFIC_LIMIT]))
    put_ctx = dataclasses.replace(
        ctx,
        http=dataclasses.replace(ctx.http, method="PUT", headers=_object_headers(form)),
        receive=receive,
        key=key,
        principal=principal,
    )
    await authorize(put_ctx, find_operation("PUT", ctx.bucket, key, {}))
    stored = await put_object(put_ctx)
    return _reply(ctx, form.fields, ctx.bucket, key, stored)
