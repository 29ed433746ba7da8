"""`ossbox serve`: everything in one process on the embedded default (SQLite + files)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ossbox.server.audit.settings import AuditSettings
from ossbox.server.config import IpNetwork, ServerConfig
from ossbox.server.source_ip import parse_network

if TYPE_CHECKING:
    import uvicorn

    from ossbox.server.app import OssboxApp

STOP_CHECK_INTERVAL = 0.2  # seconds between checks of serve_app's `stop_when`


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the OSS (+ STS, RAM) server",
        description="Serve OSS with real authentication on one listener.",
    )
    parser.add_argument("--data", type=Path, default=Path("ossbox-data"), help="data directory")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="listen port (default 9000)")
    parser.add_argument("--region", default="cn-hangzhou", help="region (default cn-hangzhou)")
    parser.add_argument(
        "--domain",
        action="append",
        default=[],
        help="host name for virtual-host addressing (bucket.DOMAIN); repeatable; "
        "localhost is always one",
    )
    parser.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        type=_network,
        metavar="CIDR",
        help="a reverse proxy whose X-Forwarded-For is believed for the source IP; repeatable "
        "(default: none, the TCP peer is the source)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a locally generated CA (DIR/tls/ca.pem: give it to clients)",
    )
    parser.add_argument(
        "--oidc-issuer",
        metavar="URL",
        help="URL of the built-in OIDC issuer (default https://HOST:PORT/_ossbox/oidc; RAM "
        "requires https issuer URLs, so it reads https even without --tls)",
    )
    parser.add_argument(
        "--oidc-jwks",
        action="append",
        default=[],
        type=_issuer_jwks,
        metavar="ISSUER_URL=FILE",
        help="JWKS file verifying another OIDC issuer's tokens (no network fetch); repeatable",
    )
    parser.add_argument(
        "--credentials-uri-token",
        default="",
        metavar="TOKEN",
        help="require `Authorization: Bearer TOKEN` on /_ossbox/credentials/<role> "
        "(default: loopback peers only)",
    )
    parser.add_argument(
        "--imds",
        type=_host_port,
        metavar="HOST:PORT",
        help="also serve the ECS instance metadata API (100.100.100.200's) on HOST:PORT",
    )
    parser.add_argument("--imds-role", metavar="ROLE", help="the instance's RAM role (--imds)")
    parser.add_argument(
        "--imds-v2-only",
        action="store_true",
        help="metadata GETs without an X-aliyun-ecs-metadata-token are refused (401)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve with N processes sharing the listener and the data directory (default 1)",
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    _add_ops_arguments(parser)
    parser.set_defaults(handler=run)


def _add_ops_arguments(parser: argparse.ArgumentParser) -> None:
    """Audit trail, access log and health flags."""
    parser.add_argument(
        "--no-audit", action="store_true", help="keep no audit trail (DIR/audit/*.jsonl)"
    )
    parser.add_argument(
        "--audit-flush-ms",
        type=int,
        default=50,
        metavar="MS",
        help="group commit interval of the audit trail: an event is on disk at most about "
        "this long after its response (default 50)",
    )
    parser.add_argument(
        "--audit-no-fsync",
        action="store_true",
        help="write audit events without fdatasync (a power loss may lose more of them)",
    )
    parser.add_argument(
        "--audit-segment-mib",
        type=int,
        default=64,
        metavar="MIB",
        help="start a new audit file past this size (default 64)",
    )
    parser.add_argument(
        "--audit-retain-mib",
        type=int,
        default=1024,
        metavar="MIB",
        help="delete the oldest audit files beyond this total (default 1024)",
    )
    parser.add_argument(
        "--access-log",
        choices=("off", "json"),
        default="off",
        help="json: one JSON line per request on stderr (the audit event; no secrets)",
    )
    parser.add_argument(
        "--min-free-mib",
        type=int,
        default=64,
        metavar="MIB",
        help="/_ossbox/health answers 503 with less free disk space (default 64)",
    )


def _ops_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ServerConfig fields the flags of `_add_ops_arguments` set."""
    mib = 1024 * 1024
    audit = AuditSettings(
        enabled=not args.no_audit,
        flush_interval=max(args.audit_flush_ms, 1) / 1000,
        fsync=not args.audit_no_fsync,
        max_segment_bytes=max(args.audit_segment_mib, 1) * mib,
        retain_bytes=max(args.audit_retain_mib, 1) * mib,
    )
    return {
        "audit": audit,
        "access_log": args.access_log == "json",
        "min_free_bytes": max(args.min_free_mib, 0) * mib,
    }


def _access_logger() -> None:
    """`--access-log json`: the `ossbox.access` logger's lines, bare, on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("ossbox.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _network(text: str) -> IpNetwork:
    try:
        return parse_network(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address or CIDR block: {text!r}") from None


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def _issuer_jwks(text: str) -> tuple[str, Path]:
    issuer, sep, path = text.rpartition("=")
    if not sep or not issuer or not path:
        raise argparse.ArgumentTypeError(f"expected ISSUER_URL=FILE, got {text!r}")
    return issuer, Path(path)


def _prepare_oidc(args: argparse.Namespace) -> str:
    """The built-in issuer's URL; its signing key is made now if missing (DIR/oidc/)."""
    from ossbox.server.oidc.issuer import issuer_url
    from ossbox.server.oidc.keys import load_or_create, write_issuer

    issuer: str = args.oidc_issuer or issuer_url("https", args.host, args.port)
    load_or_create(args.data)
    write_issuer(args.data, issuer)
    return issuer


