"""OIDC identity providers: CreateOIDCProvider, GetOIDCProvider, ListOIDCProviders,
UpdateOIDCProvider, DeleteOIDCProvider.

IssuerUrl: https, at most 255 characters, no `?`, `#` or `@`. ClientIds: at most 50,
comma-separated. Fingerprints: at most 5 SHA-1 thumbprints (40 hex digits). IssuanceLimitTime:
1..168 hours (default 12).
"""

from __future__ import annotations

import re
from typing import Any

from ossbox.server.ram import shapes
from ossbox.server.ram.call import RamCall
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.params import OIDC_PROVIDER_NAME, Params, invalid
from ossbox.server.rpc.errors import RpcError
from ossbox.store.ram import EntityNotExist, OidcProvider

ISSUER_MAX = 255
DESCRIPTION_MAX = 256
MAX_CLIENT_IDS = 50
MAX_FINGERPRINTS = 5
_CLIENT_ID = re.compile(r"[\x21-\x7e]{1,128}", re.ASCII)  # printable, no spaces or commas
_FINGERPRINT = re.compile(r"[0-9A-Fa-f]{40}", re.ASCII)


def _issuer_url(params: Params) -> str:
    url = params.required("IssuerUrl")
    if len(url) > ISSUER_MAX:
        raise invalid("IssuerUrl", "Length")
    host = url.removeprefix("https://")
    if host == url or not host or any(c in url for c in "?#@") or any(c.isspace() for c in url):
        raise invalid("IssuerUrl", "Format")
    return url


def _list(params: Params, name: str, pattern: re.Pattern[str], limit: int) -> list[str] | None:
    """A comma-separated list parameter (None when absent)."""
    raw = params.optional(name)
    if raw is None:
        return None
    values = [v.strip() for v in raw.split(",")]
    if any(pattern.fullmatch(v) is None or "," in v for v in values):
        raise invalid(name, "Format")
    if len(values) > limit:
        message = f"The count of {name} beyond the current limits ({limit})."
        raise RpcError(409, f"LimitExceeded.{name}", message)
    return list(dict.fromkeys(values))  # duplicates collapse, order kept


def _client_ids(params: Params) -> list[str] | None:
    return _list(params, "ClientIds", _CLIENT_ID, MAX_CLIENT_IDS)


def _fingerprints(params: Params) -> list[str] | None:
    values = _list(params, "Fingerprints", _FINGERPRINT, MAX_FINGERPRINTS)
    return None if values is None else [v.lower() for v in values]


def _name(call: RamCall) -> str:
    return call.params.name("OIDCProviderName", OIDC_PROVIDER_NAME)


def create_oidc_provider(call: RamCall) -> dict[str, Any]:
    p = call.params
    now = call.now.replace(microsecond=0)
    provider = OidcProvider(
        account_id=call.account_id,
        name=_name(call),
        issuer_url=_issuer_url(p),
        client_ids=tuple(_client_ids(p) or ()),
        fingerprints=tuple(_fingerprints(p) or ()),
        issuance_limit_time=p.integer("IssuanceLimitTime", 1, 168) or 12,
        description=p.text("Description", DESCRIPTION_MAX) or "",
        created=now,
        updated=now,
    )
    return {"OIDCProvider": shapes.oidc_provider(call.ram.create_oidc_provider(provider))}


def get_oidc_provider(call: RamCall) -> dict[str, Any]:
    name = _name(call)
    provider = call.ram.get_oidc_provider(call.account_id, name)
    if provider is None:
        raise rpc_error(EntityNotExist("OIDCProvider", name))
    return {"OIDCProvider": shapes.oidc_provider(provider)}


def update_oidc_provider(call: RamCall) -> dict[str, Any]:
    p = call.params
    provider = call.ram.update_oidc_provider(
        call.account_id,
        _name(call),
        client_ids=_client_ids(p),
        fingerprints=_fingerprints(p),
        issuance_limit_time=p.integer("IssuanceLimitTime", 1, 168),
        description=p.text("NewDescription", DESCRIPTION_MAX),
    )
    return {"OIDCProvider": shapes.oidc_provider(provider)}


def list_oidc_providers(call: RamCall) -> dict[str, Any]:
    marker, max_items = call.params.paging()
    page = call.ram.list_oidc_providers(call.account_id, marker=marker, max_items=max_items)
    items = [shapes.oidc_provider(o) for o in page.items]
    return shapes.listing("OIDCProviders", "OIDCProvider", items, page)


def delete_oidc_provider(call: RamCall) -> dict[str, Any]:
    call.ram.delete_oidc_provider(call.account_id, _name(call))
    return {}
