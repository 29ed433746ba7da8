"""Entry point of the `ossbox` command: one sub-command per job, wired here and nowhere else."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ossbox import __version__
from ossbox.cli import audit, credentials, explain, kms, oidc, ram, serve, sign_url, sts


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ossbox",
        description="Alibaba Cloud OSS with RAM, STS and signed URLs, enforced, on your machine.",
    )
    parser.add_argument("--version", action="version", version=f"ossbox {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve.add_parser(commands)
    sts.add_parser(commands)
    ram.add_parser(commands)
    kms.add_parser(commands)
    explain.add_parser(commands)
    credentials.add_parser(commands)
    oidc.add_parser(commands)
    sign_url.add_parser(commands)
    audit.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.error(f"unknown command {args.command!r}")
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