def _tls_files(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(key file, certificate file) for uvicorn with --tls, else (None, None)."""
    if not args.tls:
        return None, None
    from ossbox.server.tls import ensure_certificates

    key_file, cert_file = ensure_certificates(args.data, args.host)
    return str(key_file), str(cert_file)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    if args.imds is not None and not args.imds_role:
        raise SystemExit("ossbox serve: --imds needs --imds-role ROLE")
    config = server_config(args)
    if config.access_log:
        _access_logger()
    if args.workers > 1:
        from ossbox.cli.workers import Supervisor

        return Supervisor(args, config).run()
    from ossbox.server.bootstrap import open_server

    serve_app(args, open_server(config))
    return 0


def server_config(args: argparse.Namespace) -> ServerConfig:
    """The settings, with the data directory, TLS CA and OIDC key made if missing."""
    args.data.mkdir(mode=0o700, parents=True, exist_ok=True)
    args.tls_files = _tls_files(args)  # made once, before any worker starts
    return ServerConfig(
        data_dir=args.data,
        host=args.host,
        port=args.port,
        region=args.region,
        domains=tuple(dict.fromkeys(["localhost", *args.domain])),
        trusted_proxies=tuple(args.trusted_proxy),
        secure=args.tls,
        oidc_issuer=_prepare_oidc(args),
        oidc_jwks=tuple(args.oidc_jwks),
        credentials_uri_token=args.credentials_uri_token,
        **_ops_settings(args),
    )


def serve_app(
    args: argparse.Namespace,
    app: OssboxApp,
    sockets: list[socket.socket] | None = None,
    imds_sockets: list[socket.socket] | None = None,
    stop_when: Callable[[], bool] | None = None,
) -> None:
    """Serve `app` in this process until SIGTERM/SIGINT, or until `stop_when()` turns true
    (checked every STOP_CHECK_INTERVAL; either way in-flight requests finish): on `sockets` if
    given (a worker of `--workers`), else on a socket of its own; likewise the IMDS listener if
    --imds is set and (for a worker) `imds_sockets` are given."""
    servers = [main_server(args, app)]
    if args.imds is not None and (sockets is None or imds_sockets is not None):
        servers.append(_imds_server(args, app))
    try:
        with asyncio.Runner(loop_factory=servers[0].config.get_loop_factory()) as runner:
            runner.run(_serve_all(servers, [sockets, imds_sockets], stop_when))
    except KeyboardInterrupt:
        pass  # as uvicorn.run: Ctrl-C after a graceful shutdown


def main_server(args: argparse.Namespace, app: OssboxApp) -> uvicorn.Server:
    import uvicorn

    key_file, cert_file = args.tls_files
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        server_header=False,
        date_header=False,
        http="httptools",
        # uvicorn would otherwise rewrite the client address and scheme from X-Forwarded-* sent
        # by any loopback peer; ossbox applies --trusted-proxy itself (server/source_ip.py).
        proxy_headers=False,
        loop="uvloop",
        ssl_keyfile=key_file,
        ssl_certfile=cert_file,
        # On SIGTERM, in-flight requests get this long to finish; idle keep-alive connections
        # must not hold the shutdown open.
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


def _imds_server(args: argparse.Namespace, app: OssboxApp) -> uvicorn.Server:
    import uvicorn

    from ossbox.server.credentials_uri import root_account_id
    from ossbox.server.imds import ImdsApp

    account = root_account_id(args.data)
    imds = ImdsApp(
        app.store, account, args.imds_role, v2_only=args.imds_v2_only, observer=app.observer
    )
    host, port = args.imds
    config = uvicorn.Config(
        imds,
        host=host,
        port=port,
        log_level=args.log_level,
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        http="h11",
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


async def _serve_all(
    servers: list[uvicorn.Server],
    sockets: list[list[socket.socket] | None],
    stop_when: Callable[[], bool] | None = None,
) -> None:
    """The main listener, and the others until it stops. Each Server.serve() captures SIGINT and
    SIGTERM and, on leaving, restores the previous handler and re-raises the signal, so one
    signal stops them all. `sockets[i]`, if not None, are already bound for `servers[i]`."""
    main, *others = servers
    tasks = [
        asyncio.create_task(server.serve(sockets[i])) for i, server in enumerate(others, start=1)
    ]
    watcher = None  # stopping the main listener stops the others (below)
    if stop_when is not None:
        watcher = asyncio.create_task(stop_servers_when(stop_when, [main]))
    try:
        await main.serve(sockets[0])
    finally:
        for server in others:
            server.should_exit = True
        if watcher is not None:
            watcher.cancel()
            tasks.append(watcher)
        await asyncio.gather(*tasks, return_exceptions=True)


async def stop_servers_when(
    condition: Callable[[], bool],
    servers: list[uvicorn.Server],
    interval: float = STOP_CHECK_INTERVAL,
) -> None:
    """Ask `servers` to shut down gracefully (as SIGTERM does) once `condition()` is true."""
    while not condition():
        await asyncio.sleep(interval)
    for server in servers:
        server.should_exit = True
