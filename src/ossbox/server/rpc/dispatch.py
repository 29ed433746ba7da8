"""RPC requests: parse the call, authenticate it, find the action, render the answer.

Actions are looked up by (Version, Action) in `APIS`; each product module (sts, ram, kms) exports
its table. A call is authenticated before its action runs, except the actions marked
anonymous (AssumeRoleWithOIDC, which carries its own proof).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from ossbox.server.auth import ANONYMOUS, Principal, PrincipalKind, sts_principal
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.kms.clientkeys import client_key_principal
from ossbox.server.response import Response
from ossbox.server.rpc.errors import (
    RpcError,
    access_key_inactive,
    access_key_not_found,
    invalid_action,
    invalid_version,
    missing_parameter,
)
from ossbox.server.rpc.nonces import shared_nonces
from ossbox.server.sts.credentials import (
    StsKeyError,
    is_sts_key,
    redact,
    resolve_sts_key,
    rpc_error,
)
from ossbox.signing.http import HttpRequest
from ossbox.signing.result import SignatureFormatError
from ossbox.signing.rpc import (
    RpcCall,
    RpcScheme,
    parse_rpc_request,
    signature_mismatch_message,
    time_error,
    verify_rpc,
    verify_rpc_rsa,
)

MAX_RPC_BODY = 1024 * 1024

log = logging.getLogger("ossbox.server")


@dataclass(frozen=True)
class RpcContext:
    request: RequestContext
    call: RpcCall
    principal: Principal

    @property
    def params(self) -> Mapping[str, str]:
        return self.call.params


RpcHandler = Callable[[RpcContext], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class RpcAction:
    handler: RpcHandler
    anonymous: bool = False  # may be called without a signature
    xml_root: str | None = None  # the XML answer's root element; default `<Action>Response`


# Version -> Action -> RpcAction, from the product modules' tables (see `apis`).
APIS: dict[str, dict[str, RpcAction]] = {}
# Version -> the product's RAM action prefix (sts:AssumeRole, ram:CreateUser, ...).
PRODUCTS: dict[str, str] = {}


def _internal_error() -> RpcError:
    return RpcError(
        500,
        "InternalError",
        "The request processing has failed due to some unknown error, exception or failure.",
    )


def _from_format_error(err: SignatureFormatError) -> RpcError:
    return RpcError(err.status, err.code, err.message)


async def _authenticate(ctx: RequestContext, call: RpcCall) -> Principal:
    """The caller, or the RpcError that refuses it (recorded for the audit)."""
    return await ctx.audit.signed_in(_verify(ctx, call))


async def _verify(ctx: RequestContext, call: RpcCall) -> Principal:
    if call.scheme is RpcScheme.ANONYMOUS or call.access_key_id is None:
        raise missing_parameter("AccessKeyId")
    if call.scheme is RpcScheme.RSA:
        principal, public_key = await asyncio.to_thread(
            client_key_principal, ctx.store.kms, call.version, call.access_key_id, ctx.now
        )
    elif is_sts_key(call.access_key_id):
        principal, secret = _sts_principal(ctx, call, call.access_key_id)
    else:
        principal, secret = await _key_principal(ctx, call, call.access_key_id)
    ctx.audit.principal = principal  # whose key it is, even if the signature then fails
    late = time_error(call, ctx.now)
    if late is not None:
        raise _from_format_error(late)
    if call.scheme is RpcScheme.RSA:
        result = verify_rpc_rsa(ctx.http, call, public_key)
    else:
        result = verify_rpc(ctx.http, call, secret)
    if not result.ok:
        message = redact(signature_mismatch_message(result), call.security_token)
        raise RpcError(400, "SignatureDoesNotMatch", message)
    if call.nonce is not None and not await _first_use(ctx, call.access_key_id, call.nonce):
        raise RpcError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
    return principal


async def _first_use(ctx: RequestContext, access_key_id: str, nonce: str) -> bool:
    nonces = shared_nonces(ctx.store.blobs.root)  # the data directory
    return await asyncio.to_thread(nonces.first_use, access_key_id, nonce)


async def _key_principal(
    ctx: RequestContext, call: RpcCall, access_key_id: str
) -> tuple[Principal, str]:
    key = await asyncio.to_thread(ctx.store.meta.get_access_key, access_key_id)
    if key is None:
        raise access_key_not_found()
    if key.status != "Active":
        raise access_key_inactive()
    kind: PrincipalKind = "root" if key.principal_type == "root" else "user"
    principal = Principal(
        kind, key.account_id, key.access_key_id, key.principal_name, str(call.scheme)
    )
    return principal, key.secret


def _sts_principal(ctx: RequestContext, call: RpcCall, access_key_id: str) -> tuple[Principal, str]:
    try:
        creds = resolve_sts_key(ctx.store, access_key_id, call.security_token, ctx.now)
    except StsKeyError as err:
        raise rpc_error(err) from None
    return sts_principal(creds.session, access_key_id, str(call.scheme)), creds.secret


def apis() -> dict[str, dict[str, RpcAction]]:
    """The product tables, imported on first use (they import this module for its types)."""
    if not APIS:
        from ossbox.server.audit import lookup as actiontrail
        from ossbox.server.kms import api as kms
        from ossbox.server.ram import api as ram
        from ossbox.server.sts import api as sts

        APIS.update(
            {
                sts.VERSION: sts.ACTIONS,
                ram.VERSION: ram.ACTIONS,
                kms.VERSION: kms.ACTIONS,
                actiontrail.VERSION: actiontrail.ACTIONS,
            }
        )
        PRODUCTS.update(
            {
                sts.VERSION: "sts",
                ram.VERSION: "ram",
                kms.VERSION: "kms",
                actiontrail.VERSION: "actiontrail",
            }
        )
    return APIS


def _find_action(ctx: RequestContext, call: RpcCall) -> RpcAction:
    actions = apis().get(call.version)
    if actions is None:
        raise invalid_version(call.version)
    ctx.audit.family = PRODUCTS[call.version]
    action = actions.get(call.action)
    if action is None:
        raise invalid_action(call.action)
    ctx.audit.action = f"{ctx.audit.family}:{call.action}"
    return action


def _xml_value(name: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{name}>{''.join(_xml_value(k, v) for k, v in value.items())}</{name}>"
    if isinstance(value, list):
        return "".join(_xml_value(name, item) for item in value)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _render(root: str, body: dict[str, Any], response_format: str) -> Response:
    if response_format.upper() == "XML":
        xml = '<?xml version="1.0" encoding="UTF-8"?>' + _xml_value(root, body)
        return Response(200, [("Content-Type", "text/xml;charset=utf-8")], xml.encode())
    data = json.dumps(body).encode()
    return Response(200, [("Content-Type", "application/json;charset=utf-8")], data)


def error_response(err: RpcError, ctx: RequestContext, response_format: str) -> Response:
    ctx.audit.error_code = err.code
    content_type, body = err.body(ctx.request_id, ctx.host, response_format)
    return Response(err.status, [("Content-Type", content_type)], body)


async def handle_rpc(ctx: RequestContext) -> Response:
    """Answer one RPC call; every failure is an RPC error in the caller's Format."""
    response_format = ctx.http.first_query_values().get("Format", "JSON")
    ctx.audit.family = "rpc"
    try:
        if ctx.method == "POST":
            body = await ctx.read_body(limit=MAX_RPC_BODY)
            ctx.http = HttpRequest(ctx.http.method, ctx.http.target, ctx.http.headers, body)
        try:
            call = parse_rpc_request(ctx.http)
        except SignatureFormatError as err:
            raise _from_format_error(err) from None
        response_format = call.response_format
        ctx.audit.access_key_id = call.access_key_id or ""
        action = _find_action(ctx, call)
        if action.anonymous and call.scheme is RpcScheme.ANONYMOUS:
            principal = ANONYMOUS
        else:
            principal = await _authenticate(ctx, call)
        result = await action.handler(RpcContext(ctx, call, principal))
    except OssError as err:  # the body itself was unreadable (too large, truncated)
        return error_response(RpcError(err.status, err.code, err.message), ctx, response_format)
    except RpcError as err:
        return error_response(err, ctx, response_format)
    except Exception:  # a bug: logged here, answered in the caller's RPC shape, no detail
        log.exception("request %s failed", ctx.request_id)
        return error_response(_internal_error(), ctx, response_format)
    root = action.xml_root or f"{call.action}Response"
    return _render(root, {"RequestId": ctx.request_id, **result}, response_format)
