"""Delimiter-grouped listing over an ordered key range, at a cost proportional to the page.

The walker asks its `fetch` callback for rows in key order starting at a bound. When a row
falls into a common prefix, the prefix is emitted once and the next fetch starts past the
whole prefix (`prefix_end`), so a prefix holding a million keys costs one row read.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

R = TypeVar("R")

# fetch(lower, inclusive, upper, limit): rows with lower <(=) key < upper (upper None: no
# bound), in listing order, at most `limit` of them. Read lazily; closed when abandoned.
Fetch = Callable[[str, bool, "str | None", int], Generator[R, None, None]]

_SURROGATES = range(0xD800, 0xE000)


def prefix_end(prefix: str) -> str | None:
    """The smallest string greater than every string starting with `prefix`.

    None when there is none (empty prefix, or only U+10FFFF characters). Code-point order
    equals UTF-8 byte order, which is how SQLite compares TEXT.
    """
    s = prefix
    while s:
        nxt = ord(s[-1]) + 1
        if nxt in _SURROGATES:
            nxt = 0xE000
        if nxt <= 0x10FFFF:
            return s[:-1] + chr(nxt)
        s = s[:-1]
    return None


def common_prefix(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `key` rolls up into, or None when it is listed as itself."""
    if not delimiter:
        return None
    i = key.find(delimiter, len(prefix))
    return None if i < 0 else key[: i + len(delimiter)]


@dataclass
class Walk(Generic[R]):
    items: list[R]
    prefixes: list[str]
    truncated: bool
    last: R | str | None  # the last row or common prefix emitted


class _Page(Generic[R]):
    def __init__(self, limit: int) -> None:
        self.walk: Walk[R] = Walk(items=[], prefixes=[], truncated=False, last=None)
        self._room = limit

    def add_row(self, row: R) -> bool:
        if not self._take():
            return False
        self.walk.items.append(row)
        self.walk.last = row
        return True

    def add_prefix(self, cp: str) -> bool:
        if not self._take():
            return False
        self.walk.prefixes.append(cp)
        self.walk.last = cp
        return True

    def _take(self) -> bool:
        if self._room <= 0:
            self.walk.truncated = True
            return False
        self._room -= 1
        return True

    @property
    def room(self) -> int:
        return self._room


def grouped_walk(
    fetch: Fetch[R],
    key_of: Callable[[R], str],
    *,
    prefix: str,
    delimiter: str,
    marker: str,
    limit: int,
    head: Iterable[R] = (),
) -> Walk[R]:
    """One listing page: rows with key > marker under `prefix`, grouped by `delimiter`.

    `head` rows (e.g. the marker key's remaining versions) come first, ungrouped. A common
    prefix equal to `marker` is skipped entirely (it ended the previous page).
    """
    page: _Page[R] = _Page(limit)
    for row in head:
        if not page.add_row(row):
            return page.walk
    upper = prefix_end(prefix)
    start = _start(prefix, delimiter, marker)
    if start is None:
        return page.walk
    lower, inclusive = start
    while True:
        rows = fetch(lower, inclusive, upper, page.room + 1)
        try:
            jump = _consume(rows, key_of, page, prefix, delimiter)
        finally:
            rows.close()
        if jump is None:
            return page.walk
        lower, inclusive = jump, True


def _start(prefix: str, delimiter: str, marker: str) -> tuple[str, bool] | None:
    if marker < prefix:
        return prefix, True
    if common_prefix(marker, prefix, delimiter) == marker and marker.startswith(prefix):
        end = prefix_end(marker)
        return None if end is None else (end, True)
    return marker, False


def _consume(
    rows: Iterable[R], key_of: Callable[[R], str], page: _Page[R], prefix: str, delimiter: str
) -> str | None:
    """Add rows to the page; returns where to resume after a common prefix, else None."""
    for row in rows:
        cp = common_prefix(key_of(row), prefix, delimiter)
        if cp is None:
            if not page.add_row(row):
                return None
            continue
        if not page.add_prefix(cp):
            return None
        return prefix_end(cp)
    return None
