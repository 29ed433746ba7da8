"""Signs of a leaked or guessed AccessKey in the audit log.

- `new-source-ip`: an AccessKey authenticated successfully from a source IP it had never been
  used from before. The baseline is the IP of the key's first successful use (over the whole
  log, even before `since`); every later first use from another IP is reported once.
- `auth-failure-burst`: at least `burst_threshold` failed authentications (a bad signature,
  an unknown or disabled AccessKeyId, a bad or expired SecurityToken) within `burst_window`
  seconds, for one claimed AccessKeyId or from one source IP. Overlapping windows merge into
  one burst.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ossbox.server.audit.query import Event, event_time

DEFAULT_BURST_THRESHOLD = 10
DEFAULT_BURST_WINDOW = 60.0

Finding = dict[str, Any]


@dataclass(frozen=True)
class Thresholds:
    burst_threshold: int = DEFAULT_BURST_THRESHOLD
    burst_window: float = DEFAULT_BURST_WINDOW  # seconds


def _in_range(when: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or when >= since) and (until is None or when <= until)


def new_source_ips(
    events: Iterable[Event], since: datetime | None = None, until: datetime | None = None
) -> list[Finding]:
    known: dict[str, set[str]] = defaultdict(set)
    findings: dict[tuple[str, str], Finding] = {}
    for event in events:
        key, ip = event.get("accessKeyId") or "", event.get("sourceIp") or ""
        if not key or not ip or event.get("authFailure") or not event.get("principalArn"):
            continue
        seen = known[key]
        if not seen or ip in seen:
            if (key, ip) in findings:
                findings[(key, ip)]["count"] += 1
            seen.add(ip)
            continue
        seen.add(ip)
        if _in_range(event_time(event), since, until):
            findings[(key, ip)] = {
                "kind": "new-source-ip",
                "accessKeyId": key,
                "principalArn": event.get("principalArn", ""),
                "sourceIp": ip,
                "knownIps": sorted(seen - {ip}),
                "firstSeen": event["time"],
                "action": event.get("action", ""),
                "requestId": event.get("requestId", ""),
                "count": 1,
            }
    return list(findings.values())


def _bursts(times: list[datetime], threshold: int, window: timedelta) -> list[tuple[int, int]]:
    """Index ranges [first, last] where `threshold` events fall within `window`, merged."""
    ranges: list[tuple[int, int]] = []
    left = 0
    for right, when in enumerate(times):
        while when - times[left] > window:
            left += 1
        if right - left + 1 >= threshold:
            if ranges and left <= ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], right)
            else:
                ranges.append((left, right))
    return ranges


def failure_bursts(
    events: Iterable[Event],
    thresholds: Thresholds = Thresholds(),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Finding]:
    groups: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for event in events:
        if not event.get("authFailure"):
            continue
        if event.get("accessKeyId"):
            groups[("accessKeyId", event["accessKeyId"])].append(event)
        if event.get("sourceIp"):
            groups[("sourceIp", event["sourceIp"])].append(event)
    window = timedelta(seconds=thresholds.burst_window)
    findings = []
    for (by, value), failures in groups.items():
        times = [event_time(e) for e in failures]
        for first, last in _bursts(times, thresholds.burst_threshold, window):
            if not _in_range(times[last], since, until):
                continue
            members = failures[first : last + 1]
            findings.append(
                {
                    "kind": "auth-failure-burst",
                    "by": by,
                    "value": value,
                    "count": len(members),
                    "start": members[0]["time"],
                    "end": members[-1]["time"],
                    "codes": dict(Counter(e["authFailure"] for e in members)),
                    "sourceIps": sorted({e.get("sourceIp", "") for e in members}),
                    "accessKeyIds": sorted({e.get("accessKeyId", "") for e in members}),
                }
            )
    return findings


def find_suspicious(
    events: list[Event],
    thresholds: Thresholds = Thresholds(),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Finding]:
    """Every finding, ordered by when it happened. `events` must be in time order."""
    found = new_source_ips(events, since, until) + failure_bursts(events, thresholds, since, until)
    return sorted(found, key=lambda f: str(f.get("firstSeen") or f.get("start")))
