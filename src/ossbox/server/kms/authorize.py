"""Who may call which KMS action on which secret.

The account's root may do everything. A RAM user or role session needs `kms:<Action>` on
`acs:kms:<region>:<account>:secret/<name>` from its RAM policies (as RAM evaluates them). An
application access point signed in with a ClientKey needs the same from its own permission
policy, and must call from one of its networks. Otherwise: 403 Forbidden.NoPermission, before
anything is read, so a caller without permission learns nothing about which secrets exist.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from ossbox.policy import AuthzRequest, NamedPolicy, PolicyKind, PrincipalRef, evaluate
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


def _application_allows(rpc: RpcContext, action: str, arn: str) -> bool:
    principal, audit = rpc.principal, rpc.request.audit
    key = rpc.request.store.kms.get_client_key(principal.access_key_id or "")
    if key is None or not _network_allows(rpc.request.source_ip, key.source_ips):
        # UNCONFIRMED: KMS's code for a call from outside the network rules
        audit.resource = arn
        audit.denied("Denied: the ClientKey's network rules exclude the source IP.")
        return False
    policy = permissions.parsed(key.policy, PolicyKind.IDENTITY)
    who = PrincipalRef("service", principal.arn, principal.account_id, principal.name)
    request = AuthzRequest(action, arn, who, permissions.request_context(rpc.request))
    decision = evaluate(request, identity=[NamedPolicy(key.aap_name, policy)])
    audit.decided(decision)
    return decision.allowed


def authorize(rpc: RpcContext, secret_name: str) -> None:
    """Raise Forbidden.NoPermission unless the caller may `kms:<Action>` this secret. Blocking."""
    principal = rpc.principal
    action, arn = f"kms:{rpc.call.action}", secret_arn(rpc, secret_name)
    if principal.kind == "root":
        rpc.request.audit.granted("Allowed: the account's root.", arn)
        return
    if principal.kind == "application":
        allowed = _application_allows(rpc, action, arn)
    else:
        ram = rpc.request.store.ram
        identity, session = permissions.caller_policies(ram, principal)
        who = permissions.principal_ref(principal)
        request = AuthzRequest(action, arn, who, permissions.request_context(rpc.request))
        decision = evaluate(request, identity=identity, session=session)
        rpc.request.audit.decided(decision)
        allowed = decision.allowed
    if not allowed:
        raise no_permission()
