"""Reading the audit log back: every segment of every process, filtered, in time order."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ossbox.server.audit.writer import segments

Event = dict[str, Any]


def event_time(event: Event) -> datetime:
    return datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def read_events(directory: Path) -> Iterator[Event]:
    """Every well-formed event, segment by segment (a torn last line after a crash is
    skipped)."""
    for path in segments(directory):
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue  # pruned meanwhile
        with handle:
            for line in handle:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict) and isinstance(event.get("time"), str):
                    yield event


@dataclass(frozen=True)
class Filter:
    """Conditions an event must all meet; None means any. `action` and `principal` accept
    shell wildcards (`oss:Get*`); `principal` matches the ARN or its last part (a user or role
    name, `user/alice`, `role/app/session`)."""

    principal: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    access_key_id: str | None = None
    code: str | None = None
    source_ip: str | None = None
    request_id: str | None = None

    def matches(self, event: Event) -> bool:
        if self.action is not None and not fnmatch.fnmatchcase(
            event.get("action", ""), self.action
        ):
            return False
        if self.access_key_id is not None and event.get("accessKeyId") != self.access_key_id:
            return False
        if self.code is not None and event.get("errorCode") != self.code:
            return False
        if self.source_ip is not None and event.get("sourceIp") != self.source_ip:
            return False
        if self.request_id is not None and event.get("requestId") != self.request_id:
            return False
        if self.principal is not None and not _principal_matches(event, self.principal):
            return False
        return self._in_time(event)

    def _in_time(self, event: Event) -> bool:
        if self.since is None and self.until is None:
            return True
        try:
            when = event_time(event)
        except ValueError:
            return False
        return (self.since is None or when >= self.since) and (
            self.until is None or when <= self.until
        )


def _principal_matches(event: Event, pattern: str) -> bool:
    arn = str(event.get("principalArn", ""))
    if not arn:
        return False
    relative = arn.split(":", 4)[-1]  # root, user/alice, assumed-role/app/session
    parts = relative.split("/")
    # the ARN, `user/alice`, `alice`, `app/session` and `app` (the role)
    names = {arn, relative, parts[-1] if len(parts) == 2 else relative, "/".join(parts[1:])}
    names.add(parts[1] if len(parts) > 1 else relative)
    return any(fnmatch.fnmatchcase(name, pattern) for name in names)


def search(directory: Path, where: Filter) -> list[Event]:
    """Matching events of every process, oldest first."""
    found = [event for event in read_events(directory) if where.matches(event)]
    found.sort(key=lambda event: str(event["time"]))
    return found
