"""ossbox.testing: a live ossbox for application tests, as moto and LocalStack give for AWS.

pytest (the plugin is registered by the `pytest11` entry point; fixtures only, nothing starts
unless a test asks for one):

```
def test_upload(ossbox_server, ossbox_admin):       # one server per test module
    bucket = ossbox_admin.create_bucket()
    ...
```

Anything else (unittest, scripts):

```
from ossbox.testing import OssboxServer, OssboxAdmin, with_ossbox

with OssboxServer() as server:                      # context manager
    OssboxAdmin(server).create_bucket("examplebucket")

@with_ossbox(tls=True)                              # decorator: passes ossbox_server=
def test_it(ossbox_server): ...
```
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ossbox.testing.admin import (
        AccessKey,
        OssboxAdmin,
        OssError,
        Role,
        RpcError,
        StsCredentials,
        allow,
    )
    from ossbox.testing.decorator import with_ossbox
    from ossbox.testing.server import OssboxServer, ServerStartError, free_port

# Loaded on first use, so that pytest loading the plugin (ossbox.testing.plugin) costs nothing.
_HOME = {
    "AccessKey": "admin",
    "OssError": "admin",
    "OssboxAdmin": "admin",
    "Role": "admin",
    "RpcError": "admin",
    "StsCredentials": "admin",
    "allow": "admin",
    "with_ossbox": "decorator",
    "OssboxServer": "server",
    "ServerStartError": "server",
    "free_port": "server",
}

__all__ = [
    "AccessKey",
    "OssError",
    "OssboxAdmin",
    "OssboxServer",
    "Role",
    "RpcError",
    "ServerStartError",
    "StsCredentials",
    "allow",
    "free_port",
    "with_ossbox",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'ossbox.testing' has no attribute {name!r}")
    return getattr(import_module(f"ossbox.testing.{_HOME[name]}"), name)
