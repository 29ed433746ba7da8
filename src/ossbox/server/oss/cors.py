"""Bucket CORS: Put/Get/DeleteBucketCors, the OPTIONS preflight and the headers of actual
cross-origin requests.

The configuration is stored, normalized, in the bucket's `configs["cors"]`. A preflight is
matched rule by rule (first match wins) on its Origin, Access-Control-Request-Method and every
Access-Control-Request-Headers name; `*` in a rule matches any run of characters.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache
from xml.etree.ElementTree import Element

from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError, invalid_argument, malformed_xml, no_such_bucket
from ossbox.server.oss.common import element, parse_xml, read_xml, xml_document
from ossbox.server.response import Response, xml_response
from ossbox.store import base as store

CONFIG_KEY = "cors"
MAX_RULES = 10
METHODS = ("GET", "PUT", "DELETE", "POST", "HEAD")
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
    "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
    "are not whitelisted by the resource's CORS spec."
)


@dataclass(frozen=True)
class CorsRule:
    origins: tuple[str, ...]
    methods: tuple[str, ...]
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None


@dataclass(frozen=True)
class CorsConfig:
    rules: tuple[CorsRule, ...]
    response_vary: bool = False


def no_such_cors(bucket: str) -> OssError:
    return OssError(
        404,
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist.",
        extra={"BucketName": bucket},
    )


def access_forbidden(message: str = _NOT_ALLOWED) -> OssError:
    return OssError(403, "AccessForbidden", message)


# --------------------------------------------------------------------------------------------
# The document


def _texts(node: Element, name: str) -> tuple[str, ...]:
    return tuple((child.text or "").strip() for child in node.findall(name))


def _check_wildcards(values: tuple[str, ...], name: str) -> None:
    for value in values:
        if value.count("*") > 1:
            raise invalid_argument(f"{name} can only contain one wildcard.", name, value)


def _parse_rule(node: Element) -> CorsRule:
    origins, methods = _texts(node, "AllowedOrigin"), _texts(node, "AllowedMethod")
    if not origins or not methods:
        raise malformed_xml()
    for method in methods:
        if method not in METHODS:
            raise invalid_argument(f"Unsupported method {method}.", "AllowedMethod", method)
    headers, expose = _texts(node, "AllowedHeader"), _texts(node, "ExposeHeader")
    _check_wildcards(origins, "AllowedOrigin")
    _check_wildcards(headers, "AllowedHeader")
    for value in expose:
        if "*" in value:
            raise invalid_argument("ExposeHeader can not contain wildcard.", "ExposeHeader", value)
    raw_age = node.findtext("MaxAgeSeconds")
    max_age = None
    if raw_age is not None:
        raw_age = raw_age.strip()
        if not raw_age.isascii() or not raw_age.lstrip("-").isdigit():
            raise invalid_argument("MaxAgeSeconds is not valid.", "MaxAgeSeconds", raw_age)
        max_age = int(raw_age)
    return CorsRule(origins, methods, headers, expose, max_age)


def parse_cors(root: Element) -> CorsConfig:
    if root.tag != "CORSConfiguration":
        raise malformed_xml()
    rules = tuple(_parse_rule(node) for node in root.findall("CORSRule"))
    if not rules:
        raise malformed_xml()
    if len(rules) > MAX_RULES:
        raise invalid_argument(f"Too many CORS rules, at most {MAX_RULES}.", "CORSRule")
    vary = (root.findtext("ResponseVary") or "false").strip().lower() == "true"
    return CorsConfig(rules, vary)


def _rule_xml(rule: CorsRule) -> str:
    parts = [element("AllowedOrigin", v) for v in rule.origins]
    parts += [element("AllowedMethod", v) for v in rule.methods]
    parts += [element("AllowedHeader", v) for v in rule.headers]
    parts += [element("ExposeHeader", v) for v in rule.expose]
    if rule.max_age is not None:
        parts.append(element("MaxAgeSeconds", rule.max_age))
    return f"<CORSRule>{''.join(parts)}</CORSRule>"


def cors_xml(config: CorsConfig) -> str:
    children = [_rule_xml(rule) for rule in config.rules]
    children.append(element("ResponseVary", "true" if config.response_vary else "false"))
    return xml_document("CORSConfiguration", children)


@lru_cache(maxsize=256)
def _stored(document: str) -> CorsConfig:
    return parse_cors(parse_xml(document.encode()))


def bucket_cors(bucket: store.Bucket | None) -> CorsConfig | None:
    document = bucket.configs.get(CONFIG_KEY) if bucket is not None else None
    return _stored(document) if document else None


# --------------------------------------------------------------------------------------------
# Handlers


def _record(ctx: RequestContext) -> store.Bucket:
    assert ctx.bucket_record is not None
    return ctx.bucket_record


async def _set_config(ctx: RequestContext, document: str | None) -> None:
    record = _record(ctx)
    configs = {k: v for k, v in record.configs.items() if k != CONFIG_KEY}
    if document is not None:
        configs[CONFIG_KEY] = document
    try:
        await asyncio.to_thread(ctx.store.meta.update_bucket, record.name, configs=configs)
    except store.NoSuchBucket:
        raise no_such_bucket(record.name) from None


async def put_bucket_cors(ctx: RequestContext) -> Response:
    config = parse_cors(await read_xml(ctx))
    await _set_config(ctx, cors_xml(config))
    return Response(200)


async def get_bucket_cors(ctx: RequestContext) -> Response:
    config = bucket_cors(_record(ctx))
    if config is None:
        raise no_such_cors(_record(ctx).name)
    return xml_response(cors_xml(config))


async def delete_bucket_cors(ctx: RequestContext) -> Response:
    await _set_config(ctx, None)
    return Response(204)


# --------------------------------------------------------------------------------------------
# Matching


@lru_cache(maxsize=1024)
def _pattern(value: str, ignore_case: bool) -> re.Pattern[str]:
    regex = ".*".join(re.escape(part) for part in value.split("*"))
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _matches(patterns: tuple[str, ...], value: str, *, ignore_case: bool = False) -> str | None:
    """The first pattern that matches `value` whole."""
    for pattern in patterns:
        if _pattern(pattern, ignore_case).fullmatch(value):
            return pattern
    return None


def _requested_headers(ctx: RequestContext) -> list[str]:
    raw = ctx.header("access-control-request-headers") or ""
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


def _find_rule(config: CorsConfig, origin: str, method: str, headers: list[str]) -> CorsRule | None:
    for rule in config.rules:
        if _matches(rule.origins, origin) is None or method not in rule.methods:
            continue
        if all(_matches(rule.headers, h, ignore_case=True) for h in headers):
            return rule
    return None


def _allow_headers(rule: CorsRule, origin: str, vary: bool) -> list[tuple[str, str]]:
    allow_origin = "*" if _matches(rule.origins, origin) == "*" else origin
    headers = [
        ("Access-Control-Allow-Origin", allow_origin),
        ("Access-Control-Allow-Methods", ", ".join(rule.methods)),
    ]
    if rule.expose:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.expose)))
    if rule.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(rule.max_age)))
    if vary:
        headers.append(("Vary", "Origin"))
    return headers


async def preflight(ctx: RequestContext) -> Response:
    """OPTIONS: unauthenticated; 200 with the Access-Control-Allow-* headers or 403."""
    origin = ctx.header("origin")
    method = ctx.header("access-control-request-method")
    if not origin:
        raise access_forbidden("Insufficient information. Origin request header needed.")
    if not method:
        raise access_forbidden("Invalid Access-Control-Request-Method: null")
    config = bucket_cors(ctx.bucket_record)
    if config is None:
        raise access_forbidden("CORSResponse: CORS is not enabled for this bucket.")
    requested = _requested_headers(ctx)
    rule = _find_rule(config, origin, method, requested)
    if rule is None:
        raise access_forbidden()
    headers = _allow_headers(rule, origin, config.response_vary)
    if requested:
        headers.append(("Access-Control-Allow-Headers", ", ".join(requested)))
    return Response(200, headers)


def actual_request_headers(ctx: RequestContext) -> list[tuple[str, str]]:
    """The Access-Control-* headers of a non-preflight request whose Origin a rule admits."""
    origin = ctx.header("origin")
    config = bucket_cors(ctx.bucket_record) if origin else None
    if config is None or origin is None:
        return []
    rule = _find_rule(config, origin, ctx.method, [])
    return [] if rule is None else _allow_headers(rule, origin, config.response_vary)
