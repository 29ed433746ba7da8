"""The RAM data model: records, errors and the `RamStore` protocol.

Users, groups, roles, custom policies (with up to five versions), policy attachments and OIDC
identity providers, per account. RAM users' AccessKeys are ordinary `AccessKey` records
(principal_type "user") in the metadata store's table, so OSS and RPC authentication see a key
the moment it is created. System policies (AdministratorAccess, AliyunOSSFullAccess, ...) come
from `ossbox.policy.SYSTEM_POLICIES`: every account has them, nobody can change them.

Documents are stored as given; validating them (and names, lengths, formats) is the caller's
job: the RAM API does it with `ossbox.policy.parse_policy` before writing. Names are exact,
case-sensitive keys. Every method is one transaction; implementations are thread-safe.
Lookups return None; mutations of a missing entity raise `EntityNotExist`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from ossbox.store.base import AccessKey, StoreError, utcnow

PolicyType = Literal["System", "Custom"]
TargetType = Literal["User", "Group", "Role"]  # what a policy can be attached to

MAX_KEYS_PER_USER = 2
MAX_POLICY_VERSIONS = 5
MAX_OIDC_PROVIDERS = 100  # per account

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, kw_only=True)
class User:
    account_id: str
    user_id: str  # 16 decimal digits
    name: str
    display_name: str = ""
    mobile_phone: str = ""
    email: str = ""
    comments: str = ""
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:user/{self.name}"


@dataclass(frozen=True, kw_only=True)
class Group:
    account_id: str
    group_id: str
    name: str
    comments: str = ""
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class Role:
    account_id: str
    role_id: str  # 19 decimal digits
    name: str
    assume_role_policy_document: str
    description: str = ""
    max_session_duration: int = 3600
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:role/{self.name}"


@dataclass(frozen=True, kw_only=True)
class Policy:
    """A system or custom policy; `attachment_count` counts users, groups and roles."""

    name: str
    policy_type: PolicyType
    default_version: str  # "v1", "v2", ...
    description: str = ""
    attachment_count: int = 0
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class PolicyVersion:
    version_id: str  # "v<N>"; N never reused within a policy
    document: str
    is_default: bool
    created: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, kw_only=True)
class AttachedPolicy:
    """A policy that applies to a principal: its default version's document."""

    name: str
    policy_type: PolicyType
    document: str


@dataclass(frozen=True, kw_only=True)
class Attachment:
    """A policy attached to a user, group or role (ListPoliciesFor*)."""

    policy: Policy
    attached: datetime


@dataclass(frozen=True, kw_only=True)
class PolicyEntity:
    """A user, group or role a policy is attached to (ListEntitiesForPolicy)."""

    target_type: TargetType
    name: str
    attached: datetime


@dataclass(frozen=True, kw_only=True)
class OidcProvider:
    account_id: str
    name: str
    issuer_url: str
    client_ids: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()
    issuance_limit_time: int = 12  # hours
    description: str = ""
    created: datetime = field(default_factory=utcnow)
    updated: datetime = field(default_factory=utcnow)

    @property
    def arn(self) -> str:
        return f"acs:ram::{self.account_id}:oidc-provider/{self.name}"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; `marker` continues it when `is_truncated`."""

    items: list[T]
    is_truncated: bool = False
    marker: str | None = None


# --------------------------------------------------------------------------------------------
# Errors. `entity` is RAM's word ("User", "Group", "Role", "Policy", "PolicyVersion",
# "AccessKey", "OIDCProvider"); the API layer turns them into RAM codes.


class RamStoreError(StoreError):
    """Base class of the RAM store's errors."""


class EntityNotExist(RamStoreError):
    """`entity` called `name` does not exist; with `of`, it is not attached to / joined by the
    `of` entity (EntityNotExist("Policy", "P", of="User"): P is not attached to the user)."""

    def __init__(self, entity: str, name: str, *, of: str | None = None) -> None:
        super().__init__(f"{entity} {name!r} does not exist" + (f" for {of}" if of else ""))
        self.entity = entity
        self.name = name
        self.of = of  # e.g. "User" for EntityNotExist.User.Policy (policy not attached)


class EntityAlreadyExists(RamStoreError):
    """`entity` called `name` exists already; with `of`, it is already attached to / joined by
    the `of` entity."""

    def __init__(self, entity: str, name: str, *, of: str | None = None) -> None:
        super().__init__(f"{entity} {name!r} already exists" + (f" for {of}" if of else ""))
        self.entity = entity
        self.name = name
        self.of = of


