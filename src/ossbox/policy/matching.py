"""Wildcard matching for actions, resources and StringLike: `*` is any run (also `/`, also
empty), `?` is exactly one character. Linear-ish time: a policy author cannot make it backtrack.
"""

from __future__ import annotations

import re
from functools import lru_cache


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """True if `value` matches `pattern` as a whole."""
    if pattern == "*":
        return True
    if ignore_case:
        pattern, value = pattern.casefold(), value.casefold()
    if "*" not in pattern:
        return len(pattern) == len(value) and _fixed_at(pattern, value, 0)
    first, *middle, last = pattern.split("*")
    end = len(value) - len(last)
    if end < len(first):
        return False
    if not (_fixed_at(first, value, 0) and _fixed_at(last, value, end)):
        return False
    pos = len(first)
    for segment in middle:
        found = _find(segment, value, pos, end)
        if found < 0:
            return False
        pos = found + len(segment)
    return True


def _fixed_at(segment: str, value: str, start: int) -> bool:
    """`segment` (no `*`) matches `value` at `start`."""
    if "?" not in segment:
        return value.startswith(segment, start)
    if start + len(segment) > len(value):
        return False
    return all(p in ("?", c) for p, c in zip(segment, value[start:], strict=False))


def _find(segment: str, value: str, start: int, end: int) -> int:
    """Leftmost index >= start where `segment` (no `*`) matches inside value[:end], or -1.

    Greedy leftmost placement is exact for `*`-separated fixed-width segments."""
    if "?" not in segment:
        return value.find(segment, start, end)
    match = _segment_regex(segment).search(value, start, end)
    return -1 if match is None else match.start()


@lru_cache(maxsize=1024)
def _segment_regex(segment: str) -> re.Pattern[str]:
    body = "".join("." if c == "?" else re.escape(c) for c in segment)
    return re.compile(body, re.DOTALL)
