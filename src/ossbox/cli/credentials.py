"""`ossbox credentials doctor`: which credentials the default chain would use, and why.

Every step of the chain is shown with its decision, decided from the environment and the
profile files alone: no network call is made and no secret is printed (key ids show their last
four characters). Exit status 0 when some step would be tried, 1 when none is set up.
"""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("credentials", help="inspect client credentials")
    commands = parser.add_subparsers(dest="credentials_command", metavar="COMMAND", required=True)
    doctor = commands.add_parser(
        "doctor",
        help="explain the default credentials chain (no network, no secrets)",
        description="Show each step of the default credentials chain and its decision.",
    )
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from ossbox.credentials.chain import DefaultCredentialsChain
    from ossbox.credentials.errors import CredentialsError

    try:
        explanation = DefaultCredentialsChain().explain()
    except CredentialsError as exc:  # e.g. an unknown step in the pin variable
        print(f"error: {exc}")
        return 2
    outcomes = explanation.outcomes
    if args.json:
        rows = [{"step": o.step, "status": o.status, "reason": o.reason} for o in outcomes]
        print(json.dumps(rows))
    else:
        print(explanation)
    return 0 if any(o.status == "would try" for o in outcomes) else 1
