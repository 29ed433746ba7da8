"""Argument types shared by the sub-commands."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta


def iso_time(text: str) -> datetime:
    """An ISO 8601 time for argparse; no zone means UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # seconds per unit of `90s`, `15m`, `1h`, `7d`


def time_or_ago(text: str) -> datetime:
    """An ISO 8601 time, or that long ago: `90s`, `15m`, `1h`, `7d` (or `=-1h`)."""
    unit, amount = UNITS.get(text[-1:]), text[:-1].removeprefix("-")
    if unit is not None and amount.isascii() and amount.isdigit():
        try:
            return datetime.now(UTC) - timedelta(seconds=int(amount) * unit)
        except (OverflowError, ValueError):  # before year 1, or too many digits for int()
            raise argparse.ArgumentTypeError(f"too long ago: {text[:40]!r}") from None
    try:
        return iso_time(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time nor -N[smhd]: {text!r}") from None
