"""`ossbox sts ...`: STS administration on a data directory, safe beside a running server.

`ossbox sts revoke-sessions --data DIR --role NAME [--before ISO] [--account ID]` refuses every
STS credential of the role issued before the time (default: now). Running servers sharing DIR
apply it within `ossbox.server.sts.revocation.REFRESH_SECONDS`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from ossbox.cli.args import iso_time


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sts", help="STS administration (revoke role sessions)")
    commands = parser.add_subparsers(dest="sts_command", metavar="COMMAND", required=True)
    revoke = commands.add_parser(
        "revoke-sessions",
        help="refuse a role's STS credentials issued before a time",
        description="Refuse every STS credential of ROLE issued before --before (default now).",
    )
    revoke.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data directory")
    revoke.add_argument("--role", required=True, help="role name")
    revoke.add_argument(
        "--before",
        type=iso_time,
        default=None,
        help="ISO 8601 time, e.g. 2026-05-06T07:08:09Z (default: now; no zone means UTC)",
    )
    revoke.add_argument("--account", help="the role's account id (default: DIR/account-id)")
    revoke.set_defaults(handler=revoke_sessions)


def revoke_sessions(args: argparse.Namespace) -> int:
    from ossbox.server.sts.revocation import REFRESH_SECONDS
    from ossbox.store.crypto import MasterKey
    from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore

    data: Path = args.data
    if not (data / DB_FILE).exists():
        print(f"ossbox: no ossbox data in {data}", file=sys.stderr)
        return 2
    account_file = data / "account-id"
    if args.account is None and not account_file.exists():
        print(f"ossbox: {account_file} is missing; pass --account", file=sys.stderr)
        return 2
    account = args.account or account_file.read_text().strip()
    before = args.before or datetime.now(UTC)
    # The metadata store alone: opening the whole store would run crash recovery, which must
    # not happen beside a running server.
    meta = SqliteMetadataStore(data / DB_FILE, MasterKey.load_or_create(data))
    try:
        cutoff = meta.revoke_role_sessions(account, args.role, before)
    finally:
        meta.close()
    print(
        f"ossbox: sessions of role {args.role} (account {account}) issued before "
        f"{cutoff.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ} are revoked; running servers apply "
        f"this within {REFRESH_SECONDS:g} s"
    )
    return 0
