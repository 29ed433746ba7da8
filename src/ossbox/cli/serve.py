"""`ossbox serve`: everything in one process on the embedded default (SQLite + files)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ossbox.server.config import IpNetwork, ServerConfig
from ossbox.server.source_ip import parse_network


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
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")
    parser.set_defaults(handler=run)


def _network(text: str) -> IpNetwork:
    try:
        return parse_network(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an IP address or CIDR block: {text!r}") from None


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
    import uvicorn

    from ossbox.server.bootstrap import open_server

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s %(message)s")
    args.data.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file, cert_file = _tls_files(args)
    config = ServerConfig(
        data_dir=args.data,
        host=args.host,
        port=args.port,
        region=args.region,
        domains=tuple(dict.fromkeys(["localhost", *args.domain])),
        trusted_proxies=tuple(args.trusted_proxy),
        secure=args.tls,
        oidc_issuer=_prepare_oidc(args),
        oidc_jwks=tuple(args.oidc_jwks),
    )
    app = open_server(config)
    uvicorn.run(
        app,
        host=config.host,
        port=config.port,
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
    return 0
