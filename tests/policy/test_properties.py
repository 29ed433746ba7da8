"""Properties of evaluation over generated policies: a Deny never grants, evaluation is
deterministic, and the order of the policy lists does not matter."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ossbox.policy import AuthzRequest, NamedPolicy, PolicyKind, evaluate
from ossbox.policy.conditions import normalize_context
from ossbox.policy.evaluate import applies
from tests.policy.helpers import (
    ACCT,
    ALICE,
    ANON,
    BUCKET,
    SESSION,
    STRANGER,
    bucket_policy,
    ident,
    obj,
)

ACTIONS = ["oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:ListObjects"]
ACTION_PATTERNS = [*ACTIONS, "*", "oss:*", "oss:Get*", "OSS:?utObject", "oss:List*"]
RESOURCES = [
    obj("a.txt"),
    obj("dir/b.txt"),
    obj("private/c"),
    f"acs:oss:cn-hangzhou:{ACCT}:{BUCKET}",
]
RESOURCE_PATTERNS = [
    "*",
    f"acs:oss:*:*:{BUCKET}/*",
    f"acs:oss:*:*:{BUCKET}/dir/*",
    f"acs:oss:*:{ACCT}:{BUCKET}",
    f"acs:oss:*:*:{BUCKET}/?.txt",
    f"acs:oss:*:*:{BUCKET}/private/*",
]
PRINCIPALS = ["*", "2001", "9001", f"arn:sts::{ACCT}:assumed-role/RamOssTest/*"]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"acs:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}},
    {"Bool": {"acs:SecureTransport": "true"}},
    {"StringLike": {"acs:UserAgent": "sdk*"}, "IpAddress": {"acs:SourceIp": "0.0.0.0/0"}},
]


@st.composite
def statements(
    draw: st.DrawFn, effect: st.SearchStrategy[str] | None = None, bucket: bool = False
) -> dict[str, Any]:
    effects = effect if effect is not None else st.sampled_from(["Allow", "Deny"])
    result: dict[str, Any] = {"Effect": draw(effects)}
    negate_action, negate_resource = draw(st.booleans()), draw(st.booleans())
    result["NotAction" if negate_action and draw(st.booleans()) else "Action"] = draw(
        st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3)
    )
    result["NotResource" if negate_resource and draw(st.booleans()) else "Resource"] = draw(
        st.lists(
            st.sampled_from(RESOURCE_PATTERNS[1:] if bucket else RESOURCE_PATTERNS),
            min_size=1,
            max_size=2,
        )
    )
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        result["Condition"] = condition
    if bucket:
        result["Principal"] = draw(st.lists(st.sampled_from(PRINCIPALS), max_size=2))
    return result


identity_policies = st.lists(
    st.lists(statements(), min_size=1, max_size=3).map(lambda s: ident(*s)), max_size=3
).map(lambda ps: [NamedPolicy(f"p{i}", p) for i, p in enumerate(ps)])
resource_policies = st.lists(
    st.lists(statements(bucket=True), min_size=1, max_size=3).map(lambda s: bucket_policy(*s)),
    max_size=2,
)
session_policies = st.none() | st.lists(statements(), min_size=1, max_size=2).map(
    lambda s: ident(*s)
)
contexts = st.fixed_dictionaries(
    {},
    optional={
        "acs:SourceIp": st.sampled_from(
            ["10.1.2.3", "192.0.2.7", "2001:db8::5", "::ffff:10.0.0.9"]
        ),
        "acs:SecureTransport": st.sampled_from(["true", "false"]),
        "acs:UserAgent": st.sampled_from(["sdk-python", "curl"]),
    },
)
requests = st.builds(
    AuthzRequest,
    st.sampled_from(ACTIONS),
    st.sampled_from(RESOURCES),
    st.sampled_from([ALICE, SESSION, STRANGER, ANON]),
    contexts,
)


@settings(max_examples=150, deadline=None)
@given(
    requests,
    identity_policies,
    resource_policies,
    session_policies,
    statements(st.just("Deny")),
    statements(st.just("Deny"), bucket=True),
    st.integers(0, 2),
)
def test_adding_a_deny_never_grants(
    request: AuthzRequest,
    identity: list[NamedPolicy],
    resource: list[NamedPolicy],
    session: Any,
    deny: dict[str, Any],
    bucket_deny: dict[str, Any],
    where: int,
) -> None:
    before = evaluate(request, identity=identity, resource=resource, session=session)
    if where == 0:
        identity = [*identity, NamedPolicy("added", ident(deny))]
        added = identity[-1].policy
    elif where == 1:
        resource = [*resource, bucket_policy(bucket_deny, name="added")]
        added = resource[-1].policy
    else:
        base = [] if session is None else [s for s in session.statements]
        session = ident(*[_as_dict(s) for s in base], deny)
        added = ident(deny)
    after = evaluate(request, identity=identity, resource=resource, session=session)
    if not before.allowed:
        assert not after.allowed
    matches = applies(added.statements[-1], added.kind, request, normalize_context(request.context))
    if matches:
        assert after.effect == "ExplicitDeny"
        assert any(d.policy in ("added", "session policy") for d in after.deciding)


def _as_dict(statement: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"Effect": statement.effect}
    for key, value in (
        ("Action", statement.actions),
        ("NotAction", statement.not_actions),
        ("Resource", statement.resources),
        ("NotResource", statement.not_resources),
    ):
        if value:
            result[key] = list(value)
    if statement.conditions:
        block: dict[str, dict[str, list[str]]] = {}
        for c in statement.conditions:
            block.setdefault(c.operator, {})[c.key] = list(c.values)
        result["Condition"] = block
    return result


@settings(max_examples=150, deadline=None)
@given(
    requests,
    identity_policies,
    resource_policies,
    session_policies,
    st.randoms(use_true_random=False),
)
def test_evaluation_is_deterministic_and_order_independent(
    request: AuthzRequest,
    identity: list[NamedPolicy],
    resource: list[NamedPolicy],
    session: Any,
    rnd: Any,
) -> None:
    decision = evaluate(request, identity=identity, resource=resource, session=session)
    assert evaluate(request, identity=identity, resource=resource, session=session) == decision
    shuffled_identity, shuffled_resource = list(identity), list(resource)
    rnd.shuffle(shuffled_identity)
    rnd.shuffle(shuffled_resource)
    assert (
        evaluate(request, identity=shuffled_identity, resource=shuffled_resource, session=session)
        == decision
    )
    # An Allow always rests on Allow statements; an explicit deny on Deny statements.
    if decision.allowed:
        assert decision.deciding and all(d.effect == "Allow" for d in decision.deciding)
    if decision.effect == "ExplicitDeny":
        assert decision.deciding and all(d.effect == "Deny" for d in decision.deciding)


def test_kinds_used_by_the_generators() -> None:
    assert (
        bucket_policy(
            {
                "Effect": "Allow",
                "Action": "oss:*",
                "Resource": f"acs:oss:*:*:{BUCKET}/*",
                "Principal": [],
            }
        ).policy.kind
        is PolicyKind.RESOURCE
    )
