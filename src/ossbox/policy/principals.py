"""Who is asking (PrincipalRef), and which policy principals name them.

Bucket policies (OSS) list UIDs and ARNs. Choices where OSS is silent or UNCONFIRMED:
- `"*"` (and an empty list) is everyone, anonymous requests included;
- a bare UID names that account's root identity, or the RAM user with that user id; it does
  NOT extend to the account's other RAM users (least surprise: grant a user by its own UID);
- ARNs may be used too, with `*`/`?`: `acs:ram::<uid>:root`, `acs:ram::<uid>:user/<name>`,
  `acs:ram::<uid>:role/<name>` (any session of the role), and a role session as
  `arn:sts::<uid>:assumed-role/<role>/<session>` or `acs:ram::<uid>:assumed-role/<role>/<session>`.

Trust policies (RAM) name principals exactly, no wildcards:
- RAM: `acs:ram::<uid>:root` or a bare `<uid>` admits every RAM identity of that account (root,
  users, role sessions; the caller's own policies must still allow sts:AssumeRole);
  `acs:ram::<uid>:user/<name>` one user; `acs:ram::<uid>:role/<name>` that role's sessions;
- Service: a service such as `ecs.aliyuncs.com` (case-insensitive);
- Federated: an identity provider `acs:ram::<uid>:oidc-provider/<name>` (or saml-provider).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ossbox.policy.matching import wildcard_match
from ossbox.policy.model import TrustPrincipals

PrincipalKind = Literal["anonymous", "root", "user", "assumed-role", "service", "federated"]


@dataclass(frozen=True)
class PrincipalRef:
    """The requester. Build it with the class methods; `arn` is how RAM names it."""

    kind: PrincipalKind
    arn: str = ""
    account_id: str | None = None
    name: str = ""  # user name, role name or service name
    session: str = ""  # role session name
    user_id: str | None = None  # RAM user UID, or the RoleId of a role session

    @classmethod
    def anonymous(cls) -> PrincipalRef:
        return cls("anonymous")

    @classmethod
    def root(cls, account_id: str) -> PrincipalRef:
        return cls("root", f"acs:ram::{account_id}:root", account_id)

    @classmethod
    def user(cls, account_id: str, name: str, user_id: str | None = None) -> PrincipalRef:
        return cls("user", f"acs:ram::{account_id}:user/{name}", account_id, name, "", user_id)

    @classmethod
    def assumed_role(
        cls, account_id: str, role: str, session: str, role_id: str | None = None
    ) -> PrincipalRef:
        arn = f"acs:ram::{account_id}:assumed-role/{role}/{session}"
        return cls("assumed-role", arn, account_id, role, session, role_id)

    @classmethod
    def service(cls, name: str) -> PrincipalRef:
        return cls("service", name, None, name)

    @classmethod
    def federated(cls, provider_arn: str) -> PrincipalRef:
        account = provider_arn.split(":")[3] if provider_arn.count(":") >= 4 else None
        return cls("federated", provider_arn, account or None, provider_arn)


# --- validation -------------------------------------------------------------------------------

_UID = r"[0-9]+"
_NAME = r"[^\s/:]+"
_BUCKET_PRINCIPAL = re.compile(
    rf"\*|{_UID}"
    rf"|acs:ram::{_UID}:(root|user/{_NAME}|role/{_NAME}|assumed-role/{_NAME}/{_NAME})"
    rf"|arn:sts::{_UID}:assumed-role/{_NAME}/{_NAME}"
)
_TRUST_RAM = re.compile(
    rf"(?P<bare>{_UID})|acs:ram::(?P<acct>{_UID}):(?P<what>root|user/.+|role/.+)"
)
_TRUST_SERVICE = re.compile(r"([0-9]+@)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.aliyuncs\.com")
_TRUST_FEDERATED = re.compile(rf"acs:ram::{_UID}:(oidc-provider|saml-provider)/[A-Za-z0-9._-]+")


def bucket_principal_error(entry: str) -> str | None:
    if _BUCKET_PRINCIPAL.fullmatch(entry) is not None:
        return None
    return (
        f'"{entry[:64]}" is not "*", an account or RAM user UID, or a RAM ARN '
        "(acs:ram::<uid>:user/<name>, arn:sts::<uid>:assumed-role/<role>/<session>, ...)"
    )


def trust_principal_error(field: str, entry: str) -> str | None:
    if field == "RAM":
        match = _TRUST_RAM.fullmatch(entry)
        if match is not None and not re.search(r"[*?\s]", entry):
            return None
        return (
            f'"{entry[:64]}" is not an account id or acs:ram::<uid>:root, '
            "acs:ram::<uid>:user/<name> or acs:ram::<uid>:role/<name> (no wildcards)"
        )
    if field == "Service":
        if _TRUST_SERVICE.fullmatch(entry) is not None:
            return None
        return f'"{entry[:64]}" is not a service principal such as ecs.aliyuncs.com'
    if _TRUST_FEDERATED.fullmatch(entry) is not None:
        return None
    return f'"{entry[:64]}" is not acs:ram::<uid>:oidc-provider/<name> or saml-provider/<name>'


# --- matching ---------------------------------------------------------------------------------


def _bucket_names(who: PrincipalRef) -> tuple[str, ...]:
    """The ARNs a bucket-policy entry may use for `who`."""
    acct = who.account_id
    if who.kind in ("root", "user"):
        return (who.arn,)
    if who.kind == "assumed-role":
        return (
            who.arn,
            f"arn:sts::{acct}:assumed-role/{who.name}/{who.session}",
            f"acs:ram::{acct}:role/{who.name}",
        )
    return ()


def bucket_principal_matches(entries: tuple[str, ...], who: PrincipalRef) -> bool:
    """Does a bucket-policy Principal list name `who`?"""
    for entry in entries:
        if entry == "*":
            return True
        if entry.isdigit():
            if (who.kind == "root" and who.account_id == entry) or (
                who.kind == "user" and who.user_id == entry
            ):
                return True
            continue
        if any(wildcard_match(entry, name) for name in _bucket_names(who)):
            return True
    return False


def _ram_entry_matches(entry: str, who: PrincipalRef) -> bool:
    match = _TRUST_RAM.fullmatch(entry)
    if match is None or who.kind not in ("root", "user", "assumed-role"):
        return False
    account = match.group("bare") or match.group("acct")
    if who.account_id != account:
        return False
    what = match.group("what") or "root"
    if what == "root":
        return True
    kind, _, name = what.partition("/")
    return name == who.name and (kind, who.kind) in (("user", "user"), ("role", "assumed-role"))


def trust_principal_matches(principals: TrustPrincipals, who: PrincipalRef) -> bool:
    """Does a trust-policy Principal admit `who`?"""
    if who.kind == "service":
        return any(s.lower() == who.name.lower() for s in principals.service)
    if who.kind == "federated":
        return who.arn in principals.federated
    return any(_ram_entry_matches(entry, who) for entry in principals.ram)
