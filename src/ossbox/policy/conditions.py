"""Condition operators and keys: validated when a policy is written, evaluated per request.

Semantics (AWS-compatible; RAM documents the operators but not these corner cases):
- several values for one key: OR; several keys or operators: AND (the caller ANDs Conditions);
- a context key may carry several values: a positive operator holds if ANY context value
  matches ANY policy value;
- a negated operator (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike,
  NumericNotEquals, DateNotEquals, NotIpAddress) is exactly NOT of its positive twin, so a key
  absent from the request makes a positive operator false and a negated one true (as in AWS).
  This keeps the common "Deny unless from these IPs" (NotIpAddress) statement failing closed;
- a context value that cannot be read as the operator's type (a bad IP, date or number)
  matches nothing.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ossbox.policy.matching import wildcard_match
from ossbox.policy.model import Condition

Context = Mapping[str, tuple[str, ...]]
"""A request context with normalized keys (see `normalize_context`)."""


# --- value readers (cached: policy values repeat across requests) ----------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@lru_cache(maxsize=4096)
def read_number(text: str) -> Decimal | None:
    if _NUMBER.fullmatch(text.strip()) is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


@lru_cache(maxsize=4096)
def read_date(text: str) -> datetime | None:
    """ISO 8601 (`2012-11-11T23:59:59Z`, fractions, offsets, or a bare date); no zone = UTC."""
    text = text.strip()
    if text.endswith("z"):
        text = text[:-1] + "Z"
    if not text[:4].isdigit():
        return None
    try:
        value = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def read_bool(text: str) -> bool | None:
    lowered = text.strip().lower()
    return True if lowered == "true" else False if lowered == "false" else None


IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=4096)
def read_network(text: str) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def read_address(text: str) -> IpAddr | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is the IPv4 peer 10.0.0.1
    return address


# --- matchers: (context value, policy value) -> bool ------------------------------------------


def _string_equals(actual: str, wanted: str) -> bool:
    return actual == wanted


def _string_equals_ic(actual: str, wanted: str) -> bool:
    return actual.casefold() == wanted.casefold()


def _string_like(actual: str, wanted: str) -> bool:
    return wildcard_match(wanted, actual)


def _compare(
    read: Callable[[str], object | None], test: Callable[[Any, Any], Any]
) -> Callable[[str, str], bool]:
    def matcher(actual: str, wanted: str) -> bool:
        left, right = read(actual), read(wanted)
        return left is not None and right is not None and bool(test(left, right))

    return matcher


def _bool_equals(actual: str, wanted: str) -> bool:
    left = read_bool(actual)
    return left is not None and left == read_bool(wanted)


def _in_network(actual: str, wanted: str) -> bool:
    address, network = read_address(actual), read_network(wanted)
    if address is None or network is None or address.version != network.version:
        return False
    return address in network


# --- the operator table -----------------------------------------------------------------------


@dataclass(frozen=True)
class Operator:
    matcher: Callable[[str, str], bool]
    negated: bool
    value_type: str  # "string" | "number" | "date" | "boolean" | "ip"


_VALIDATORS: dict[str, Callable[[str], object | None]] = {
    "number": read_number,
    "date": read_date,
    "boolean": read_bool,
    "ip": read_network,
}

_VALUE_HINTS = {
    "number": "a number such as 10 or 2.5",
    "date": "an ISO 8601 time such as 2012-11-11T23:59:59Z",
    "boolean": '"true" or "false"',
    "ip": "an IPv4/IPv6 address or CIDR block such as 192.168.0.0/16",
}


def _family(
    prefix: str, matcher: Callable[[str, str], bool], value_type: str, **names: bool
) -> dict[str, Operator]:
    return {prefix + suffix: Operator(matcher, neg, value_type) for suffix, neg in names.items()}


def _ordered(
    prefix: str, read: Callable[[str], object | None], value_type: str
) -> dict[str, Operator]:
    table = {
        "Equals": (operator.eq, False),
        "NotEquals": (operator.eq, True),
        "LessThan": (operator.lt, False),
        "LessThanEquals": (operator.le, False),
        "GreaterThan": (operator.gt, False),
        "GreaterThanEquals": (operator.ge, False),
    }
    return {
        prefix + suffix: Operator(_compare(read, test), negated, value_type)
        for suffix, (test, negated) in table.items()
    }


OPERATORS: Mapping[str, Operator] = {
    **_family("String", _string_equals, "string", Equals=False, NotEquals=True),
    **_family(
        "String", _string_equals_ic, "string", EqualsIgnoreCase=False, NotEqualsIgnoreCase=True
    ),
    **_family("String", _string_like, "string", Like=False, NotLike=True),
    **_ordered("Numeric", read_number, "number"),
    **_ordered("Date", read_date, "date"),
    "Bool": Operator(_bool_equals, False, "boolean"),
    "IpAddress": Operator(_in_network, False, "ip"),
    "NotIpAddress": Operator(_in_network, True, "ip"),
}


def operator_error(name: str) -> str | None:
    """Why `name` is not a condition operator, or None if it is one."""
    if name in OPERATORS:
        return None
    for known in OPERATORS:
        if known.lower() == name.lower():
            return f'unknown condition operator "{name}" (did you mean "{known}"?)'
    # IfExists / Null / ForAnyValue / ForAllValues are AWS-isms RAM does not document.
    return f'unknown condition operator "{name[:64]}" (supported: {", ".join(OPERATORS)})'


def value_error(operator: str, value: str) -> str | None:
    """Why `value` is not a valid policy value for `operator`, or None."""
    value_type = OPERATORS[operator].value_type
    validator = _VALIDATORS.get(value_type)
    if validator is None or validator(value) is not None:
        return None
    return f'"{value[:64]}" is not {_VALUE_HINTS[value_type]}'


# --- keys -------------------------------------------------------------------------------------

_KEY = re.compile(r"([A-Za-z][A-Za-z0-9-]*):([A-Za-z0-9][A-Za-z0-9_.-]*)(/.+)?", re.DOTALL)

# Keys of the namespaces ossbox evaluates. Other services' keys (ecs:, kms:, ...) are accepted
# as written: they never occur in an OSS/STS/RAM request, here or on Alibaba Cloud.
_KNOWN_KEYS: Mapping[str, frozenset[str]] = {
    "acs": frozenset(
        {
            "currenttime",
            "securetransport",
            "sourceip",
            "mfapresent",
            "useragent",
            "accessid",
            "sourcevpc",
            "referer",
        }
    ),
    "oss": frozenset({"prefix", "delimiter"}),
    "sts": frozenset({"externalid"}),
    "oidc": frozenset({"iss", "aud", "sub"}),
    "saml": frozenset({"recipient"}),
}
_TAG_KEYS = {"oss": frozenset({"buckettag", "existingobjecttag", "requestobjecttag"})}


def key_error(key: str) -> str | None:
    """Why `key` is not a condition key ossbox knows, or None."""
    match = _KEY.fullmatch(key)
    if match is None:
        return f'"{key[:64]}" is not a condition key of the form <service>:<name>'
    service, name, suffix = match.group(1).lower(), match.group(2).lower(), match.group(3)
    if service not in _KNOWN_KEYS:
        return None
    if suffix is not None:
        if name in _TAG_KEYS.get(service, ()):
            return None
        return f'unknown condition key "{key[:64]}"'
    if name in _KNOWN_KEYS[service] or (service == "oss" and name.startswith("x-oss-")):
        return None
    if name in _TAG_KEYS.get(service, ()):
        return f'condition key "{key[:64]}" needs a tag key, e.g. "{key[:64]}/<tag-key>"'
    return f'unknown condition key "{key[:64]}"'


def normalize_key(key: str) -> str:
    """`acs:SourceIp` and `acs:sourceip` are one key; a tag key after `/` keeps its case."""
    head, slash, tail = key.partition("/")
    return head.lower() + slash + tail


def normalize_context(context: Mapping[str, str | list[str] | tuple[str, ...]]) -> Context:
    """Normalize keys and make every value a tuple of strings (later keys add to earlier)."""
    result: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        values = (value,) if isinstance(value, str) else tuple(value)
        name = normalize_key(key)
        result[name] = result.get(name, ()) + values
    return result


# --- evaluation -------------------------------------------------------------------------------


def holds(condition: Condition, context: Context) -> bool:
    """Does `condition` hold for the request `context`?"""
    test = OPERATORS[condition.operator]
    actual = context.get(condition.lookup_key, ())
    hit = any(test.matcher(a, w) for a in actual for w in condition.values)
    return hit != test.negated
