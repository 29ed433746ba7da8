"""Strict JSON loading for policy documents: no duplicate keys, no NaN, numbers kept as text."""

from __future__ import annotations

import json

from ossbox.policy.errors import PolicyError, malformed


class JsonNumber(str):
    """A JSON number, kept as its source text (so `100` and `1e2` stay as written)."""

    __slots__ = ()


def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            # The last one would win silently and could hide a Deny; refuse instead.
            raise malformed("(document)", f'duplicate field "{key[:64]}" in one JSON object')
        result[key] = value
    return result


def _constant(name: str) -> object:
    raise malformed("(document)", f"{name} is not valid JSON")


def load(text: str) -> object:
    """Parse `text`; any failure is a PolicyError naming the line and column."""
    if not isinstance(text, str):
        raise malformed("(document)", "the document must be text")
    try:
        return json.loads(
            text,
            object_pairs_hook=_object,
            parse_constant=_constant,
            parse_int=JsonNumber,
            parse_float=JsonNumber,
        )
    except PolicyError:
        raise
    except json.JSONDecodeError as err:
        raise malformed(
            f"line {err.lineno} column {err.colno}", f"invalid JSON ({err.msg})"
        ) from None
    except RecursionError:
        raise malformed("(document)", "JSON is nested too deeply") from None
    except ValueError as err:  # e.g. a stray surrogate the decoder refuses
        raise malformed("(document)", f"invalid JSON ({err})") from None


def describe(value: object) -> str:
    """A short, safe description of a JSON value for an error message (never the whole value)."""
    if isinstance(value, JsonNumber):
        return "a number"
    if isinstance(value, str):
        shown = value if len(value) <= 64 else value[:61] + "..."
        return f'the string "{shown}"'
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
