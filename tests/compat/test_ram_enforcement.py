"""RAM enforced on OSS, through the official clients against a live server.

The seed's console steps through the RAM API (sdk-core CommonRequest): a RAM user, its
AccessKey, the custom policy `oss:PutObject`/`oss:GetObject` on `acs:oss:*:*:<bucket>/*`,
attached. Then oss2 with the user's key can do exactly that, and every other call gets 403
AccessDenied; Deny statements win; conditions on the source IP (from a trusted proxy's
X-Forwarded-For, and ignored from an untrusted peer), oss:Prefix and acs:SecureTransport;
bucket policies for another user, for anonymous callers and against a RAM Allow; the ACL
fallback; Put/Get/DeleteBucketPolicy with write-time validation."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest

from tests.compat.test_ram_api import Ram
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat

ACL = "You have no right to access this object because of bucket acl."
NOT_YOURS = "The bucket you access does not belong to you."
BY_POLICY = "Access denied by bucket policy."


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)})


def allow(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: str | list[str], resources: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class User:
    server: LiveServer
    name: str
    user_id: str
    access_key_id: str
    access_key_secret: str

    def auth(self, version: str = "v1") -> oss2.Auth | oss2.AuthV4:
        if version == "v4":
            return oss2.AuthV4(self.access_key_id, self.access_key_secret)
        return oss2.Auth(self.access_key_id, self.access_key_secret)

    def bucket(self, name: str, version: str = "v1") -> oss2.Bucket:
        return bucket_as(self.server, self.auth(version), name)


def bucket_as(server: LiveServer, auth: oss2.AuthBase, name: str) -> oss2.Bucket:
    return oss2.Bucket(auth, server.endpoint, name, region=server.region)


def root_bucket(server: LiveServer, name: str) -> oss2.Bucket:
    return bucket_as(server, oss2.AuthV4(server.access_key_id, server.access_key_secret), name)


def new_bucket(server: LiveServer, acl: str = oss2.BUCKET_ACL_PRIVATE) -> oss2.Bucket:
    bucket = root_bucket(server, unique("examplebucket"))
    bucket.create_bucket(acl)
    return bucket


def ram_user(server: LiveServer, *statements: dict[str, Any], system: str = "") -> User:
    """The seed's steps 1-3 through the RAM API: a user, its AccessKey, a custom policy made
    of `statements` (and/or a system policy), attached."""
    root = Ram(server)
    name = unique("oss-user")
    created = root("CreateUser", UserName=name)["User"]
    key = root("CreateAccessKey", UserName=name)["AccessKey"]
    if statements:
        policy = unique("RamTestPolicy")
        root("CreatePolicy", PolicyName=policy, PolicyDocument=document(*statements))
        root("AttachPolicyToUser", PolicyType="Custom", PolicyName=policy, UserName=name)
    if system:
        root("AttachPolicyToUser", PolicyType="System", PolicyName=system, UserName=name)
    return User(server, name, created["UserId"], key["AccessKeyId"], key["AccessKeySecret"])


def refusal(call: Callable[[], object]) -> tuple[int, str, str]:
    """(status, code, message) of a call the server must refuse."""
    with pytest.raises(oss2.exceptions.ServerError) as caught:
        call()
    err = caught.value
    return err.status, err.code, err.message


def denied(call: Callable[[], object], message: str | None = None) -> None:
    status, code, text = refusal(call)
    assert (status, code) == (403, "AccessDenied")
    if message is not None:
        assert text == message


# --- the seed: exactly PutObject and GetObject on one bucket -------------------------------------


@dataclass(frozen=True)
class Seed:
    user: User
    bucket: oss2.Bucket  # as root
    other: oss2.Bucket  # as root


@pytest.fixture(scope="module")
def seed(live_server: LiveServer) -> Seed:
    bucket, other = new_bucket(live_server), new_bucket(live_server)
    seed_policy = allow(["oss:PutObject", "oss:GetObject"], f"acs:oss:*:*:{bucket.bucket_name}/*")
    user = ram_user(live_server, seed_policy)
    for target in (bucket, other):
        target.put_object("existing.txt", b"seed")
    return Seed(user, bucket, other)


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_the_seed_policy_allows_put_and_get(seed: Seed, version: str) -> None:
    mine = seed.user.bucket(seed.bucket.bucket_name, version)
    mine.put_object(f"upload-{version}.txt", b"hello")
    assert mine.get_object(f"upload-{version}.txt").read() == b"hello"
    assert mine.get_object("existing.txt").read() == b"seed"
    assert mine.head_object("existing.txt").content_length == 4
    mine.copy_object(seed.bucket.bucket_name, "existing.txt", f"copy-{version}.txt")
    key = f"multi-{version}.bin"
    upload = mine.init_multipart_upload(key).upload_id
    part = mine.upload_part(key, upload, 1, b"part")
    mine.complete_multipart_upload(key, upload, [oss2.models.PartInfo(1, part.etag)])
    assert mine.get_object(key).read() == b"part"


OTHER_CALLS: dict[str, tuple[Callable[[Seed, oss2.Bucket, oss2.Bucket], object], str]] = {
    "DeleteObject": (lambda s, mine, theirs: mine.delete_object("existing.txt"), ACL),
    "ListObjects": (lambda s, mine, theirs: mine.list_objects(), ACL),
    "DeleteMultipleObjects": (lambda s, mine, theirs: mine.batch_delete_objects(["x"]), ACL),
    "PutObjectAcl": (
        lambda s, mine, theirs: mine.put_object_acl("existing.txt", oss2.OBJECT_ACL_PUBLIC_READ),
        NOT_YOURS,
    ),
    "GetObjectAcl": (lambda s, mine, theirs: mine.get_object_acl("existing.txt"), NOT_YOURS),
    "PutObject with tags": (
        lambda s, mine, theirs: mine.put_object("t", b"x", headers={"x-oss-tagging": "a=1"}),
        ACL,
    ),
    "GetBucketInfo": (lambda s, mine, theirs: mine.get_bucket_info(), NOT_YOURS),
    "GetBucketAcl": (lambda s, mine, theirs: mine.get_bucket_acl(), NOT_YOURS),
    "PutBucketAcl": (
        lambda s, mine, theirs: mine.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ),
        NOT_YOURS,
    ),
    "DeleteBucket": (lambda s, mine, theirs: mine.delete_bucket(), NOT_YOURS),
    "PutBucketPolicy": (lambda s, mine, theirs: mine.put_bucket_policy(document()), NOT_YOURS),
    "ListMultipartUploads": (lambda s, mine, theirs: mine.list_multipart_uploads(), NOT_YOURS),
    "GetObject elsewhere": (lambda s, mine, theirs: theirs.get_object("existing.txt"), ACL),
    "PutObject elsewhere": (lambda s, mine, theirs: theirs.put_object("x", b"x"), ACL),
    "CopyObject from elsewhere": (
        lambda s, mine, theirs: mine.copy_object(theirs.bucket_name, "existing.txt", "c"),
        ACL,
    ),
    "CreateBucket": (
        lambda s, mine, theirs: bucket_as(
            s.user.server, s.user.auth(), unique("b")
        ).create_bucket(),
        NOT_YOURS,
    ),
    "ListBuckets": (
        lambda s, mine, theirs: oss2.Service(s.user.auth(), s.user.server.endpoint).list_buckets(),
        NOT_YOURS,
    ),
}


@pytest.mark.parametrize("call", list(OTHER_CALLS))
def test_every_other_call_is_access_denied(seed: Seed, call: str) -> None:
    run, message = OTHER_CALLS[call]
    mine = seed.user.bucket(seed.bucket.bucket_name, "v4")
    theirs = seed.user.bucket(seed.other.bucket_name, "v4")
    denied(lambda: run(seed, mine, theirs), message)
    assert seed.bucket.get_object("existing.txt").read() == b"seed"  # untouched


def test_oss_v2_reads_the_denial_with_its_detail(seed: Seed) -> None:
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(
        seed.user.access_key_id, seed.user.access_key_secret
    )
    cfg.region, cfg.endpoint = seed.user.server.region, seed.user.server.endpoint
    cfg.use_path_style = True
    cfg.retry_max_attempts = 1
    client = oss_v2.Client(cfg)
    for call in (
        lambda: client.delete_object(
            oss_v2.DeleteObjectRequest(bucket=seed.bucket.bucket_name, key="existing.txt")
        ),
        lambda: client.head_object(
            oss_v2.HeadObjectRequest(bucket=seed.other.bucket_name, key="existing.txt")
        ),
    ):
        with pytest.raises(oss_v2.exceptions.OperationError) as caught:
            call()
        inner = caught.value.unwrap()
        assert isinstance(inner, oss_v2.exceptions.ServiceError)
        assert (inner.status_code, inner.code, inner.message) == (403, "AccessDenied", ACL)


# --- Deny wins; conditions -----------------------------------------------------------------------


def test_a_deny_statement_wins_over_allows(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    user = ram_user(
        live_server,
        deny("oss:*", f"acs:oss:*:*:{name}/private/*"),
        allow("oss:*", f"acs:oss:*:*:{name}/*"),
        system="AliyunOSSFullAccess",
    )
    mine = user.bucket(name)
    mine.put_object("public/a.txt", b"a")
    assert mine.get_object("public/a.txt").read() == b"a"
    for call in (
        lambda: mine.put_object("private/a.txt", b"a"),
        lambda: mine.get_object("private/a.txt"),
        lambda: mine.head_object("private/a.txt"),  # the error travels in x-oss-err
        lambda: mine.delete_object("private/a.txt"),
    ):
        status, code, message = refusal(call)
        assert (status, code, message) == (403, "AccessDenied", BY_POLICY)


def test_list_objects_only_under_the_allowed_prefix(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    for key in ("home/alice/a.txt", "home/bob/b.txt"):
        bucket.put_object(key, b"x")
    name = bucket.bucket_name
    home = allow(
        "oss:ListObjects",
        f"acs:oss:*:*:{name}",
        Condition={"StringLike": {"oss:Prefix": "home/alice/*"}},
    )
    mine = ram_user(live_server, home).bucket(name)
    listed = mine.list_objects(prefix="home/alice/")
    assert [o.key for o in listed.object_list] == ["home/alice/a.txt"]
    denied(lambda: mine.list_objects(prefix="home/bob/"), ACL)
    denied(lambda: mine.list_objects(), ACL)


def test_secure_transport_is_false_on_plain_http(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    tls_only = ram_user(
        live_server,
        allow(
            "oss:GetObject",
            f"acs:oss:*:*:{name}/*",
            Condition={"Bool": {"acs:SecureTransport": "true"}},
        ),
    )
    bucket.put_object("k", b"v")
    denied(lambda: tls_only.bucket(name).get_object("k"), ACL)
    refuse_http = ram_user(
        live_server,
        allow("oss:GetObject", f"acs:oss:*:*:{name}/*"),
        deny("oss:*", "*", Condition={"Bool": {"acs:SecureTransport": "false"}}),
    )
    # A client claiming https through a forwarded header changes nothing.
    headers = {"X-Forwarded-Proto": "https"}
    denied(lambda: refuse_http.bucket(name).get_object("k", headers=headers), BY_POLICY)


def _office_policy(bucket: str) -> dict[str, Any]:
    return allow(
        "oss:GetObject",
        f"acs:oss:*:*:{bucket}/*",
        Condition={"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}},
    )


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server behind a trusted proxy on 127.0.0.1: X-Forwarded-For counts."""
    server = LiveServer(
        tmp_path_factory.mktemp("proxied") / "data", extra_args=["--trusted-proxy", "127.0.0.1/32"]
    )
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


