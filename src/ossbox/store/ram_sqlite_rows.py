"""Row codec for the RAM tables: SQLite rows <-> `store.ram` records, ids, markers."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeVar

from ossbox.policy import SYSTEM_POLICIES
from ossbox.store.ram import Group, OidcProvider, Page, Policy, PolicyVersion, Role, User
from ossbox.store.sqlite_rows import from_us

T = TypeVar("T")

# System policies exist in every account from the start; this is the date RAM shows for them.
SYSTEM_POLICY_DATE = datetime(2015, 4, 28, 16, 0, tzinfo=UTC)
SYSTEM_DESCRIPTIONS = MappingProxyType(
    {
        "AdministratorAccess": "Provides full access to Alibaba Cloud services and resources.",
        "AliyunSTSAssumeRoleAccess": "Provides access to call the AssumeRole operation of STS.",
        "AliyunOSSFullAccess": "Provides full access to Object Storage Service (OSS).",
        "AliyunOSSReadOnlyAccess": "Provides read-only access to Object Storage Service (OSS).",
        "AliyunRAMFullAccess": "Provides full access to Resource Access Management (RAM).",
        "AliyunRAMReadOnlyAccess": "Provides read-only access to Resource Access Management.",
    }
)


def new_numeric_id(digits: int) -> str:
    """A random decimal id of exactly `digits` digits (no leading zero), like RAM's."""
    low = 10 ** (digits - 1)
    return str(low + secrets.randbelow(9 * low))


def version_name(number: int) -> str:
    return f"v{number}"


def version_number(version_id: str) -> int | None:
    """3 for "v3"; None when `version_id` is not of that form."""
    digits = version_id[1:]
    if not version_id.startswith("v") or not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)


def page(rows: Sequence[T], max_items: int, name_of: Callable[[T], str]) -> Page[T]:
    """A page from up to `max_items + 1` rows (one more than fits means truncated)."""
    items = list(rows[:max_items])
    if len(rows) <= max_items or not items:
        return Page(items)
    return Page(items, is_truncated=True, marker=name_of(items[-1]))


def user_from_row(row: sqlite3.Row) -> User:
    return User(
        account_id=row["account_id"],
        user_id=row["user_id"],
        name=row["name"],
        display_name=row["display_name"],
        mobile_phone=row["mobile_phone"],
        email=row["email"],
        comments=row["comments"],
        created=from_us(row["created"]),
        updated=from_us(row["updated"]),
    )


def group_from_row(row: sqlite3.Row) -> Group:
    return Group(
        account_id=row["account_id"],
        group_id=row["group_id"],
        name=row["name"],
        comments=row["comments"],
        created=from_us(row["created"]),
        updated=from_us(row["updated"]),
    )


def role_from_row(row: sqlite3.Row) -> Role:
    return Role(
        account_id=row["account_id"],
        role_id=row["role_id"],
        name=row["name"],
        assume_role_policy_document=row["document"],
        description=row["description"],
        max_session_duration=row["max_session_duration"],
        created=from_us(row["created"]),
        updated=from_us(row["updated"]),
    )


def custom_policy_from_row(row: sqlite3.Row, attachment_count: int) -> Policy:
    return Policy(
        name=row["name"],
        policy_type="Custom",
        default_version=version_name(row["default_version"]),
        description=row["description"],
        attachment_count=attachment_count,
        created=from_us(row["created"]),
        updated=from_us(row["updated"]),
    )


def system_policy(name: str, attachment_count: int = 0) -> Policy:
    return Policy(
        name=name,
        policy_type="System",
        default_version="v1",
        description=SYSTEM_DESCRIPTIONS.get(name, ""),
        attachment_count=attachment_count,
        created=SYSTEM_POLICY_DATE,
        updated=SYSTEM_POLICY_DATE,
    )


def system_policy_version(name: str) -> PolicyVersion:
    return PolicyVersion(
        version_id="v1", document=SYSTEM_POLICIES[name], is_default=True, created=SYSTEM_POLICY_DATE
    )


def policy_version_from_row(row: sqlite3.Row, default_version: int) -> PolicyVersion:
    return PolicyVersion(
        version_id=version_name(row["version"]),
        document=row["document"],
        is_default=row["version"] == default_version,
        created=from_us(row["created"]),
    )


def oidc_provider_from_row(row: sqlite3.Row) -> OidcProvider:
    return OidcProvider(
        account_id=row["account_id"],
        name=row["name"],
        issuer_url=row["issuer_url"],
        client_ids=tuple(json.loads(row["client_ids"])),
        fingerprints=tuple(json.loads(row["fingerprints"])),
        issuance_limit_time=row["issuance_limit_time"],
        description=row["description"],
        created=from_us(row["created"]),
        updated=from_us(row["updated"]),
    )


def dump_list(values: Sequence[str]) -> str:
    return json.dumps(list(values))
