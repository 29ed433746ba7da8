"""Evaluation: explicit Deny wins everywhere, session policies intersect, identity and bucket
policies union, bucket-policy principals, and the explanation of each outcome."""

from __future__ import annotations

import pytest

from ossbox.policy import (
    AuthzRequest,
    NamedPolicy,
    PrincipalRef,
    evaluate,
    explain,
    oss_resource_arn,
    oss_service_arn,
    system_policy,
)
from tests.policy.helpers import (
    ACCT,
    ALICE,
    ANON,
    BOB,
    BUCKET,
    OTHER,
    REGION,
    ROOT,
    SESSION,
    STRANGER,
    allowed,
    bucket_policy,
    decide,
    ident,
    named,
    obj,
    req,
    stmt,
)

# The seed's session policy: PutObject/GetObject on examplebucket's objects only.
SEED = named(
    "RamTestPolicy",
    stmt(action=["oss:PutObject", "oss:GetObject"], resource=["acs:oss:*:*:examplebucket/*"]),
)


@pytest.mark.parametrize(
    ("action", "resource", "expected"),
    [
        ("oss:GetObject", obj("exampleobject.txt"), True),
        ("oss:PutObject", obj("dir/sub/exampleobject.txt"), True),
        ("oss:getobject", obj("a"), True),  # actions are case-insensitive
        ("oss:DeleteObject", obj("a"), False),
        ("oss:ListObjects", oss_resource_arn(REGION, ACCT, BUCKET), False),
        (
            "oss:GetObject",
            oss_resource_arn(REGION, ACCT, BUCKET),
            False,
        ),  # the bucket is not bucket/*
        ("oss:GetObject", obj("a", "examplebucket2"), False),
        ("oss:GetObject", obj("a", "Examplebucket"), False),  # resources are case-sensitive
        ("oss:ListBuckets", oss_service_arn(REGION, ACCT), False),
    ],
)
def test_the_seed_policy(action: str, resource: str, expected: bool) -> None:
    assert allowed(req(action, resource, SESSION), SEED) is expected


def test_nothing_allows_by_default() -> None:
    decision = evaluate(req())
    assert (decision.allowed, decision.effect, decision.deciding) == (False, "ImplicitDeny", ())
    assert decision.missing == ("identity-or-resource",)
    assert "implicitly denied because no RAM policy or bucket policy allows it" in explain(decision)


def test_multi_statement_documents_and_deciding_statements() -> None:
    policy = named(
        "Mixed",
        stmt(action="oss:List*", resource="*", Sid="list"),
        stmt(action="oss:GetObject", resource=f"acs:oss:*:*:{BUCKET}/public/*"),
        stmt(
            "Deny",
            action="oss:GetObject",
            resource=f"acs:oss:*:*:{BUCKET}/public/secret*",
            Sid="nope",
        ),
    )
    assert allowed(req("oss:ListObjects", oss_resource_arn(REGION, ACCT, BUCKET)), policy)
    ok = decide(req("oss:GetObject", obj("public/a")), policy)
    assert ok.allowed and [(d.policy, d.statement, d.effect) for d in ok.deciding] == [
        ("Mixed", 1, "Allow")
    ]
    denied = decide(req("oss:GetObject", obj("public/secret.txt")), policy)
    assert denied.effect == "ExplicitDeny"
    assert [(d.statement, d.sid) for d in denied.deciding] == [(2, "nope")]
    assert explain(denied) == (
        f"Denied: oss:GetObject on {obj('public/secret.txt')} is explicitly denied by "
        'policy "Mixed" Statement[2] (Sid "nope"); an explicit Deny overrides every Allow.'
    )
    assert (
        explain(ok)
        == f'Allowed: oss:GetObject on {obj("public/a")} is allowed by policy "Mixed" Statement[1].'
    )


def test_not_action_and_not_resource() -> None:
    everything_but_delete = named("p", stmt(action=None, NotAction=["oss:Delete*"], resource="*"))
    assert allowed(req("oss:PutObject"), everything_but_delete)
    assert not allowed(req("oss:DeleteObject"), everything_but_delete)
    assert allowed(req("ram:CreateUser", "*"), everything_but_delete)  # NotAction spans services
    outside_private = named("q", stmt(resource=None, NotResource=f"acs:oss:*:*:{BUCKET}/private/*"))
    assert allowed(req("oss:GetObject", obj("public/a")), outside_private)
    assert not allowed(req("oss:GetObject", obj("private/a")), outside_private)
    deny_all_but = named("r", stmt("Deny", action=None, NotAction="oss:GetObject", resource="*"))
    assert evaluate(req("oss:PutObject"), identity=[SEED, deny_all_but]).effect == "ExplicitDeny"
    assert evaluate(req("oss:GetObject"), identity=[SEED, deny_all_but]).allowed


