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


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def time_or_ago(text: str) -> datetime:
    """An ISO 8601 time, or a time relative to now: `-90s`, `-15m`, `-1h`, `-7d`."""
    unit = _UNITS.get(text[-1:]) if text.startswith("-") else None
    if unit is not None and text[1:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[1:-1]) * unit)
    try:
        return iso_time(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time nor -N[smhd]: {text!r}") from None