def test_source_ip_from_a_trusted_proxy(proxied_server: LiveServer) -> None:
    bucket = new_bucket(proxied_server)
    bucket.put_object("k", b"v")
    mine = ram_user(proxied_server, _office_policy(bucket.bucket_name)).bucket(bucket.bucket_name)

    def get(forwarded: str) -> object:
        return mine.get_object("k", headers={"X-Forwarded-For": forwarded}).read()

    assert get("203.0.113.9") == b"v"
    assert get("10.0.0.1, 203.0.113.9") == b"v"
    denied(lambda: get("198.51.100.1"), ACL)
    # The client wrote the office address itself; the proxy appended what it really saw.
    denied(lambda: get("203.0.113.9, 198.51.100.1"), ACL)
    denied(lambda: mine.get_object("k"), ACL)  # no header: the proxy itself, 127.0.0.1


def test_forwarded_for_is_ignored_from_an_untrusted_peer(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    bucket.put_object("k", b"v")
    name = bucket.bucket_name
    office = ram_user(live_server, _office_policy(name)).bucket(name)
    denied(lambda: office.get_object("k", headers={"X-Forwarded-For": "203.0.113.9"}), ACL)
    loopback = ram_user(
        live_server,
        allow(
            "oss:GetObject",
            f"acs:oss:*:*:{name}/*",
            Condition={"IpAddress": {"acs:SourceIp": "127.0.0.1/32"}},
        ),
    ).bucket(name)
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"}
    assert loopback.get_object("k", headers=spoofed).read() == b"v"


# --- bucket policies -----------------------------------------------------------------------------


def test_a_bucket_policy_grants_another_user_by_uid(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    bucket.put_object("shared/a.txt", b"a")
    name = bucket.bucket_name
    friend, stranger = ram_user(live_server), ram_user(live_server)
    denied(lambda: friend.bucket(name).get_object("shared/a.txt"), ACL)
    grant = allow("oss:GetObject", f"acs:oss:*:{live_server.account_id}:{name}/shared/*")
    bucket.put_bucket_policy(document({**grant, "Principal": [friend.user_id]}))
    assert friend.bucket(name).get_object("shared/a.txt").read() == b"a"
    denied(lambda: friend.bucket(name).put_object("shared/b.txt", b"b"), ACL)
    denied(lambda: stranger.bucket(name).get_object("shared/a.txt"), ACL)


def test_a_bucket_policy_grants_anonymous_access(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    for key in ("pub/a.txt", "priv/a.txt"):
        bucket.put_object(key, b"a")
    anonymous = bucket_as(live_server, oss2.AnonymousAuth(), name)
    denied(lambda: anonymous.get_object("pub/a.txt"), ACL)
    grant = allow("oss:GetObject", f"acs:oss:*:*:{name}/pub/*")
    bucket.put_bucket_policy(document({**grant, "Principal": ["*"]}))
    assert anonymous.get_object("pub/a.txt").read() == b"a"
    denied(lambda: anonymous.get_object("priv/a.txt"), ACL)
    denied(lambda: anonymous.put_object("pub/b.txt", b"b"), ACL)


def test_a_bucket_policy_deny_beats_a_ram_allow(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    admin = ram_user(live_server, system="AliyunOSSFullAccess")
    mine = admin.bucket(name)
    mine.put_object("a.txt", b"a")
    refuse = deny("oss:DeleteObject", f"acs:oss:*:*:{name}/*")
    bucket.put_bucket_policy(document({**refuse, "Principal": [admin.user_id]}))
    denied(lambda: mine.delete_object("a.txt"), BY_POLICY)
    assert mine.get_object("a.txt").read() == b"a"
    bucket.delete_object("a.txt")  # the owner's root is not bound by it


def test_acl_fallback_for_anonymous_callers(live_server: LiveServer) -> None:
    readable = new_bucket(live_server, oss2.BUCKET_ACL_PUBLIC_READ)
    readable.put_object("a.txt", b"a")
    anonymous = bucket_as(live_server, oss2.AnonymousAuth(), readable.bucket_name)
    assert anonymous.get_object("a.txt").read() == b"a"
    denied(lambda: anonymous.put_object("b.txt", b"b"), ACL)
    denied(lambda: anonymous.get_bucket_acl(), "Anonymous access is forbidden for this operation.")
    private = new_bucket(live_server)
    private.put_object("open.txt", b"o", headers={"x-oss-object-acl": "public-read"})
    private.put_object("closed.txt", b"c")
    anonymous = bucket_as(live_server, oss2.AnonymousAuth(), private.bucket_name)
    assert anonymous.get_object("open.txt").read() == b"o"
    denied(lambda: anonymous.get_object("closed.txt"), ACL)


def test_bucket_policy_round_trip(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    assert refusal(bucket.get_bucket_policy) == (
        404,
        "NoSuchBucketPolicy",
        "The specified bucket policy does not exist.",
    )
    policy = document(
        {**allow("oss:GetObject", f"acs:oss:*:*:{name}/*"), "Principal": ["*"], "Sid": "read"}
    )
    bucket.put_bucket_policy(policy)
    assert bucket.get_bucket_policy().policy == policy
    bucket.delete_bucket_policy()
    assert refusal(bucket.get_bucket_policy)[1] == "NoSuchBucketPolicy"
    bucket.delete_bucket_policy()  # again: still 204
    assert bucket.get_bucket_info().name == name  # DELETE /?policy left the bucket alone


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (lambda b: document(allow("oss:GetObject", "acs:oss:*:*:elsewhere/*")), 'not "{b}"'),
        (lambda b: document(allow("oss:GetObject", f"acs:oss:*:*:{b}/*")), "Principal"),
        (lambda b: '{"Version":"1","Statement":[', "JSON"),
        (
            lambda b: document(
                {
                    **allow("oss:GetObject", f"acs:oss:*:*:{b}/*"),
                    "Principal": ["*"],
                    "Condition": {"StringEqual": {"oss:Prefix": "a"}},
                }
            ),
            "StringEqual",
        ),
        (lambda b: " ", "empty"),
        (
            lambda b: document(
                {**allow("oss:GetObject", f"acs:oss:*:*:{b}/{'k' * 4100}"), "Principal": ["*"]}
            ),
            "4095",
        ),
    ],
)
def test_bad_bucket_policies_are_refused_when_written(
    live_server: LiveServer, body: Callable[[str], str], says: str
) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    status, code, message = refusal(lambda: bucket.put_bucket_policy(body(name)))
    assert (status, code) == (400, "InvalidPolicyDocument")
    assert says.format(b=name) in message
    assert refusal(bucket.get_bucket_policy)[1] == "NoSuchBucketPolicy"


def test_an_oversized_bucket_policy_is_refused(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    status, code, message = refusal(lambda: bucket.put_bucket_policy(" " * (16 * 1024 + 1)))
    assert (status, code) == (400, "InvalidPolicyDocument")
    assert "16 KB" in message


def test_bucket_policy_calls_need_their_rights(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    name = bucket.bucket_name
    policy = document({**allow("oss:GetObject", f"acs:oss:*:*:{name}/*"), "Principal": ["*"]})
    editor = ram_user(
        live_server,
        allow(["oss:PutBucketPolicy", "oss:GetBucketPolicy"], f"acs:oss:*:*:{name}"),
    )
    mine = editor.bucket(name)
    mine.put_bucket_policy(policy)
    assert mine.get_bucket_policy().policy == policy
    denied(mine.delete_bucket_policy, NOT_YOURS)
    reader = ram_user(live_server, system="AliyunOSSReadOnlyAccess").bucket(name)
    assert reader.get_bucket_policy().policy == policy
    denied(lambda: reader.put_bucket_policy(policy), NOT_YOURS)
    anonymous = bucket_as(live_server, oss2.AnonymousAuth(), name)
    denied(anonymous.get_bucket_policy, "Anonymous access is forbidden for this operation.")


# --- versions named inside a request body or a copy source need the *Version actions ------------


def test_batch_delete_of_a_version_needs_delete_object_version(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    version_id = bucket.put_object("v.txt", b"one").versionid
    user = ram_user(live_server, allow("oss:DeleteObject", f"acs:oss:*:*:{bucket.bucket_name}/*"))
    mine = user.bucket(bucket.bucket_name)
    versioned = oss2.models.BatchDeleteObjectVersionList()
    versioned.append(oss2.models.BatchDeleteObjectVersion("v.txt", version_id))
    denied(lambda: mine.delete_object_versions(versioned))
    assert bucket.get_object("v.txt", params={"versionId": version_id}).read() == b"one"
    mine.batch_delete_objects(["v.txt"])  # a plain delete (a marker) is within the grant


def test_copy_from_a_version_needs_get_object_version(live_server: LiveServer) -> None:
    bucket = new_bucket(live_server)
    bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    version_id = bucket.put_object("src.txt", b"old").versionid
    bucket.put_object("src.txt", b"new")
    user = ram_user(
        live_server,
        allow(["oss:GetObject", "oss:PutObject"], f"acs:oss:*:*:{bucket.bucket_name}/*"),
    )
    mine = user.bucket(bucket.bucket_name)
    mine.copy_object(bucket.bucket_name, "src.txt", "latest-copy.txt")
    denied(
        lambda: mine.copy_object(
            bucket.bucket_name, "src.txt", "old-copy.txt", params={"versionId": version_id}
        )
    )
