"""RAM actions (the table fills as the RAM API lands)."""

from __future__ import annotations

from ossbox.server.rpc.dispatch import RpcAction

VERSION = "2015-05-01"

ACTIONS: dict[str, RpcAction] = {}
