"""One RAM call as its handler sees it: validated parameters, the caller's account, the store.

Handlers are plain blocking functions `handler(call) -> dict`; `api.ram_action` runs them in a
worker thread after authorizing the call (see `authorize`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ossbox.server.auth import Principal
from ossbox.server.ram.params import USER_NAME, Params
from ossbox.server.rpc.dispatch import RpcContext
from ossbox.server.rpc.errors import missing_parameter
from ossbox.store.ram import RamStore


@dataclass(frozen=True)
class RamCall:
    rpc: RpcContext
    params: Params

    @classmethod
    def of(cls, rpc: RpcContext) -> RamCall:
        return cls(rpc, Params(rpc.params))

    @property
    def action(self) -> str:
        return self.rpc.call.action

    @property
    def principal(self) -> Principal:
        return self.rpc.principal

    @property
    def account_id(self) -> str:
        account = self.rpc.principal.account_id
        assert account is not None  # RAM calls are authenticated
        return account

    @property
    def ram(self) -> RamStore:
        return self.rpc.request.store.ram

    @property
    def now(self) -> datetime:
        return self.rpc.request.now

    def key_owner(self, param: str = "UserName") -> str | None:
        """The user named by `param`, else the caller itself: its user name, or None for the
        account's root. A role session has no AccessKeys of its own, so it must name a user."""
        named = self.params.optional_name(param, USER_NAME)
        if named is not None:
            return named
        if self.principal.kind == "root":
            return None
        if self.principal.kind == "user":
            return self.principal.name
        raise missing_parameter(param)


RamHandler = Callable[[RamCall], dict[str, Any]]
