"""`ossbox explain`: would this principal be allowed this action on this resource, and why?

    ossbox explain --data DIR --principal user/NAME|role/NAME|root|anonymous
                   --action oss:GetObject --resource ARN [--context KEY=VALUE ...] [--account ID]

It reads the principal's policies (a user's and its groups', a role's) and, for an OSS
resource, the bucket's owner and bucket policy from DIR's metadata database (safe beside a
running server), evaluates them as the server does and prints the decision, the sentence that
explains it, and each deciding statement as written. acs:CurrentTime defaults to now and
acs:SecureTransport to "false" (a plain-HTTP listener); give other keys with --context
(repeat a key for several values). Exit status: 0 allowed, 1 denied, 2 bad arguments or data.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ossbox.policy import AuthzRequest, Decision, NamedPolicy, PolicyKind, PrincipalRef
from ossbox.policy import evaluate as evaluate_policies
from ossbox.policy import explain as explain_decision
from ossbox.policy.arn import split_arn
from ossbox.server.oss.authz_context import BUCKET_POLICY_NAME
from ossbox.server.sts.permissions import parsed
from ossbox.store.base import Bucket, MetadataStore
from ossbox.store.crypto import MasterKey
from ossbox.store.ram import AttachedPolicy, RamStore
from ossbox.store.ram_sqlite import SqliteRamStore
from ossbox.store.sqlite import DB_FILE, SqliteMetadataStore


class ExplainError(Exception):
    """Bad arguments or data (exit status 2)."""


@dataclass(frozen=True)
class Subject:
    """The principal with its policies; `documents` maps policy names to their text."""

    ref: PrincipalRef
    identity: list[NamedPolicy]
    documents: dict[str, str]


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="explain whether a principal may do an action on a resource",
        description="Evaluate a principal's policies (and a bucket policy) for one request "
        "and print the decision with the statements that decided it.",
    )
    parser.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data directory")
    parser.add_argument("--account", help="the principal's account id (default: DIR/account-id)")
    parser.add_argument(
        "--principal", required=True, help="user/NAME, role/NAME, root or anonymous"
    )
    parser.add_argument("--action", required=True, help="e.g. oss:GetObject")
    parser.add_argument("--resource", required=True, help="e.g. acs:oss:*:*:examplebucket/a.txt")
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a condition key, e.g. acs:SourceIp=192.0.2.1; repeatable",
    )
    parser.set_defaults(handler=run)


def parse_context(pairs: Sequence[str], now: datetime) -> dict[str, str | list[str]]:
    """KEY=VALUE pairs over the defaults; a repeated key gives a list of values."""
    given: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ExplainError(f"--context wants KEY=VALUE, not {pair!r}")
        given.setdefault(key.strip(), []).append(value)
    lowered = {key.lower() for key in given}
    defaults = {
        "acs:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "acs:SecureTransport": "false",
    }
    context: dict[str, str | list[str]] = {
        key: value for key, value in defaults.items() if key.lower() not in lowered
    }
    context.update(
        {key: values[0] if len(values) == 1 else values for key, values in given.items()}
    )
    return context


def _named(policies: Sequence[AttachedPolicy]) -> tuple[list[NamedPolicy], dict[str, str]]:
    named = [NamedPolicy(p.name, parsed(p.document)) for p in policies]
    return named, {p.name: p.document for p in policies}


def load_subject(ram: RamStore, account: str, principal: str) -> Subject:
    """The principal named on the command line, with its RAM policies."""
    if principal == "root":
        return Subject(PrincipalRef.root(account), [], {})
    if principal == "anonymous":
        return Subject(PrincipalRef.anonymous(), [], {})
    kind, _, name = principal.partition("/")
    if kind == "user" and name:
        user = ram.get_user(account, name)
        if user is None:
            raise ExplainError(f"no RAM user {name!r} in account {account}")
        identity, documents = _named(ram.policies_for_user(account, name))
        return Subject(PrincipalRef.user(account, name, user.user_id), identity, documents)
    if kind == "role" and name:
        role = ram.get_role(account, name)
        if role is None:
            raise ExplainError(f"no RAM role {name!r} in account {account}")
        identity, documents = _named(ram.policies_for_role(account, name))
        ref = PrincipalRef.assumed_role(account, name, "explain", role.role_id)
        return Subject(ref, identity, documents)
    raise ExplainError(f"--principal wants user/NAME, role/NAME, root or anonymous: {principal!r}")


def target_bucket(meta: MetadataStore, action: str, resource: str) -> Bucket | None:
    """The bucket an OSS resource ARN names, if it exists."""
    arn = split_arn(resource)
    if not action.lower().startswith("oss:") or arn is None or arn.service != "oss":
        return None
    name = arn.relative.partition("/")[0]
    return meta.get_bucket(name) if name and name != "*" else None


def _statement(document: str, index: int) -> str:
    statements = json.loads(document)["Statement"]
    chosen = statements if isinstance(statements, dict) else statements[index]
    return json.dumps(chosen, ensure_ascii=False)


def _owner_verdict(subject: Subject, action: str, resource: str, bucket: Bucket | None) -> str:
    """Why a root account is allowed without any policy ("" when it is not)."""
    ref = subject.ref
    if ref.kind != "root":
        return ""
    if bucket is not None and bucket.owner_id == ref.account_id:
        return f"Allowed: the root account of {ref.account_id} owns bucket {bucket.name}."
    arn = split_arn(resource)
    if (
        action.lower().startswith("ram:")
        and arn is not None
        and arn.account in (ref.account_id, "*")
    ):
        return f"Allowed: the root account of {ref.account_id} may do anything in its RAM."
    return ""


def _oss_notes(decision: Decision, subject: Subject, bucket: Bucket) -> tuple[bool, list[str]]:
    """What OSS adds to the policies' decision: other accounts need the bucket policy; an
    implicit deny still leaves the ACLs to decide data operations."""
    from_bucket = any(h.source == "resource" and h.effect == "Allow" for h in decision.deciding)
    if decision.allowed and subject.ref.account_id != bucket.owner_id and not from_bucket:
        note = (
            f"Denied after all: bucket {bucket.name} belongs to account {bucket.owner_id}; a "
            "caller from another account is granted only by the bucket policy."
        )
        return False, [note]
    if decision.effect == "ImplicitDeny":
        note = (
            "For object reads and writes the object ACL, else the bucket ACL "
            f'("{bucket.acl}"), still decides: public-read grants reads, public-read-write '
            "reads and writes."
        )
        return False, [note]
    return decision.allowed, []


def explain_request(
    subject: Subject,
    action: str,
    resource: str,
    context: Mapping[str, str | list[str]],
    bucket: Bucket | None,
) -> tuple[bool, list[str]]:
    """(allowed, lines to print)."""
    context_line = "Context: " + json.dumps(dict(context), ensure_ascii=False)
    owner = _owner_verdict(subject, action, resource, bucket)
    if owner:
        return True, [owner, context_line]
    documents = dict(subject.documents)
    resource_policies: list[NamedPolicy] = []
    if bucket is not None and bucket.policy:
        policy = parsed(bucket.policy, PolicyKind.RESOURCE)
        resource_policies.append(NamedPolicy(BUCKET_POLICY_NAME, policy))
        documents[BUCKET_POLICY_NAME] = bucket.policy
    request = AuthzRequest(action, resource, subject.ref, context)
    decision = evaluate_policies(request, identity=subject.identity, resource=resource_policies)
    allowed, notes = decision.allowed, list[str]()
    if bucket is not None:
        allowed, notes = _oss_notes(decision, subject, bucket)
    lines = [explain_decision(decision), *notes]
    if decision.deciding:
        lines.append("Deciding statements:")
    for hit in decision.deciding:
        sid = f' Sid "{hit.sid}"' if hit.sid else ""
        lines.append(f'  {hit.source} "{hit.policy}" Statement[{hit.statement}]{sid} {hit.effect}:')
        lines.append("    " + _statement(documents[hit.policy], hit.statement))
    return allowed, [*lines, context_line]


@contextmanager
def open_stores(data: Path) -> Iterator[tuple[MetadataStore, RamStore]]:
    """DIR's metadata and RAM stores, without crash recovery (a server may be running)."""
    if not (data / DB_FILE).exists():
        raise ExplainError(f"no ossbox data in {data}")
    key = MasterKey.load_or_create(data)
    meta = SqliteMetadataStore(data / DB_FILE, key)
    try:
        yield meta, SqliteRamStore(meta._db, key, meta)
    finally:
        meta.close()


def _account(data: Path, given: str | None) -> str:
    if given is not None:
        return given
    path = data / "account-id"
    if not path.exists():
        raise ExplainError(f"{path} is missing; pass --account")
    return path.read_text().strip()


def run(args: argparse.Namespace) -> int:
    try:
        context = parse_context(args.context, datetime.now(UTC))
        with open_stores(args.data) as (meta, ram):
            subject = load_subject(ram, _account(args.data, args.account), args.principal)
            bucket = target_bucket(meta, args.action, args.resource)
            allowed, lines = explain_request(subject, args.action, args.resource, context, bucket)
    except (ExplainError, OSError) as err:
        print(f"ossbox: {err}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if allowed else 1
