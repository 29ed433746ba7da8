"""How the audit trail is kept (`ossbox serve --audit-*` flags)."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class AuditSettings:
    enabled: bool = True
    flush_interval: float = 0.05  # seconds between group commits
    fsync: bool = True
    max_segment_bytes: int = 64 * MIB
    retain_bytes: int = 1024 * MIB