def test_conditions_gate_statements() -> None:
    office = named(
        "office", stmt(Condition={"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}})
    )
    assert allowed(req(acs__SourceIp="10.1.2.3"), office)
    assert allowed(req(acs__SourceIp="2001:db8::1"), office)
    assert not allowed(req(acs__SourceIp="8.8.8.8"), office)
    assert not allowed(req(), office)  # no source IP in the context: the Allow does not apply


def test_deny_unless_https_fails_closed() -> None:
    deny_http = named("tls", stmt("Deny", Condition={"Bool": {"acs:SecureTransport": "false"}}))
    grant = named("grant", stmt())
    assert allowed(req(acs__SecureTransport="true"), grant, deny_http)
    assert (
        evaluate(req(acs__SecureTransport="false"), identity=[grant, deny_http]).effect
        == "ExplicitDeny"
    )


def test_deny_outside_network_applies_without_a_source_ip() -> None:
    deny = named("net", stmt("Deny", Condition={"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    grant = named("grant", stmt())
    assert allowed(req(acs__SourceIp="10.0.0.1"), grant, deny)
    assert not allowed(req(acs__SourceIp="192.0.2.1"), grant, deny)
    assert not allowed(req(), grant, deny)  # absent key: the negated operator holds


def test_time_window() -> None:
    until = named(
        "until", stmt(Condition={"DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}})
    )
    assert allowed(req(acs__CurrentTime="2029-06-01T12:00:00Z"), until)
    assert not allowed(req(acs__CurrentTime="2030-06-01T12:00:00Z"), until)


def test_list_prefix_condition() -> None:
    home = named(
        "home",
        stmt(
            action="oss:ListObjects",
            resource=f"acs:oss:*:*:{BUCKET}",
            Condition={"StringLike": {"oss:Prefix": ["home/alice/*", ""]}},
        ),
    )
    bucket_arn = oss_resource_arn(REGION, ACCT, BUCKET)
    assert allowed(req("oss:ListObjects", bucket_arn, oss__Prefix="home/alice/docs/"), home)
    assert allowed(req("oss:ListObjects", bucket_arn, oss__Prefix=""), home)
    assert not allowed(req("oss:ListObjects", bucket_arn, oss__Prefix="home/bob/"), home)


# --- explicit Deny over Allow across policy kinds --------------------------------------------

GRANT = named("grant", stmt())
DENY = named("deny", stmt("Deny", action="oss:GetObject"))


def test_identity_deny_beats_bucket_policy_allow() -> None:
    bp = bucket_policy(stmt(Principal="*", resource=f"acs:oss:*:*:{BUCKET}/*"))
    decision = evaluate(req(), identity=[DENY], resource=[bp])
    assert decision.effect == "ExplicitDeny"


def test_bucket_policy_deny_beats_identity_allow() -> None:
    bp = bucket_policy(
        stmt("Deny", Principal=["2001"], resource=f"acs:oss:*:*:{BUCKET}/*", Sid="no-alice")
    )
    decision = evaluate(req(who=ALICE), identity=[GRANT], resource=[bp])
    assert decision.effect == "ExplicitDeny"
    assert 'bucket policy "examplebucket" Statement[0] (Sid "no-alice")' in explain(decision)
    assert evaluate(req(who=BOB), identity=[GRANT], resource=[bp]).allowed  # names only alice


def test_session_policy_deny_beats_everything() -> None:
    session = ident(stmt(), stmt("Deny", action="oss:PutObject"))
    assert evaluate(req("oss:GetObject", who=SESSION), identity=[GRANT], session=session).allowed
    assert (
        evaluate(req("oss:PutObject", who=SESSION), identity=[GRANT], session=session).effect
        == "ExplicitDeny"
    )


def test_trust_policy_deny_is_an_explicit_deny() -> None:
    from ossbox.policy import PolicyKind, parse_policy
    from tests.policy.helpers import doc

    trust = parse_policy(
        doc(
            stmt(action="sts:AssumeRole", resource=None, Principal={"RAM": [ACCT]}),
            stmt(
                "Deny",
                action="sts:AssumeRole",
                resource=None,
                Principal={"RAM": [f"acs:ram::{ACCT}:user/bob"]},
            ),
        ),
        kind=PolicyKind.TRUST,
    )
    assume = system_policy("AliyunSTSAssumeRoleAccess")
    role = f"acs:ram::{ACCT}:role/ops"
    ok = evaluate(
        AuthzRequest("sts:AssumeRole", role, ALICE),
        identity=[NamedPolicy("sts", assume)],
        trust=trust,
    )
    assert ok.allowed
    assert [d.source for d in ok.deciding] == ["identity", "trust"]
    no = evaluate(
        AuthzRequest("sts:AssumeRole", role, BOB),
        identity=[NamedPolicy("sts", assume)],
        trust=trust,
    )
    assert no.effect == "ExplicitDeny"
    # The trust policy alone is not enough: the caller's own policies must allow AssumeRole.
    alone = evaluate(AuthzRequest("sts:AssumeRole", role, ALICE), trust=trust)
    assert alone.effect == "ImplicitDeny" and alone.missing == ("identity-or-resource",)
    # And the caller's policies alone are not enough either.
    untrusted = evaluate(
        AuthzRequest("sts:AssumeRole", role, STRANGER),
        identity=[NamedPolicy("sts", assume)],
        trust=trust,
    )
    assert untrusted.missing == ("trust",)
    assert "the role's trust policy does not allow this caller" in explain(untrusted)


# --- session policies intersect with the role's policies -------------------------------------

ROLE_BROAD = named("role-broad", stmt(action="oss:*", resource=f"acs:oss:*:*:{BUCKET}/*"))
ROLE_NARROW = named("role-narrow", stmt(action="oss:GetObject", resource=f"acs:oss:*:*:{BUCKET}/*"))
SESSION_BROAD = ident(stmt(action="oss:*", resource="*"))
SESSION_NARROW = ident(stmt(action="oss:GetObject", resource=f"acs:oss:*:*:{BUCKET}/*"))


def test_session_allows_more_than_the_role_so_the_role_limits() -> None:
    assert evaluate(
        req("oss:GetObject", who=SESSION), identity=[ROLE_NARROW], session=SESSION_BROAD
    ).allowed
    decision = evaluate(
        req("oss:PutObject", who=SESSION), identity=[ROLE_NARROW], session=SESSION_BROAD
    )
    assert decision.effect == "ImplicitDeny" and decision.missing == ("identity-or-resource",)
    assert [d.source for d in decision.deciding] == ["session"]
    assert (
        "is allowed by session policy Statement[0], but no RAM policy or bucket policy allows it"
        in explain(decision)
    )


def test_role_allows_more_than_the_session_so_the_session_limits() -> None:
    assert evaluate(
        req("oss:GetObject", who=SESSION), identity=[ROLE_BROAD], session=SESSION_NARROW
    ).allowed
    decision = evaluate(
        req("oss:DeleteObject", who=SESSION), identity=[ROLE_BROAD], session=SESSION_NARROW
    )
    assert decision.effect == "ImplicitDeny" and decision.missing == ("session",)
    assert "but the session policy does not allow it" in explain(decision)


def test_session_policy_also_limits_bucket_policy_grants() -> None:
    bp = bucket_policy(
        stmt(
            Principal=[f"arn:sts::{ACCT}:assumed-role/RamOssTest/*"],
            resource=f"acs:oss:*:*:{BUCKET}/*",
        )
    )
    assert evaluate(req("oss:PutObject", who=SESSION), resource=[bp]).allowed
    assert not evaluate(
        req("oss:PutObject", who=SESSION), resource=[bp], session=SESSION_NARROW
    ).allowed


def test_without_a_session_policy_the_role_has_all_its_permissions() -> None:
    assert evaluate(req("oss:DeleteObject", who=SESSION), identity=[ROLE_BROAD]).allowed


def test_seed_flow_session_policy_over_a_broad_role() -> None:
    full = NamedPolicy("AliyunOSSFullAccess", system_policy("AliyunOSSFullAccess"))
    session = SEED.policy
    assert evaluate(
        req("oss:PutObject", obj("exampleobject.txt"), SESSION), identity=[full], session=session
    ).allowed
    assert not evaluate(
        req("oss:DeleteObject", obj("exampleobject.txt"), SESSION), identity=[full], session=session
    ).allowed
    assert not evaluate(
        req("oss:GetObject", obj("x", "otherbucket"), SESSION), identity=[full], session=session
    ).allowed


# --- bucket policies --------------------------------------------------------------------------

PUBLIC_READ = bucket_policy(
    stmt(action="oss:GetObject", Principal=["*"], resource=f"acs:oss:*:{ACCT}:{BUCKET}/*")
)


@pytest.mark.parametrize("who", [ANON, ALICE, ROOT, SESSION, STRANGER, PrincipalRef.root(OTHER)])
def test_star_principal_is_everyone_including_anonymous(who: PrincipalRef) -> None:
    assert evaluate(req(who=who), resource=[PUBLIC_READ]).allowed
    assert not evaluate(req("oss:PutObject", who=who), resource=[PUBLIC_READ]).allowed


def test_empty_principal_list_is_everyone() -> None:
    bp = bucket_policy(
        stmt(action="oss:GetObject", Principal=[], resource=f"acs:oss:*:*:{BUCKET}/*")
    )
    assert evaluate(req(who=ANON), resource=[bp]).allowed


@pytest.mark.parametrize(
    ("principal", "who", "expected"),
    [
        (OTHER, PrincipalRef.root(OTHER), True),  # an account UID names the account itself
        (OTHER, STRANGER, False),  # ...not its RAM users
        ("9001", STRANGER, True),  # a RAM user by its own UID
        ("9001", PrincipalRef.root("9001"), True),
        ("2001", ALICE, True),
        ("2001", BOB, False),
        (OTHER, ANON, False),
        (f"acs:ram::{OTHER}:user/mallory", STRANGER, True),
        (f"acs:ram::{OTHER}:user/*", STRANGER, True),
        (f"acs:ram::{OTHER}:user/mallory", PrincipalRef.user(ACCT, "mallory"), False),
        (f"acs:ram::{OTHER}:root", PrincipalRef.root(OTHER), True),
        (f"acs:ram::{OTHER}:root", STRANGER, False),
        (f"arn:sts::{ACCT}:assumed-role/RamOssTest/sessiontest", SESSION, True),
        (f"arn:sts::{ACCT}:assumed-role/RamOssTest/other", SESSION, False),
        (f"arn:sts::{ACCT}:assumed-role/RamOssTest/*", SESSION, True),
        (f"acs:ram::{ACCT}:assumed-role/RamOssTest/sessiontest", SESSION, True),
        (f"acs:ram::{ACCT}:role/RamOssTest", SESSION, True),
        (f"acs:ram::{ACCT}:role/Other", SESSION, False),
        (f"arn:sts::{OTHER}:assumed-role/RamOssTest/*", SESSION, False),
        (ACCT, SESSION, False),  # a role session is not its account's root
    ],
)
def test_bucket_policy_principal_matching(
    principal: str, who: PrincipalRef, expected: bool
) -> None:
    bp = bucket_policy(
        stmt(action="oss:GetObject", Principal=[principal], resource=f"acs:oss:*:*:{BUCKET}/*")
    )
    assert evaluate(req(who=who), resource=[bp]).allowed is expected


def test_bucket_policy_and_identity_policy_are_unioned() -> None:
    bp = bucket_policy(
        stmt(action="oss:PutObject", Principal=["2001"], resource=f"acs:oss:*:*:{BUCKET}/*")
    )
    reader = named("reader", stmt(action="oss:GetObject"))
    assert evaluate(req("oss:GetObject"), identity=[reader], resource=[bp]).allowed
    put = evaluate(req("oss:PutObject"), identity=[reader], resource=[bp])
    assert put.allowed and [d.source for d in put.deciding] == ["resource"]
    assert not evaluate(req("oss:DeleteObject"), identity=[reader], resource=[bp]).allowed


def test_bucket_policy_conditions_for_anonymous_requests() -> None:
    bp = bucket_policy(
        stmt(
            action="oss:GetObject",
            Principal="*",
            resource=f"acs:oss:*:*:{BUCKET}/*",
            Condition={"StringLike": {"acs:Referer": "https://example.com/*"}},
        )
    )
    assert evaluate(req(who=ANON, acs__Referer="https://example.com/page"), resource=[bp]).allowed
    assert not evaluate(req(who=ANON, acs__Referer="https://evil.test/"), resource=[bp]).allowed


def test_root_gets_no_implicit_grant_from_the_engine() -> None:
    # Account-owner shortcuts are the server's business; the engine only reads policies.
    assert not evaluate(req(who=ROOT)).allowed
    assert evaluate(
        req(who=ROOT), identity=[NamedPolicy("admin", system_policy("AdministratorAccess"))]
    ).allowed
