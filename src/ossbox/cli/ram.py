"""`ossbox ram ...`: the common RAM calls on a data directory's store, safe beside a running
server (the metadata database only: no crash recovery), validated as the RAM API validates.

    ossbox ram create-user NAME [--display-name X] [--comments X]
    ossbox ram create-access-key [--user NAME]           (no --user: a root key)
    ossbox ram create-role NAME [--trust-policy JSON|@FILE] [--max-session-duration S]
    ossbox ram create-policy NAME --document JSON|@FILE [--description X]
    ossbox ram attach-policy POLICY (--user U | --group G | --role R) [--type System|Custom]
    ossbox ram create-group NAME / add-user-to-group GROUP USER
    ossbox ram list-users / list-roles / list-policies [--type System|Custom]

Every command takes --data DIR (default ossbox-data) and --account ID (default DIR/account-id)
and prints RAM's JSON answer. A refusal prints RAM's code and message and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ossbox.policy import SYSTEM_POLICIES, PolicyKind
from ossbox.server.ram import shapes
from ossbox.server.ram.errors import rpc_error
from ossbox.server.ram.keys import mint_access_key
from ossbox.server.ram.params import (
    GROUP_NAME,
    POLICY_NAME,
    ROLE_NAME,
    USER_NAME,
    NameRule,
    Params,
    check_name,
)
from ossbox.server.ram.policies import validated_document
from ossbox.server.ram.roles import MAX_SESSION, MIN_SESSION
from ossbox.server.rpc.errors import RpcError
from ossbox.store.crypto import MasterKey
from ossbox.store.ram import RamStore, RamStoreError, TargetType
from ossbox.store.ram_sqlite import SqliteRamStore
from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore

Command = Callable[[RamStore, str, argparse.Namespace], dict[str, Any]]


class CliError(Exception):
    """A problem with the data directory or the arguments (exit status 2)."""


@dataclass(frozen=True)
class Spec:
    help: str
    run: Command
    arguments: Callable[[argparse.ArgumentParser], None]


# --- the commands ----------------------------------------------------------------------------


def _name(args: argparse.Namespace, param: str, rule: NameRule) -> str:
    value: str = args.name
    return check_name(param, value, rule)


def _document(text: str, param: str, kind: PolicyKind) -> str:
    """A JSON document given inline or as @FILE, validated as the API validates it."""
    if text.startswith("@"):
        text = Path(text[1:]).read_text()
    return validated_document(Params({param: text}), param, kind)


def create_user(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    params = Params({"DisplayName": args.display_name or "", "Comments": args.comments or ""})
    user = ram.create_user(
        account,
        _name(args, "UserName", USER_NAME),
        display_name=params.display_name("DisplayName") or "",
        comments=params.text("Comments", 128) or "",
    )
    return {"User": shapes.user(user)}


def create_access_key(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    user = None if args.user is None else check_name("UserName", args.user, USER_NAME)
    key = mint_access_key(ram, account, user, datetime.now(UTC))
    return {"AccessKey": {**shapes.access_key(key), "AccessKeySecret": key.secret}}


def _account_trust(account: str) -> str:
    """What the console writes for a role trusted by the current account."""
    principal = {"RAM": [f"acs:ram::{account}:root"]}
    statement = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal}
    return json.dumps({"Statement": [statement], "Version": "1"})


def create_role(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    trust = args.trust_policy or _account_trust(account)
    duration = Params({"MaxSessionDuration": str(args.max_session_duration)}).integer(
        "MaxSessionDuration", MIN_SESSION, MAX_SESSION
    )
    role = ram.create_role(
        account,
        _name(args, "RoleName", ROLE_NAME),
        _document(trust, "AssumeRolePolicyDocument", PolicyKind.TRUST),
        description=args.description or "",
        max_session_duration=duration or MIN_SESSION,
    )
    return {"Role": shapes.role(role)}


def create_policy(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    name = _name(args, "PolicyName", POLICY_NAME)
    document = _document(args.document, "PolicyDocument", PolicyKind.IDENTITY)
    policy, _ = ram.create_policy(account, name, document, description=args.description or "")
    return {"Policy": shapes.policy(policy)}


_TARGETS: dict[TargetType, NameRule] = {"User": USER_NAME, "Group": GROUP_NAME, "Role": ROLE_NAME}


def attach_policy(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    policy = check_name("PolicyName", args.name, POLICY_NAME)
    given = args.type or ("System" if policy in SYSTEM_POLICIES else "Custom")
    policy_type = Params({"PolicyType": given}).policy_type()
    chosen = [(kind, getattr(args, kind.lower())) for kind in _TARGETS]
    chosen = [(kind, name) for kind, name in chosen if name is not None]
    if len(chosen) != 1:
        raise CliError("name exactly one of --user, --group, --role")
    kind, target = chosen[0]
    check_name(f"{kind}Name", target, _TARGETS[kind])
    ram.attach_policy(account, policy_type, policy, kind, target)
    return {"PolicyName": policy, "PolicyType": policy_type, f"{kind}Name": target}


def create_group(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    group = ram.create_group(account, _name(args, "GroupName", GROUP_NAME))
    return {"Group": shapes.group(group)}


def add_user_to_group(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    group = check_name("GroupName", args.group, GROUP_NAME)
    user = check_name("UserName", args.user, USER_NAME)
    ram.add_user_to_group(account, group, user)
    return {"GroupName": group, "UserName": user}


def list_users(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    page = ram.list_users(account, max_items=1000)
    return shapes.listing("Users", "User", [shapes.user(u) for u in page.items], page)


def list_roles(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    page = ram.list_roles(account, max_items=1000)
    items = [shapes.role(r, with_document=False) for r in page.items]
    return shapes.listing("Roles", "Role", items, page)


def list_policies(ram: RamStore, account: str, args: argparse.Namespace) -> dict[str, Any]:
    page = ram.list_policies(account, policy_type=args.type, max_items=1000)
    return shapes.listing("Policies", "Policy", [shapes.policy(p) for p in page.items], page)


# --- arguments -------------------------------------------------------------------------------


def _named(what: str) -> Callable[[argparse.ArgumentParser], None]:
    def arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("name", metavar="NAME", help=f"the {what}'s name")

    return arguments


def _user_args(p: argparse.ArgumentParser) -> None:
    _named("user")(p)
    p.add_argument("--display-name")
    p.add_argument("--comments")


def _key_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="the RAM user (default: a key of the account's root)")


def _role_args(p: argparse.ArgumentParser) -> None:
    _named("role")(p)
    p.add_argument("--trust-policy", help="JSON or @FILE (default: trust this account)")
    p.add_argument("--max-session-duration", type=int, default=MIN_SESSION, metavar="SECONDS")
    p.add_argument("--description")


def _policy_args(p: argparse.ArgumentParser) -> None:
    _named("policy")(p)
    p.add_argument("--document", required=True, help="the policy document: JSON or @FILE")
    p.add_argument("--description")


def _attach_args(p: argparse.ArgumentParser) -> None:
    _named("policy")(p)
    p.add_argument("--type", choices=("System", "Custom"), help="default: System if it is one")
    for target in ("user", "group", "role"):
        p.add_argument(f"--{target}")


def _membership_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("group", metavar="GROUP")
    p.add_argument("user", metavar="USER")


def _type_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--type", choices=("System", "Custom"))


def _no_args(p: argparse.ArgumentParser) -> None:
    return None


COMMANDS: dict[str, Spec] = {
    "create-user": Spec("create a RAM user", create_user, _user_args),
    "create-access-key": Spec(
        "create an AccessKey (secret shown once)", create_access_key, _key_args
    ),
    "create-role": Spec("create a RAM role", create_role, _role_args),
    "create-policy": Spec("create a custom policy", create_policy, _policy_args),
    "attach-policy": Spec("attach a policy to a user, group or role", attach_policy, _attach_args),
    "create-group": Spec("create a user group", create_group, _named("group")),
    "add-user-to-group": Spec("add a user to a group", add_user_to_group, _membership_args),
    "list-users": Spec("list RAM users", list_users, _no_args),
    "list-roles": Spec("list RAM roles", list_roles, _no_args),
    "list-policies": Spec("list policies", list_policies, _type_args),
}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ram", help="RAM administration (users, keys, roles, policies)")
    commands = parser.add_subparsers(dest="ram_command", metavar="COMMAND", required=True)
    for name, spec in COMMANDS.items():
        command = commands.add_parser(name, help=spec.help, description=spec.help)
        command.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data dir")
        command.add_argument("--account", help="account id (default: DIR/account-id)")
        spec.arguments(command)
        command.set_defaults(handler=run, ram_run=spec.run)


# --- running ---------------------------------------------------------------------------------


def resolve_account(data: Path, given: str | None) -> str:
    if given is not None:
        return given
    path = data / "account-id"
    if not path.exists():
        raise CliError(f"{path} is missing; pass --account")
    return path.read_text().strip()


@contextmanager
def open_database(data: Path) -> Iterator[tuple[SqliteMetadataStore, MasterKey]]:
    """DIR's metadata database and master key, without crash recovery (a server may run)."""
    if not (data / DB_FILE).exists():
        raise CliError(f"no ossbox data in {data}")
    key = MasterKey.load_or_create(data)
    meta = SqliteMetadataStore(data / DB_FILE, key)
    try:
        yield meta, key
    finally:
        meta.close()


@contextmanager
def open_ram(data: Path) -> Iterator[RamStore]:
    """The RAM store of DIR's database."""
    with open_database(data) as (meta, key):
        yield SqliteRamStore(meta._db, key, meta)


def run(args: argparse.Namespace) -> int:
    try:
        with open_ram(args.data) as ram:
            result = args.ram_run(ram, resolve_account(args.data, args.account), args)
    except (CliError, OSError) as err:
        print(f"ossbox: {err}", file=sys.stderr)
        return 2
    except (RpcError, RamStoreError) as err:
        refusal = rpc_error(err) if isinstance(err, RamStoreError) else err
        print(f"ossbox: {refusal.code}: {refusal.message}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0
