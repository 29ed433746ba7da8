"""The server's settings, fixed at start-up."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from ossbox.server.audit.settings import AuditSettings

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class ServerConfig:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 9000
    region: str = "cn-hangzhou"
    # Host names under which `bucket.<domain>` is virtual-host addressing; IP hosts are path style.
    domains: tuple[str, ...] = ("localhost",)
    # Clock skew allowed for header signatures and signed-URL dates.
    max_skew_seconds: int = 900
    secure: bool = False
    # Peers whose X-Forwarded-For is believed (--trusted-proxy); every other peer is the source.
    trusted_proxies: tuple[IpNetwork, ...] = ()
    # The built-in OIDC issuer's URL (server/oidc), and JWKS files of other issuers (--oidc-jwks).
    oidc_issuer: str = ""
    oidc_jwks: tuple[tuple[str, Path], ...] = ()
    # `Authorization: Bearer` token for /_ossbox/credentials/ (else loopback peers only).
    credentials_uri_token: str = field(default="", repr=False)
    audit: AuditSettings = field(default_factory=AuditSettings)
    # One JSON line per request (the audit event) on the `ossbox.access` logger.
    access_log: bool = False
    # /_ossbox/health answers 503 below this much free disk space.
    min_free_bytes: int = 64 * 1024 * 1024
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def location(self) -> str:
        """The region as OSS names a bucket's location: `oss-<region>`."""
        return f"oss-{self.region}"

    @property
    def endpoint_host(self) -> str:
        return f"{self.host}:{self.port}"
