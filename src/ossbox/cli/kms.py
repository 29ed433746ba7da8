"""`ossbox kms ...`: Secrets Manager administration on a data directory (safe beside a server).

    ossbox kms create-secret NAME --ram-user USER [--rotation-interval 7d|6h|30s|0]
    ossbox kms rotate NAME
    ossbox kms create-client-key --out DIR (--allow-secret NAME ... | --policy JSON|@FILE)
                                 [--aap NAME] [--source-ip CIDR ...] [--endpoint HOST:PORT]

create-client-key writes what the seed's secretsmanager.properties names, all mode 0600:
DIR/clientKey_<KeyId>.json (the private key, PKCS#12 in the official format),
DIR/clientKey_<KeyId>_Password.txt and DIR/secretsmanager.properties.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ossbox.cli.args import UNITS
from ossbox.cli.ram import CliError, open_database, resolve_account
from ossbox.credentials.files import write_private
from ossbox.policy import PolicyError, PolicyKind, parse_policy
from ossbox.server.kms import clientkeys, rotation
from ossbox.server.kms.api import SECRET_NAME
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.shapes import iso
from ossbox.store.kms import KmsStore, KmsStoreError, RamSecret, SecretExists, SqliteKmsStore
from ossbox.store.ram import RamStoreError

_DURATION = re.compile(r"(\d+)([smhd]?)", re.ASCII)
_UNITS = {"": 1, **UNITS}  # a bare number is seconds
MAX_ROTATION_INTERVAL = 365 * 86400


def duration(text: str) -> int:
    """`7d`, `6h`, `15m`, `30s` or plain seconds, for argparse."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or len(match.group(1)) > 12:
        raise argparse.ArgumentTypeError(f"not a duration (e.g. 7d, 6h, 30s): {text!r}")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_ROTATION_INTERVAL:  # KMS's own upper bound for RotationInterval
        raise argparse.ArgumentTypeError(f"at most 365d: {text!r}")
    return seconds


def validity_days(text: str) -> int:
    """A ClientKey's validity in days: 0 (already expired, for tests) to 100 years."""
    if not (text.isascii() and text.isdigit() and len(text) <= 6 and int(text) <= 36500):
        raise argparse.ArgumentTypeError(f"not a number of days from 0 to 36500: {text!r}")
    return int(text)


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def _summary(secret: RamSecret) -> dict[str, Any]:
    return {
        "SecretName": secret.name,
        "SecretType": secret.secret_type,
        "RamUser": secret.ram_user,
        "AutomaticRotation": secret.automatic_rotation,
        "RotationInterval": f"{secret.rotation_interval}s",
        "NextRotationDate": _time(secret.next_rotation),
        "CurrentVersion": {
            "VersionId": secret.current.version_id,
            "AccessKeyId": secret.current.access_key_id,
        },
    }


