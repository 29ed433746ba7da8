"""OSS authorization decisions, in process on a real store: owner root, RAM policies, role
sessions within their session policy, bucket policies for users, other accounts and anonymous
callers, explicit Deny, ACL fallback, version and tagging actions, per-key batch deletes, and
the exact AccessDenied messages."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ossbox.server.auth import ANONYMOUS, Principal
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.errors import OssError
from ossbox.server.oss import authorize as authz
from ossbox.server.oss.operations import LIST_BUCKETS, find_operation
from ossbox.server.sts.tokens import RoleSession
from ossbox.signing.http import HttpRequest
from ossbox.store import Store, open_store
from ossbox.store.base import Bucket, ObjectVersion

OWNER = "1000000000000001"
OTHER = "2000000000000002"
REGION = "cn-hangzhou"
NOW = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)

ACL = "You have no right to access this object because of bucket acl."
NOT_YOURS = "The bucket you access does not belong to you."
ANONYMOUS_FORBIDDEN = "Anonymous access is forbidden for this operation."
BY_POLICY = "Access denied by bucket policy."
BY_SESSION = "Access denied by authorizer's policy."


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def allow(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("authz"))
    for account in (OWNER, OTHER):
        store.meta.create_account(account)
    yield store
    store.close()


def new_bucket(store: Store, acl: str = "private", owner: str = OWNER) -> str:
    name = f"b-{secrets.token_hex(5)}"
    store.meta.create_bucket(Bucket(name=name, owner_id=owner, region=REGION, acl=acl))
    return name


def set_policy(store: Store, bucket: str, *statements: dict[str, Any]) -> None:
    store.meta.update_bucket(bucket, policy=document(*statements))


def user(store: Store, *statements: dict[str, Any], account: str = OWNER) -> Principal:
    """A new RAM user with one custom policy made of `statements` (none: no policy)."""
    name = f"u-{secrets.token_hex(4)}"
    store.ram.create_user(account, name)
    if statements:
        store.ram.create_policy(account, f"P-{name}", document(*statements))
        store.ram.attach_policy(account, "Custom", f"P-{name}", "User", name)
    return Principal("user", account, f"LTAI{name}", name, "v1")


def role_session(store: Store, role_policy: str, session_policy: str | None) -> Principal:
    name = f"R-{secrets.token_hex(4)}"
    trust = document({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": [OWNER]}})
    role = store.ram.create_role(OWNER, name, trust)
    store.ram.create_policy(OWNER, f"P-{name}", role_policy)
    store.ram.attach_policy(OWNER, "Custom", f"P-{name}", "Role", name)
    session = RoleSession(
        account_id=OWNER,
        role_name=name,
        role_id=role.role_id,
        session_name="s1",
        caller_arn=f"acs:ram::{OWNER}:root",
        policy=session_policy,
        issued_at=NOW,
        expires_at=NOW + timedelta(hours=1),
    )
    return Principal("assumed-role", OWNER, "STS.x", name, "v4", session)


ROOT = Principal("root", OWNER, "LTAIroot", "", "v1")
OTHER_ROOT = Principal("root", OTHER, "LTAIother", "", "v1")


def request(
    store: Store,
    principal: Principal,
    method: str,
    bucket: str | None,
    key: str | None = None,
    query: dict[str, str] | None = None,
    headers: list[tuple[str, str]] | None = None,
    source_ip: str = "192.0.2.1",
) -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    path = "/" + (bucket or "") + ("/" + key if key else "")
    target = path + ("?" + urlencode(query) if query else "")
    ctx = RequestContext(
        request_id="0" * 24,
        http=HttpRequest(method, target, headers or []),
        receive=receive,
        config=ServerConfig(data_dir=Path("unused"), region=REGION),
        store=store,
        now=NOW,
        host="127.0.0.1:9000",
        bucket=bucket,
        key=key,
        query=dict(query or {}),
        principal=principal,
        bucket_record=store.meta.get_bucket(bucket) if bucket else None,
        source_ip=source_ip,
    )
    return ctx


def check(ctx: RequestContext) -> str | None:
    """None if authorized, else the AccessDenied message."""
    op = (
        LIST_BUCKETS
        if ctx.bucket is None
        else find_operation(ctx.method, ctx.bucket, ctx.key, ctx.query)
    )
    try:
        asyncio.run(authz.authorize(ctx, op))
    except OssError as err:
        assert (err.status, err.code) == (403, "AccessDenied")
        return err.message
    return None


def denial(ctx: RequestContext) -> OssError:
    op = find_operation(ctx.method, ctx.bucket, ctx.key, ctx.query)
    with pytest.raises(OssError) as caught:
        asyncio.run(authz.authorize(ctx, op))
    return caught.value


def seed_policy(bucket: str) -> dict[str, Any]:
    return allow(["oss:PutObject", "oss:GetObject"], f"acs:oss:*:*:{bucket}/*")


# --- owner, RAM users ----------------------------------------------------------------------------


def test_the_owner_root_may_do_anything_even_against_a_bucket_policy_deny(store: Store) -> None:
    bucket = new_bucket(store)
    set_policy(store, bucket, {**deny("oss:*", f"acs:oss:*:*:{bucket}/*"), "Principal": ["*"]})
    assert check(request(store, ROOT, "GET", bucket, "k")) is None
    assert check(request(store, ROOT, "PUT", bucket, "k")) is None
    assert check(request(store, ROOT, "GET", bucket, None, {"acl": ""})) is None
    assert check(request(store, ROOT, "GET", None)) is None


def test_a_ram_user_gets_exactly_the_seed_policy(store: Store) -> None:
    bucket, other = new_bucket(store), new_bucket(store)
    alice = user(store, seed_policy(bucket))
    assert check(request(store, alice, "PUT", bucket, "dir/k")) is None
    assert check(request(store, alice, "GET", bucket, "dir/k")) is None
    assert check(request(store, alice, "HEAD", bucket, "dir/k")) is None
    assert check(request(store, alice, "DELETE", bucket, "dir/k")) == ACL
    assert check(request(store, alice, "GET", bucket, None)) == ACL  # ListObjects
    assert check(request(store, alice, "GET", bucket, None, {"acl": ""})) == NOT_YOURS
    assert check(request(store, alice, "GET", other, "dir/k")) == ACL
    assert check(request(store, alice, "GET", None)) == NOT_YOURS  # ListBuckets


def test_a_ram_user_without_policies_is_refused(store: Store) -> None:
    bucket = new_bucket(store)
    nobody = user(store)
    assert check(request(store, nobody, "GET", bucket, "k")) == ACL
    assert check(request(store, nobody, "DELETE", bucket, None)) == NOT_YOURS


def test_an_explicit_ram_deny_wins_and_names_the_policy_type(store: Store) -> None:
    bucket = new_bucket(store)
    bob = user(
        store,
        allow("oss:*", "*"),
        deny("oss:GetObject", f"acs:oss:*:*:{bucket}/secret/*"),
    )
    assert check(request(store, bob, "GET", bucket, "public/k")) is None
    err = denial(request(store, bob, "GET", bucket, "secret/k"))
    assert err.message == BY_POLICY
    xml = err.to_xml("RID", "host").decode()
    assert "<PolicyType>AccountLevelIdentityBasedPolicy</PolicyType>" in xml
    assert "<NoPermissionType>ExplicitDeny</NoPermissionType>" in xml
    assert "<AuthAction>oss:GetObject</AuthAction>" in xml
    assert xml.rstrip().endswith("</Error>")


def test_service_and_bucket_creation_for_ram_users(store: Store) -> None:
    lister = user(store, allow(["oss:ListBuckets", "oss:PutBucket"], "acs:oss:*:*:*"))
    assert check(request(store, lister, "GET", None)) is None
    assert check(request(store, lister, "PUT", "new-bucket-name")) is None
    limited = user(store, allow("oss:PutBucket", "acs:oss:*:*:team-*"))
    assert check(request(store, limited, "PUT", "team-a")) is None
    assert check(request(store, limited, "PUT", "other-b")) == NOT_YOURS
    assert check(request(store, ANONYMOUS, "GET", None)) == ANONYMOUS_FORBIDDEN
    assert check(request(store, ANONYMOUS, "PUT", "anon-bucket")) == ANONYMOUS_FORBIDDEN


# --- conditions ----------------------------------------------------------------------------------


def test_list_objects_prefix_condition(store: Store) -> None:
    bucket = new_bucket(store)
    home = allow(
        "oss:ListObjects",
        f"acs:oss:*:*:{bucket}",
        Condition={"StringLike": {"oss:Prefix": "home/alice/*"}},
    )
    alice = user(store, home)
    listing = {"prefix": "home/alice/docs/"}
    assert check(request(store, alice, "GET", bucket, None, listing)) is None
    assert check(request(store, alice, "GET", bucket, None, {"prefix": "home/bob/"})) == ACL
    assert check(request(store, alice, "GET", bucket, None)) == ACL  # prefix "" does not match


def test_delimiter_condition_sees_an_empty_default(store: Store) -> None:
    bucket = new_bucket(store)
    flat = allow(
        "oss:ListObjects",
        f"acs:oss:*:*:{bucket}",
        Condition={"StringEquals": {"oss:Delimiter": ""}},
    )
    carol = user(store, flat)
    assert check(request(store, carol, "GET", bucket, None)) is None
    assert check(request(store, carol, "GET", bucket, None, {"delimiter": "/"})) == ACL


def test_source_ip_condition(store: Store) -> None:
    bucket = new_bucket(store)
    office = allow(
        "oss:GetObject",
        f"acs:oss:*:*:{bucket}/*",
        Condition={"IpAddress": {"acs:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
    )
    dave = user(store, office)
    assert check(request(store, dave, "GET", bucket, "k", source_ip="203.0.113.9")) is None
    assert check(request(store, dave, "GET", bucket, "k", source_ip="2001:db8::5")) is None
    assert check(request(store, dave, "GET", bucket, "k", source_ip="198.51.100.1")) == ACL


def test_secure_transport_deny_on_plain_http(store: Store) -> None:
    bucket = new_bucket(store)
    erin = user(
        store,
        allow("oss:*", "*"),
        deny("oss:*", "*", Condition={"Bool": {"acs:SecureTransport": "false"}}),
    )
    assert check(request(store, erin, "GET", bucket, "k")) == BY_POLICY


# --- versions, tagging, batch deletes, copy sources ---------------------------------------------


def test_a_version_id_needs_the_version_action(store: Store) -> None:
    bucket = new_bucket(store)
    plain = user(store, allow(["oss:GetObject", "oss:DeleteObject"], f"acs:oss:*:*:{bucket}/*"))
    version = {"versionId": "CAEQ"}
    assert check(request(store, plain, "GET", bucket, "k")) is None
    assert check(request(store, plain, "GET", bucket, "k", version)) == ACL
    assert check(request(store, plain, "DELETE", bucket, "k", version)) == ACL
    versions = user(
        store,
        allow(["oss:GetObjectVersion", "oss:DeleteObjectVersion"], f"acs:oss:*:*:{bucket}/*"),
    )
    assert check(request(store, versions, "GET", bucket, "k", version)) is None
    assert check(request(store, versions, "DELETE", bucket, "k", version)) is None
    assert check(request(store, versions, "GET", bucket, "k")) == ACL


def test_tagging_with_the_upload_needs_put_object_tagging(store: Store) -> None:
    bucket = new_bucket(store)
    writer = user(store, allow("oss:PutObject", f"acs:oss:*:*:{bucket}/*"))
    tags = [("x-oss-tagging", "a=1")]
    assert check(request(store, writer, "PUT", bucket, "k")) is None
    assert check(request(store, writer, "PUT", bucket, "k", headers=tags)) == ACL


def test_batch_delete_is_authorized_per_key_and_version(store: Store) -> None:
    bucket = new_bucket(store)
    tmp = user(store, allow("oss:DeleteObject", f"acs:oss:*:*:{bucket}/tmp/*"))
    ctx = request(store, tmp, "POST", bucket, None, {"delete": ""})
    assert check(ctx) is None  # deferred to the keys
    asyncio.run(authz.authorize_deletes(ctx, [("tmp/a", None), ("tmp/b", None)]))
    with pytest.raises(OssError) as caught:
        asyncio.run(authz.authorize_deletes(ctx, [("tmp/a", None), ("keep/b", None)]))
    assert caught.value.message == ACL
    with pytest.raises(OssError):
        asyncio.run(authz.authorize_deletes(ctx, [("tmp/a", "CAEQ")]))  # DeleteObjectVersion
    asyncio.run(authz.authorize_deletes(request(store, ROOT, "POST", bucket), [("x", None)]))


def test_copy_source_needs_get_object_on_the_source(store: Store) -> None:
    source, destination = new_bucket(store), new_bucket(store)
    copier = user(
        store,
        allow("oss:GetObject", f"acs:oss:*:*:{source}/*"),
        allow("oss:PutObject", f"acs:oss:*:*:{destination}/*"),
    )
    ctx = request(store, copier, "PUT", destination, "copy", headers=[("x-oss-copy-source", "/")])
    assert check(ctx) is None
    read = find_operation("GET", source, "src", {})
    asyncio.run(authz.authorize(ctx, read, source, "src"))
    with pytest.raises(OssError):
        asyncio.run(authz.authorize(ctx, read, source, "src", version_id="CAEQ"))
    with pytest.raises(OssError):
        asyncio.run(authz.authorize(ctx, read, destination, "src"))


# --- role sessions -------------------------------------------------------------------------------


def test_a_role_session_gets_role_and_session_policy_intersected(store: Store) -> None:
    bucket = new_bucket(store)
    role = document(allow("oss:*", f"acs:oss:*:*:{bucket}/*"))
    narrow = document(allow("oss:GetObject", f"acs:oss:*:*:{bucket}/*"))
    session = role_session(store, role, narrow)
    assert check(request(store, session, "GET", bucket, "k")) is None
    err = denial(request(store, session, "PUT", bucket, "k"))
    assert err.message == BY_SESSION
    assert "<PolicyType>SessionPolicy</PolicyType>" in err.to_xml("R", "h").decode()
    unlimited = role_session(store, role, None)
    assert check(request(store, unlimited, "PUT", bucket, "k")) is None
    assert check(request(store, unlimited, "PUT", new_bucket(store), "k")) == ACL


# --- bucket policies -----------------------------------------------------------------------------


def test_bucket_policy_grants_a_ram_user_by_uid(store: Store) -> None:
    bucket = new_bucket(store)
    frank = user(store)
    uid = store.ram.get_user(OWNER, frank.name).user_id  # type: ignore[union-attr]
    set_policy(
        store,
        bucket,
        {**allow("oss:GetObject", f"acs:oss:*:{OWNER}:{bucket}/*"), "Principal": [uid]},
    )
    assert check(request(store, frank, "GET", bucket, "k")) is None
    assert check(request(store, frank, "PUT", bucket, "k")) == ACL
    assert check(request(store, user(store), "GET", bucket, "k")) == ACL


def test_bucket_policy_deny_beats_a_ram_allow(store: Store) -> None:
    bucket = new_bucket(store)
    grace = user(store, allow("oss:*", "*"))
    set_policy(
        store, bucket, {**deny("oss:DeleteObject", f"acs:oss:*:*:{bucket}/*"), "Principal": ["*"]}
    )
    assert check(request(store, grace, "GET", bucket, "k")) is None
    err = denial(request(store, grace, "DELETE", bucket, "k"))
    assert err.message == BY_POLICY
    assert "<PolicyType>BucketPolicy</PolicyType>" in err.to_xml("R", "h").decode()


def test_other_accounts_need_the_bucket_policy(store: Store) -> None:
    bucket = new_bucket(store)
    outsider = user(store, allow("oss:*", "*"), account=OTHER)
    assert check(request(store, outsider, "GET", bucket, "k")) == ACL
    assert check(request(store, OTHER_ROOT, "GET", bucket, "k")) == ACL
    assert check(request(store, OTHER_ROOT, "GET", bucket, None, {"acl": ""})) == NOT_YOURS
    set_policy(
        store, bucket, {**allow("oss:GetObject", f"acs:oss:*:*:{bucket}/*"), "Principal": [OTHER]}
    )
    assert check(request(store, OTHER_ROOT, "GET", bucket, "k")) is None
    # The account's UID names its root only, not its RAM users.
    assert check(request(store, outsider, "GET", bucket, "k")) == ACL


def test_anonymous_access_through_a_bucket_policy(store: Store) -> None:
    bucket = new_bucket(store)
    assert check(request(store, ANONYMOUS, "GET", bucket, "pub/k")) == ACL
    assert check(request(store, ANONYMOUS, "GET", bucket, None, {"acl": ""})) == (
        ANONYMOUS_FORBIDDEN
    )
    set_policy(
        store, bucket, {**allow("oss:GetObject", f"acs:oss:*:*:{bucket}/pub/*"), "Principal": ["*"]}
    )
    assert check(request(store, ANONYMOUS, "GET", bucket, "pub/k")) is None
    assert check(request(store, ANONYMOUS, "GET", bucket, "priv/k")) == ACL
    assert check(request(store, ANONYMOUS, "PUT", bucket, "pub/k")) == ACL


# --- ACL fallback --------------------------------------------------------------------------------


def test_acl_fallback_for_data_operations_only(store: Store) -> None:
    readable, writable = new_bucket(store, "public-read"), new_bucket(store, "public-read-write")
    nobody = user(store)
    for who in (ANONYMOUS, nobody, OTHER_ROOT):
        assert check(request(store, who, "GET", readable, "k")) is None
        assert check(request(store, who, "GET", readable, None)) is None  # ListObjects
        assert check(request(store, who, "PUT", readable, "k")) == ACL
        assert check(request(store, who, "PUT", writable, "k")) is None
        assert check(request(store, who, "DELETE", writable, "k")) is None
        manage = ANONYMOUS_FORBIDDEN if who is ANONYMOUS else NOT_YOURS
        assert check(request(store, who, "PUT", writable, "k", {"acl": ""})) == manage


def test_an_object_acl_overrides_the_bucket_acl(store: Store) -> None:
    bucket = new_bucket(store)
    store.meta.put_object(ObjectVersion(bucket=bucket, key="open", acl="public-read"))
    store.meta.put_object(ObjectVersion(bucket=bucket, key="closed", acl="default"))
    assert check(request(store, ANONYMOUS, "GET", bucket, "open")) is None
    assert check(request(store, ANONYMOUS, "GET", bucket, "closed")) == ACL
    public = new_bucket(store, "public-read")
    store.meta.put_object(ObjectVersion(bucket=public, key="hidden", acl="private"))
    assert check(request(store, ANONYMOUS, "GET", public, "hidden")) == ACL


def test_a_policy_deny_is_not_undone_by_a_public_acl(store: Store) -> None:
    bucket = new_bucket(store, "public-read")
    set_policy(
        store, bucket, {**deny("oss:GetObject", f"acs:oss:*:*:{bucket}/*"), "Principal": ["*"]}
    )
    assert check(request(store, ANONYMOUS, "GET", bucket, "k")) == BY_POLICY
