"""Who may call which KMS action on which secret.

The account's root may do everything. A RAM user or role session needs `kms:<Action>` on
`acs:kms:<region>:<account>:secret/<name>` from its RAM policies (as RAM evaluates them). An
application access point signed in with a ClientKey needs the same from its own permission
policy, and must call from one of its networks. Otherwise: 403 Forbidden.NoPermission, before
anything is read, so a caller without permission learns nothing about which secrets exist.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from ossbox.policy import AuthzRequest, NamedPolicy, Policy, PolicyKind, PrincipalRef, evaluate
from ossbox.server.kms.errors import no_permission
from ossbox.server.rpc.dispatch import RpcContext
from ossbox.server.source_ip import read_address
from ossbox.server.sts import permissions


def secret_arn(rpc: RpcContext, name: str) -> str:
    return f"acs:kms:{rpc.request.config.region}:{rpc.principal.account_id}:secret/{name}"


@lru_cache(maxsize=1024)
def _network_allows(source_ip: str, networks: tuple[str, ...]) -> bool:
    if not networks:
        return True
    address = read_address(source_ip)  # an IPv4-mapped IPv6 peer is its IPv4 address
    if address is None:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in networks)


def authorizer(rpc: RpcContext) -> Callable[[str], None]:
    """A check per secret name that raises Forbidden.NoPermission unless the caller may
    `kms:<Action>` it; the caller's policies are read once, however many secrets. Blocking."""
    principal, audit = rpc.principal, rpc.request.audit
    action = f"kms:{rpc.call.action}"
    if principal.kind == "root":
        return lambda name: audit.granted("Allowed: the account's root.", secret_arn(rpc, name))
    session: Policy | None = None
    if principal.kind == "application":
        key = rpc.request.store.kms.get_client_key(principal.access_key_id or "")
        if key is None or not _network_allows(rpc.request.source_ip, key.source_ips):
            return lambda name: _refuse_network(rpc, secret_arn(rpc, name))
        policy = permissions.parsed(key.policy, PolicyKind.IDENTITY)
        identity = [NamedPolicy(key.aap_name, policy)]
        who = PrincipalRef("service", principal.arn, principal.account_id, principal.name)
    else:
        identity, session = permissions.caller_policies(rpc.request.store.ram, principal)
        who = permissions.principal_ref(principal)
    context = permissions.request_context(rpc.request)

    def check(name: str) -> None:
        request = AuthzRequest(action, secret_arn(rpc, name), who, context)
        decision = evaluate(request, identity=identity, session=session)
        audit.decided(decision)
        if not decision.allowed:
            raise no_permission()

    return check


def _refuse_network(rpc: RpcContext, arn: str) -> None:
    # UNCONFIRMED: KMS's code for a call from outside the network rules
    rpc.request.audit.resource = arn
    rpc.request.audit.denied("Denied: the ClientKey's network rules exclude the source IP.")
    raise no_permission()


def authorize(rpc: RpcContext, secret_name: str) -> None:
    """Raise Forbidden.NoPermission unless the caller may `kms:<Action>` this secret. Blocking."""
    authorizer(rpc)(secret_name)