def create_secret(kms: KmsStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    if not SECRET_NAME.fullmatch(args.name):
        raise CliError("a secret name is 1-192 letters, digits and _/+=.@- characters")
    secret = kms.create_secret(
        account,
        args.name,
        args.ram_user,
        rotation_interval=args.rotation_interval,
        description=args.description or "",
        now=datetime.now(UTC),
        new_key=rotation.new_user_key,
    )
    return _summary(secret)


def rotate(kms: KmsStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    return _summary(rotation.rotate_now(kms, account, args.name, datetime.now(UTC)))


def _policy(args: argparse.Namespace, account: str) -> str:
    if args.policy:
        text = Path(args.policy[1:]).read_text() if args.policy.startswith("@") else args.policy
    elif args.allow_secret:
        resources = [f"acs:kms:*:{account}:secret/{name}" for name in args.allow_secret]
        statement = {"Effect": "Allow", "Action": ["kms:GetSecretValue"], "Resource": resources}
        text = json.dumps({"Version": "1", "Statement": [statement]})
    else:
        raise CliError("give --allow-secret NAME (repeatable) or --policy JSON|@FILE")
    try:
        parse_policy(text, kind=PolicyKind.IDENTITY)
    except PolicyError as err:
        raise CliError(f"--policy: {err}") from None
    return text


def _properties(key_path: Path, password_path: Path, region: str, endpoint: str) -> str:
    regions = json.dumps([{"regionId": region, "endpoint": endpoint}])
    return (
        "# written by ossbox kms create-client-key\n"
        "credentials_type=client_key\n"
        f"client_key_password_from_file_path={password_path}\n"
        f"client_key_private_key_path={key_path}\n"
        f"cache_client_region_id={regions}\n"
    )


def create_client_key(kms: KmsStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    try:
        networks = clientkeys.check_networks(tuple(args.source_ip or ()))
    except ValueError as err:
        raise CliError(f"--source-ip: {err}") from None
    password = secrets.token_urlsafe(24)
    issued = clientkeys.issue_client_key(
        kms,
        account_id=account,
        aap_name=args.aap,
        policy=_policy(args, account),
        source_ips=networks,
        password=password,
        now=datetime.now(UTC),
        validity=timedelta(days=args.validity_days),
    )
    out = Path(args.out).resolve()
    key_id = issued.record.key_id
    key_path = out / f"clientKey_{key_id}.json"
    password_path = out / f"clientKey_{key_id}_Password.txt"
    properties_path = out / "secretsmanager.properties"
    write_private(key_path, clientkeys.key_file_text(issued).encode())
    write_private(password_path, password.encode())
    properties = _properties(key_path, password_path, args.region, args.endpoint)
    write_private(properties_path, properties.encode())
    return {
        **clientkeys.summary(issued),
        "PrivateKeyFile": str(key_path),
        "PasswordFile": str(password_path),
        "Properties": str(properties_path),
    }


# --- arguments -------------------------------------------------------------------------------


def _secret_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="the secret's name")
    p.add_argument("--ram-user", required=True, help="the RAM user whose AccessKey it holds")
    p.add_argument(
        "--rotation-interval",
        type=duration,
        default=duration("7d"),
        metavar="DURATION",
        help="automatic rotation period (7d, 6h, 30s; 0 turns it off; default 7d)",
    )
    p.add_argument("--description")


def _rotate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="the secret's name")


def _client_key_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="directory for the key, password, properties")
    p.add_argument("--aap", default="ossbox-app", help="the application access point's name")
    p.add_argument("--allow-secret", action="append", metavar="NAME", help="may read NAME")
    p.add_argument("--policy", help="the permission policy (RAM policy language): JSON|@FILE")
    p.add_argument("--source-ip", action="append", metavar="CIDR", help="allowed network")
    p.add_argument("--region", default="cn-hangzhou", help="regionId in the properties file")
    p.add_argument(
        "--endpoint", default="127.0.0.1:9000", help="the server (HOST:PORT, served with --tls)"
    )
    p.add_argument("--validity-days", type=validity_days, default=365)


Command = Callable[[KmsStore, str, argparse.Namespace], dict[str, Any]]
COMMANDS: dict[str, tuple[str, Command, Callable[[argparse.ArgumentParser], None]]] = {
    "create-secret": ("create a managed RAM-credential secret", create_secret, _secret_args),
    "rotate": ("rotate a secret now", rotate, _rotate_args),
    "create-client-key": (
        "create an application access point ClientKey",
        create_client_key,
        _client_key_args,
    ),
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kms", help="Secrets Manager (auto-rotated AccessKeys)")
    commands = parser.add_subparsers(dest="kms_command", metavar="COMMAND", required=True)
    for name, (help_text, command, arguments) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data dir")
        sub.add_argument("--account", help="account id (default: DIR/account-id)")
        arguments(sub)
        sub.set_defaults(handler=run, kms_run=command)


@contextmanager
def open_kms(data: Path) -> Iterator[KmsStore]:
    with open_database(data) as (meta, key):
        yield SqliteKmsStore(meta._db, key)


def run(args: argparse.Namespace) -> int:
    try:
        with open_kms(args.data) as kms:
            result = args.kms_run(kms, resolve_account(args.data, args.account), args)
    except (CliError, OSError) as err:
        print(f"ossbox: {err}", file=sys.stderr)
        return 2
    except RamStoreError as err:
        refusal = rpc_error(err)
        print(f"ossbox: {refusal.code}: {refusal.message}", file=sys.stderr)
        return 1
    except SecretExists as err:
        print(f"ossbox: Rejected.ResourceExist: secret {err} already exists", file=sys.stderr)
        return 1
    except KmsStoreError as err:
        print(f"ossbox: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
