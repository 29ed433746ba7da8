"""`ossbox audit`: search the audit trail; `ossbox audit suspicious`: signs of a leaked key.

Reads DIR/audit/*.jsonl directly (every worker's segments), so it works with the server
running or stopped. Events reach the files within the server's flush interval (0.05 s by
default).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ossbox.cli.args import time_or_ago
from ossbox.server.audit.query import Filter, read_events, search
from ossbox.server.audit.suspicious import (
    DEFAULT_BURST_THRESHOLD,
    DEFAULT_BURST_WINDOW,
    Thresholds,
    find_suspicious,
)
from ossbox.server.audit.writer import audit_dir


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="search the audit trail (who did what, from where, with what result)",
        description="Search the audit trail of a data directory. Times: ISO 8601 (UTC if no "
        "zone), or how long ago: 90s, 15m, 1h, 7d (also --since=-1h).",
    )
    _common(parser)
    parser.add_argument("--principal", help="ARN, or user/role name (wildcards * ?)")
    parser.add_argument("--action", help="RAM action, wildcards allowed: oss:Get*, ram:*")
    parser.add_argument("--access-key-id", help="the AccessKeyId used (or claimed)")
    parser.add_argument("--code", help="error code, e.g. AccessDenied, SignatureDoesNotMatch")
    parser.add_argument("--source-ip", help="the client's source IP")
    parser.add_argument("--request-id", help="one request")
    parser.add_argument("--limit", type=int, default=0, help="at most N events (newest)")
    parser.set_defaults(handler=run)
    commands = parser.add_subparsers(dest="audit_command", metavar="COMMAND")
    suspicious = commands.add_parser(
        "suspicious",
        help="AccessKeys used from new source IPs; bursts of failed authentications",
        description="Report AccessKeys used successfully from a source IP never seen before "
        "for that key (the baseline is the key's first use), and bursts of at least "
        "--burst-threshold failed authentications within --burst-window seconds for one "
        "AccessKeyId or from one source IP. Exit status 1 when something is found.",
    )
    _common(suspicious)
    suspicious.add_argument(
        "--burst-threshold",
        type=int,
        default=DEFAULT_BURST_THRESHOLD,
        help=f"failures that make a burst (default {DEFAULT_BURST_THRESHOLD})",
    )
    suspicious.add_argument(
        "--burst-window",
        type=float,
        default=DEFAULT_BURST_WINDOW,
        help=f"seconds they must fall within (default {DEFAULT_BURST_WINDOW:g})",
    )
    suspicious.set_defaults(handler=run_suspicious)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data directory")
    parser.add_argument("--since", type=time_or_ago, help="from this time on")
    parser.add_argument("--until", type=time_or_ago, help="up to this time")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")


def _line(event: dict[str, Any]) -> str:
    who = event.get("principalArn") or "-"
    code = event.get("errorCode") or "OK"
    key = event.get("accessKeyId") or "-"
    return (
        f"{event.get('time')} {event.get('sourceIp', '-'):<15} {event.get('status')} "
        f"{code:<22} {event.get('action') or '-':<26} {event.get('decision', '-'):<5} "
        f"{key} {who} {event.get('resource') or ''}"
    )


def run(args: argparse.Namespace) -> int:
    where = Filter(
        principal=args.principal,
        action=args.action,
        since=args.since,
        until=args.until,
        access_key_id=args.access_key_id,
        code=args.code,
        source_ip=args.source_ip,
        request_id=args.request_id,
    )
    events = search(audit_dir(args.data), where)
    if args.limit > 0:
        events = events[-args.limit :]
    for event in events:
        print(json.dumps(event) if args.json else _line(event))
    return 0


def _finding(finding: dict[str, Any]) -> str:
    if finding["kind"] == "new-source-ip":
        return (
            f"{finding['firstSeen']} new-source-ip  AccessKey {finding['accessKeyId']} "
            f"({finding['principalArn']}) used from {finding['sourceIp']} "
            f"{finding['count']} time(s); known: {', '.join(finding['knownIps'])}"
        )
    codes = ", ".join(f"{code} x{n}" for code, n in finding["codes"].items())
    return (
        f"{finding['start']} auth-failure-burst  {finding['count']} failures for "
        f"{finding['by']} {finding['value']} until {finding['end']} ({codes})"
    )


def run_suspicious(args: argparse.Namespace) -> int:
    if args.burst_threshold < 1 or args.burst_window <= 0:
        print("ossbox audit suspicious: thresholds must be positive", file=sys.stderr)
        return 2
    events = sorted(read_events(audit_dir(args.data)), key=lambda e: str(e["time"]))
    thresholds = Thresholds(args.burst_threshold, args.burst_window)
    findings = find_suspicious(events, thresholds, args.since, args.until)
    for finding in findings:
        print(json.dumps(finding) if args.json else _finding(finding))
    return 1 if findings else 0