class DeleteConflict(RamStoreError):
    """`entity` `name` cannot be deleted while it still has `blocker`s (AccessKey, Policy,
    Group, User, Role, Version)."""

    def __init__(self, entity: str, name: str, blocker: str) -> None:
        super().__init__(f"{entity} {name!r} still has {blocker} entries")
        self.entity = entity
        self.name = name
        self.blocker = blocker


class LimitExceeded(RamStoreError):
    """`entity` `name` already has the maximum number (`limit`) of `what`; with `what` "",
    the account (`name`) has the maximum number of `entity`s."""

    def __init__(self, entity: str, name: str, what: str, limit: int) -> None:
        super().__init__(f"{entity} {name!r} already has {limit} {what or entity} entries")
        self.entity = entity
        self.name = name
        self.what = what
        self.limit = limit


class SystemPolicyImmutable(RamStoreError):
    """A system policy cannot be deleted, versioned or changed."""


# --------------------------------------------------------------------------------------------
# Interface


class RamStore(Protocol):
    """Per-account RAM entities. Synchronous and thread-safe; every method is a transaction.

    `max_items` bounds a page; `marker` is the opaque value of a previous page's `marker`.
    """

    # users
    def create_user(
        self,
        account_id: str,
        name: str,
        *,
        display_name: str = "",
        mobile_phone: str = "",
        email: str = "",
        comments: str = "",
    ) -> User:
        """Raises EntityAlreadyExists("User")."""

    def get_user(self, account_id: str, name: str) -> User | None: ...

    def get_user_by_id(self, user_id: str) -> User | None: ...

    def update_user(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        display_name: str | None = None,
        mobile_phone: str | None = None,
        email: str | None = None,
        comments: str | None = None,
    ) -> User:
        """Change the given fields; a rename carries keys, groups and policies along."""

    def list_users(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[User]: ...

    def delete_user(self, account_id: str, name: str) -> None:
        """Raises DeleteConflict("User", blocker="AccessKey" | "Policy" | "Group")."""

    # AccessKeys of RAM users (user_name None: the account's root)
    def create_access_key(self, key: AccessKey, *, limit: int = MAX_KEYS_PER_USER) -> AccessKey:
        """Store a new key for `key.principal_name` (principal_type "user") or the root.

        Raises EntityNotExist("User") or LimitExceeded("User", what="AccessKey")."""

    def list_access_keys(self, account_id: str, user_name: str | None) -> list[AccessKey]:
        """The principal's keys, oldest first. Raises EntityNotExist("User")."""

    def update_access_key(
        self, account_id: str, user_name: str | None, access_key_id: str, status: str
    ) -> AccessKey:
        """Raises EntityNotExist("User") or EntityNotExist("AccessKey") (also when the key
        belongs to someone else)."""

    def delete_access_key(self, account_id: str, user_name: str | None, access_key_id: str) -> None:
        """Raises EntityNotExist("User") or EntityNotExist("AccessKey")."""

    # groups
    def create_group(self, account_id: str, name: str, *, comments: str = "") -> Group: ...

    def get_group(self, account_id: str, name: str) -> Group | None: ...

    def update_group(
        self,
        account_id: str,
        name: str,
        *,
        new_name: str | None = None,
        comments: str | None = None,
    ) -> Group: ...

    def list_groups(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[Group]: ...

    def delete_group(self, account_id: str, name: str) -> None:
        """Raises DeleteConflict("Group", blocker="User" | "Policy")."""

    def add_user_to_group(self, account_id: str, group_name: str, user_name: str) -> None:
        """Raises EntityAlreadyExists("Group", of="User") when already a member."""

    def remove_user_from_group(self, account_id: str, group_name: str, user_name: str) -> None:
        """Raises EntityNotExist("Group", of="User") when not a member."""

    def list_groups_for_user(self, account_id: str, user_name: str) -> list[tuple[Group, datetime]]:
        """(group, joined) pairs by group name."""

    def list_users_for_group(
        self, account_id: str, group_name: str, *, marker: str = "", max_items: int = 100
    ) -> Page[tuple[User, datetime]]: ...

    # policies
    def create_policy(
        self, account_id: str, name: str, document: str, *, description: str = ""
    ) -> tuple[Policy, PolicyVersion]:
        """A custom policy whose default version v1 is `document`."""

    def get_policy(self, account_id: str, name: str, policy_type: PolicyType) -> Policy | None: ...

    def list_policies(
        self,
        account_id: str,
        *,
        policy_type: PolicyType | None = None,
        marker: str = "",
        max_items: int = 100,
    ) -> Page[Policy]:
        """System policies first, then custom ones, each by name."""

    def update_policy_description(self, account_id: str, name: str, description: str) -> Policy: ...

    def delete_policy(self, account_id: str, name: str, *, cascade: bool = False) -> None:
        """Raises DeleteConflict("Policy", blocker="User" | "Group" | "Role" | "Version") unless
        `cascade` (detach everywhere, drop old versions)."""

    def create_policy_version(
        self,
        account_id: str,
        name: str,
        document: str,
        *,
        set_as_default: bool = False,
        rotate: bool = False,
    ) -> PolicyVersion:
        """Raises LimitExceeded("Policy", what="Version") at MAX_POLICY_VERSIONS, unless
        `rotate` (drop the oldest non-default version first)."""

    def get_policy_version(
        self, account_id: str, name: str, policy_type: PolicyType, version_id: str
    ) -> PolicyVersion | None: ...

    def list_policy_versions(
        self, account_id: str, name: str, policy_type: PolicyType
    ) -> list[PolicyVersion]:
        """Oldest first. Raises EntityNotExist("Policy")."""

    def set_default_policy_version(self, account_id: str, name: str, version_id: str) -> None: ...

    def delete_policy_version(self, account_id: str, name: str, version_id: str) -> None:
        """Raises DeleteConflict("PolicyVersion", blocker="Default") for the default version."""

    # attachments
    def attach_policy(
        self,
        account_id: str,
        policy_type: PolicyType,
        policy_name: str,
        target_type: TargetType,
        target_name: str,
    ) -> None:
        """Raises EntityNotExist(target_type | "Policy") or
        EntityAlreadyExists("Policy", of=target_type) when attached already."""

    def detach_policy(
        self,
        account_id: str,
        policy_type: PolicyType,
        policy_name: str,
        target_type: TargetType,
        target_name: str,
    ) -> None:
        """Raises EntityNotExist(target_type | "Policy") or EntityNotExist("Policy",
        of=target_type) when not attached."""

    def list_policies_for(
        self, account_id: str, target_type: TargetType, target_name: str
    ) -> list[Attachment]:
        """Raises EntityNotExist(target_type)."""

    def list_entities_for_policy(
        self, account_id: str, policy_type: PolicyType, policy_name: str
    ) -> list[PolicyEntity]: ...

    # what authorization reads
    def policies_for_user(self, account_id: str, user_name: str) -> list[AttachedPolicy]:
        """Default-version documents of the user's own policies and its groups' policies
        (a policy reached twice is listed once). Empty for an unknown user."""

    def policies_for_role(self, account_id: str, role_name: str) -> list[AttachedPolicy]: ...

    # roles
    def create_role(
        self,
        account_id: str,
        name: str,
        assume_role_policy_document: str,
        *,
        description: str = "",
        max_session_duration: int = 3600,
    ) -> Role: ...

    def get_role(self, account_id: str, name: str) -> Role | None: ...

    def update_role(
        self,
        account_id: str,
        name: str,
        *,
        assume_role_policy_document: str | None = None,
        description: str | None = None,
        max_session_duration: int | None = None,
    ) -> Role: ...

    def list_roles(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[Role]: ...

    def delete_role(self, account_id: str, name: str) -> None:
        """Raises DeleteConflict("Role", blocker="Policy")."""

    # OIDC identity providers
    def create_oidc_provider(self, provider: OidcProvider) -> OidcProvider:
        """Raises EntityAlreadyExists, or LimitExceeded("OIDCProvider", what="") at
        MAX_OIDC_PROVIDERS."""

    def get_oidc_provider(self, account_id: str, name: str) -> OidcProvider | None: ...

    def update_oidc_provider(
        self,
        account_id: str,
        name: str,
        *,
        client_ids: Sequence[str] | None = None,
        fingerprints: Sequence[str] | None = None,
        issuance_limit_time: int | None = None,
        description: str | None = None,
    ) -> OidcProvider: ...

    def list_oidc_providers(
        self, account_id: str, *, marker: str = "", max_items: int = 100
    ) -> Page[OidcProvider]: ...

    def delete_oidc_provider(self, account_id: str, name: str) -> None: ...
