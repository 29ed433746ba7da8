"""Parse and validate a policy document when it is written (CreatePolicy, PutBucketPolicy,
CreateRole/UpdateRole, AssumeRole's Policy), so nothing malformed reaches evaluation.

Choices where RAM is silent: field names and Effect are case-sensitive (a near miss gets a
"did you mean"); Version is required; Statement may be one object or a non-empty array;
duplicate JSON fields are rejected (the last one would silently win); condition values may be
JSON booleans or numbers (read as "true"/"10"), every other value must be a string.
Locations are 0-based: `Statement[0]` is the first statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ossbox.policy._json import JsonNumber, describe, load
from ossbox.policy.arn import arn_error, split_arn
from ossbox.policy.conditions import key_error, normalize_key, operator_error, value_error
from ossbox.policy.errors import malformed
from ossbox.policy.matching import wildcard_match
from ossbox.policy.model import (
    BucketContext,
    Condition,
    Effect,
    Policy,
    PolicyKind,
    Statement,
    TrustPrincipals,
)
from ossbox.policy.principals import bucket_principal_error, trust_principal_error

_DOCUMENT_FIELDS = ("Version", "Statement")
_STATEMENT_FIELDS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "Condition",
)
_TRUST_FIELDS = ("RAM", "Service", "Federated")
_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_.-]+")
_MISSING = object()


def parse_policy(text: str, *, kind: PolicyKind, bucket: BucketContext | None = None) -> Policy:
    """Parse `text` as a policy of `kind`; raise PolicyError (MalformedPolicyDocument) saying
    what is wrong and where. For a bucket policy, `bucket` lets Resource be checked."""
    document = load(text)
    if not isinstance(document, dict):
        raise malformed("(document)", f"must be a JSON object, not {describe(document)}")
    _check_fields(document, _DOCUMENT_FIELDS, "(document)")
    version = document.get("Version", _MISSING)
    if version is _MISSING:
        raise malformed("Version", 'is required and must be "1"')
    if not _is_text(version) or version != "1":
        raise malformed("Version", f'must be the string "1", not {describe(version)}')
    raw_statements = document.get("Statement", _MISSING)
    if raw_statements is _MISSING:
        raise malformed("Statement", "is required")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list) or not raw_statements:
        raise malformed("Statement", f"must be a non-empty array, not {describe(raw_statements)}")
    statements = tuple(
        _statement(raw, f"Statement[{i}]", kind, bucket) for i, raw in enumerate(raw_statements)
    )
    return Policy(kind, statements)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and not isinstance(value, JsonNumber)


def _check_fields(raw: Mapping[str, object], allowed: Iterable[str], location: str) -> None:
    allowed = tuple(allowed)
    for name in raw:
        if name in allowed:
            continue
        hint = next((a for a in allowed if a.lower() == name.lower()), None)
        detail = f'unknown field "{name[:64]}"'
        detail += f' (did you mean "{hint}"?)' if hint else f" (allowed: {', '.join(allowed)})"
        raise malformed(location, detail)


def _strings(
    raw: object, location: str, *, allow_empty: bool = False, allow_blank: bool = False
) -> tuple[str, ...]:
    """A string or an array of strings (`allow_blank`: "" is a value too)."""
    if _is_text(raw):
        values: list[object] = [raw]
    elif isinstance(raw, list):
        values = raw
    else:
        raise malformed(location, f"must be a string or an array of strings, not {describe(raw)}")
    if not values and not allow_empty:
        raise malformed(location, "must not be empty")
    for i, value in enumerate(values):
        if not _is_text(value):
            raise malformed(f"{location}[{i}]", f"must be a string, not {describe(value)}")
        if value == "" and not allow_blank:
            raise malformed(f"{location}[{i}]", "must not be an empty string")
    return tuple(str(v) for v in values)


def _statement(
    raw: object, location: str, kind: PolicyKind, bucket: BucketContext | None
) -> Statement:
    if not isinstance(raw, dict):
        raise malformed(location, f"must be an object, not {describe(raw)}")
    _check_fields(raw, _STATEMENT_FIELDS, location)
    actions, not_actions = _actions(raw, location, kind)
    resources, not_resources = _resources(raw, location, kind, bucket)
    principals, trust = _principal(raw, location, kind)
    return Statement(
        effect=_effect(raw, location),
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principals=principals,
        trust_principals=trust,
        conditions=_conditions(raw.get("Condition", _MISSING), location),
        sid=_sid(raw, location),
    )


def _sid(raw: Mapping[str, object], location: str) -> str | None:
    sid = raw.get("Sid", _MISSING)
    if sid is _MISSING:
        return None
    if not _is_text(sid):
        raise malformed(f"{location}.Sid", f"must be a string, not {describe(sid)}")
    return str(sid)


def _effect(raw: Mapping[str, object], location: str) -> Effect:
    effect = raw.get("Effect", _MISSING)
    if effect is _MISSING:
        raise malformed(f"{location}.Effect", 'is required ("Allow" or "Deny")')
    if effect == "Allow" and _is_text(effect):
        return "Allow"
    if effect == "Deny" and _is_text(effect):
        return "Deny"
    raise malformed(f"{location}.Effect", f'must be "Allow" or "Deny", not {describe(effect)}')


def _either(
    raw: Mapping[str, object], field: str, location: str
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """`field` or `Not<field>` (exactly one), or None if neither is present."""
    negated = "Not" + field
    has, has_not = field in raw, negated in raw
    if has and has_not:
        raise malformed(location, f"{field} and {negated} cannot both be set")
    if has:
        return _strings(raw[field], f"{location}.{field}"), ()
    if has_not:
        return (), _strings(raw[negated], f"{location}.{negated}")
    return None


def _actions(
    raw: Mapping[str, object], location: str, kind: PolicyKind
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pair = _either(raw, "Action", location)
    if pair is None:
        raise malformed(f"{location}.Action", "is required (or NotAction)")
    actions, not_actions = pair
    if kind is PolicyKind.TRUST and not_actions:
        raise malformed(f"{location}.NotAction", "is not allowed in a trust policy")
    field = "Action" if actions else "NotAction"
    for i, action in enumerate(actions or not_actions):
        _check_action(action, f"{location}.{field}[{i}]", kind)
    return actions, not_actions


def _check_action(action: str, location: str, kind: PolicyKind) -> None:
    if _ACTION.fullmatch(action) is None:
        raise malformed(location, f'"{action[:64]}" is not "*" or <service>:<action>')
    if kind is PolicyKind.TRUST and not wildcard_match(action, "sts:AssumeRole", ignore_case=True):
        raise malformed(location, f'"{action[:64]}" must be sts:AssumeRole in a trust policy')
    if kind is PolicyKind.RESOURCE and not wildcard_match(
        action.split(":")[0], "oss", ignore_case=True
    ):
        raise malformed(location, f'"{action[:64]}" is not an oss: action')


def _resources(
    raw: Mapping[str, object], location: str, kind: PolicyKind, bucket: BucketContext | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pair = _either(raw, "Resource", location)
    if kind is PolicyKind.TRUST:
        if pair is not None:
            raise malformed(location, "a trust policy names no Resource (the role is implied)")
        return (), ()
    if pair is None:
        raise malformed(f"{location}.Resource", "is required (or NotResource)")
    resources, not_resources = pair
    field = "Resource" if resources else "NotResource"
    for i, entry in enumerate(resources or not_resources):
        detail = arn_error(entry)
        if detail is None and bucket is not None:
            detail = _bucket_resource_error(entry, bucket)
        if detail is not None:
            raise malformed(f"{location}.{field}[{i}]", detail)
    return resources, not_resources


def _bucket_resource_error(entry: str, bucket: BucketContext) -> str | None:
    arn = split_arn(entry)
    expected = f"acs:oss:*:{bucket.owner_id}:{bucket.bucket}[/<key>]"
    if arn is None or arn.service != "oss":
        return f'"{entry[:64]}" must name this bucket, e.g. {expected}'
    named = arn.relative.split("/", 1)[0]
    if named != bucket.bucket:
        return f'"{entry[:64]}" names bucket "{named[:64]}", not "{bucket.bucket}"'
    if not wildcard_match(arn.account, bucket.owner_id):
        return f'"{entry[:64]}" names account "{arn.account}", not the bucket owner'
    return None


def _principal(
    raw: Mapping[str, object], location: str, kind: PolicyKind
) -> tuple[tuple[str, ...] | None, TrustPrincipals | None]:
    principal = raw.get("Principal", _MISSING)
    where = f"{location}.Principal"
    if kind is PolicyKind.IDENTITY:
        if principal is not _MISSING:
            raise malformed(where, "is not allowed in a RAM policy (only in bucket/trust policies)")
        return None, None
    if principal is _MISSING:
        raise malformed(where, "is required")
    if kind is PolicyKind.RESOURCE:
        return _bucket_principals(principal, where), None
    return None, _trust_principals(principal, where)


def _bucket_principals(raw: object, location: str) -> tuple[str, ...]:
    if isinstance(raw, dict):
        raise malformed(location, 'must be an array of UIDs or "*" in a bucket policy')
    entries = _strings(raw, location, allow_empty=True)
    for i, entry in enumerate(entries):
        detail = bucket_principal_error(entry)
        if detail is not None:
            raise malformed(f"{location}[{i}]", detail)
    return entries or ("*",)  # OSS: an empty list is the same as ["*"]


def _trust_principals(raw: object, location: str) -> TrustPrincipals:
    if not isinstance(raw, dict) or not raw:
        raise malformed(
            location,
            'must be an object such as {"RAM": [...]}, {"Service": [...]} or {"Federated": [...]}',
        )
    _check_fields(raw, _TRUST_FIELDS, location)
    found: dict[str, tuple[str, ...]] = {}
    for field, value in raw.items():
        entries = _strings(value, f"{location}.{field}")
        for i, entry in enumerate(entries):
            detail = trust_principal_error(field, entry)
            if detail is not None:
                raise malformed(f"{location}.{field}[{i}]", detail)
        found[field] = entries
    return TrustPrincipals(
        ram=found.get("RAM", ()),
        service=found.get("Service", ()),
        federated=found.get("Federated", ()),
    )


def _conditions(raw: object, location: str) -> tuple[Condition, ...]:
    if raw is _MISSING:
        return ()
    where = f"{location}.Condition"
    if not isinstance(raw, dict):
        raise malformed(where, f"must be an object, not {describe(raw)}")
    result: list[Condition] = []
    for operator, block in raw.items():
        detail = operator_error(operator)
        if detail is not None:
            raise malformed(where, detail)
        op_where = f"{where}.{operator}"
        if not isinstance(block, dict) or not block:
            raise malformed(
                op_where, f'must be a non-empty object of "<key>": values, not {describe(block)}'
            )
        for key, values in block.items():
            result.append(_condition(operator, key, values, f"{op_where}.{key[:64]}", op_where))
    return tuple(result)


def _condition(operator: str, key: str, raw: object, location: str, parent: str) -> Condition:
    detail = key_error(key)
    if detail is not None:
        raise malformed(parent, detail)
    values = _strings(_condition_text(raw), location, allow_blank=True)
    for i, value in enumerate(values):
        detail = value_error(operator, value)
        if detail is not None:
            raise malformed(f"{location}[{i}]" if isinstance(raw, list) else location, detail)
    return Condition(operator, key, normalize_key(key), values)


def _condition_text(raw: object) -> object:
    """JSON booleans and numbers in condition values become their text; the rest is unchanged."""
    if isinstance(raw, list):
        return [_condition_text(v) if not isinstance(v, list) else v for v in raw]
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, JsonNumber):
        return str(raw)
    return raw
