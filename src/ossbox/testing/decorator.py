"""`@with_ossbox(...)`: run a function (a unittest method, a script's main) with a live server,
passed as the keyword argument `ossbox_server`, stopped afterwards whatever happens."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from ossbox.testing.server import OssboxServer

P = ParamSpec("P")
R = TypeVar("R")


def with_ossbox(**options: Any) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Decorator factory; `options` are `OssboxServer` keyword arguments (tls=, imds_role=...)."""

    def decorate(func: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> R:
            with OssboxServer(**options) as server:
                return func(*args, ossbox_server=server, **kwargs)

        return run

    return decorate
