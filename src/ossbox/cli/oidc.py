"""`ossbox oidc token`: mint a token from the built-in OIDC issuer, as RRSA projects one into a
pod, so AssumeRoleWithOIDC can be exercised locally end to end."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from ossbox.atomic_files import write_private


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("oidc", help="the built-in OIDC issuer (RRSA tokens)")
    commands = parser.add_subparsers(dest="oidc_command", metavar="COMMAND", required=True)
    token = commands.add_parser(
        "token",
        help="mint a signed OIDC token",
        description="Mint a token signed with the issuer key under DIR/oidc/.",
    )
    token.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data directory")
    token.add_argument(
        "--sub", required=True, help="subject, e.g. system:serviceaccount:NAMESPACE:SA"
    )
    token.add_argument(
        "--aud", action="append", help="audience (repeatable; default sts.aliyuncs.com)"
    )
    token.add_argument("--ttl", type=int, default=3600, help="seconds until exp (default 3600)")
    token.add_argument(
        "--issuer", help="issuer URL (default: the one the server in DIR announced at start)"
    )
    token.add_argument("--out", type=Path, help="write the token here (mode 0600), not stdout")
    token.set_defaults(handler=run_token)


def run_token(args: argparse.Namespace) -> int:
    from ossbox.server.oidc.issuer import mint
    from ossbox.server.oidc.keys import load_or_create, read_issuer

    issuer = args.issuer or read_issuer(args.data)
    if issuer is None:
        print(
            f"ossbox: no issuer URL recorded in {args.data}; start `ossbox serve --data "
            f"{args.data}` once, or pass --issuer",
            file=sys.stderr,
        )
        return 2
    if args.ttl <= 0:
        print("ossbox: --ttl must be positive", file=sys.stderr)
        return 2
    audience = args.aud or ["sts.aliyuncs.com"]
    token = mint(
        load_or_create(args.data),
        issuer,
        subject=args.sub,
        audience=audience[0] if len(audience) == 1 else audience,
        now=datetime.now(UTC),
        ttl=args.ttl,
    )
    if args.out is None:
        print(token)
    else:
        write_private(args.out, token.encode("ascii"))
    return 0
