"""ossbox vs moto_server, in the same run on the same machine.

Measures:
- small-object throughput: 4 KiB PUT then GET (body verified) in a loop, ossbox through oss2
  (signatures verified by the server) and moto through boto3, with the same number of client
  processes for both;
- large-object transfer: a 1 GiB PUT and GET through oss2 against ossbox (generated and
  verified as it streams; never held in memory), optionally the same through boto3 on moto;
- the ossbox server's peak RSS (VmHWM) while serving small objects and while serving the
  1 GiB object, to show memory does not grow with object size.

Run: `.venv/bin/python benchmarks/server.py [--seconds 10] [--clients 1,4] [--large-mib 1024]`
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
SMALL = 4 * KIB
REGION = "cn-hangzhou"
AK, SK = "LTAI5tBenchKey000001", "BenchSecret0123456789abcdef"
BUCKET = "bench"
PATTERN = hashlib.sha256(b"ossbox").digest() * (MIB // 32)  # 1 MiB, repeated for large objects


# --------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    endpoint: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def reset_peak_rss(self) -> None:
        """Restart VmHWM from the current RSS (Linux >= 4.0: clear_refs 5)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def cpu_seconds(self) -> float:
        """User + system CPU the server process (all its threads) has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / KIB
        raise RuntimeError("no VmHWM in /proc status")


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_ossbox(data_dir: Path) -> Server:
    port = _free_port()
    env = dict(os.environ, OSSBOX_ROOT_ACCESS_KEY_ID=AK, OSSBOX_ROOT_ACCESS_KEY_SECRET=SK)
    args = [sys.executable, "-m", "ossbox.cli.main", "serve", "--data", str(data_dir)]
    args += ["--port", str(port), "--region", REGION]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_ready(f"{endpoint}/_ossbox/health", process)
    return Server("ossbox", process, endpoint)


def start_moto() -> Server:
    port = _free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_ready(f"{endpoint}/moto-api/", process)
    return Server("moto", process, endpoint)


# --------------------------------------------------------------------------------------------
# Clients: put(key, data_or_stream, size), get(key) -> iterator of chunks


@dataclass
class Client:
    put: Callable[[str, object], None]
    get: Callable[[str], Iterator[bytes]]


def oss2_client(endpoint: str, auth_version: str) -> Client:
    import oss2

    auth = oss2.AuthV4(AK, SK) if auth_version == "v4" else oss2.Auth(AK, SK)
    bucket = oss2.Bucket(auth, endpoint, BUCKET, region=REGION)

    def put(key: str, data: object) -> None:
        bucket.put_object(key, data)

    def get(key: str) -> Iterator[bytes]:
        result = bucket.get_object(key)  # oss2 checks the CRC-64 as it reads
        return iter(lambda: result.read(MIB), b"")

    return Client(put, get)


def boto3_client(endpoint: str) -> Client:
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # moto accepts any credentials
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )

    def put(key: str, data: object) -> None:
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def get(key: str) -> Iterator[bytes]:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
        return iter(body.iter_chunks(MIB))

    return Client(put, get)


def make_client(server: str, endpoint: str, auth_version: str) -> Client:
    return oss2_client(endpoint, auth_version) if server == "ossbox" else boto3_client(endpoint)


def create_bucket(server: Server) -> None:
    if server.name == "ossbox":
        import oss2

        oss2.Bucket(oss2.AuthV4(AK, SK), server.endpoint, BUCKET, region=REGION).create_bucket()
    else:
        import boto3

        boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=BUCKET)


# --------------------------------------------------------------------------------------------
# Small objects


def _small_loop(server: str, endpoint: str, auth_version: str, seconds: float) -> int:
    """PUT then GET 4 KiB objects for `seconds`; returns operations done (each PUT, each GET)."""
    client = make_client(server, endpoint, auth_version)
    prefix = secrets.token_hex(4)
    body = os.urandom(SMALL)
    for i in range(5):  # warm-up: connections, imports
        client.put(f"{prefix}/warm{i}", body)
        b"".join(client.get(f"{prefix}/warm{i}"))
    ops = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        key = f"{prefix}/{ops}"
        client.put(key, body)
        if b"".join(client.get(key)) != body:
            raise AssertionError(f"{server}: GET returned other bytes than were PUT")
        ops += 2
    return ops


@dataclass
class SmallResult:
    ops_per_second: float
    server_cpu_ms_per_op: float


def small_objects(server: Server, clients: int, seconds: float, auth_version: str) -> SmallResult:
    cpu_before = server.cpu_seconds()
    with ProcessPoolExecutor(clients) as pool:
        futures = [
            pool.submit(_small_loop, server.name, server.endpoint, auth_version, seconds)
            for _ in range(clients)
        ]
        ops = sum(f.result() for f in futures)
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000
    return SmallResult(ops / seconds, cpu_ms / ops)


# --------------------------------------------------------------------------------------------
# Large objects


class PatternStream:
    """`size` bytes of a repeating pattern, produced as they are read (constant memory)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.offset = 0

    def __len__(self) -> int:
        return self.size - self.offset

    def tell(self) -> int:
        return self.offset

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.offset, os.SEEK_END: self.size}[whence]
        self.offset = min(max(base + offset, 0), self.size)
        return self.offset

    def read(self, amount: int | None = -1) -> bytes:
        remaining = self.size - self.offset
        if amount is None or amount < 0 or amount > remaining:
            amount = remaining
        pieces = []
        while amount:
            start = self.offset % len(PATTERN)
            piece = PATTERN[start : start + amount]
            pieces.append(piece)
            amount -= len(piece)
            self.offset += len(piece)
        return b"".join(pieces)


def _verify_stream(chunks: Iterator[bytes], size: int) -> None:
    """Compare a downloaded stream with the pattern, chunk by chunk."""
    offset = 0
    for chunk in chunks:
        start = offset % len(PATTERN)
        view = memoryview(chunk)
        while view:
            piece = PATTERN[start : start + len(view)]
            if view[: len(piece)] != piece:
                raise AssertionError(f"large GET differs at offset {offset}")
            view = view[len(piece) :]
            offset += len(piece)
            start = 0
    if offset != size:
        raise AssertionError(f"large GET returned {offset} bytes, expected {size}")


@dataclass
class LargeResult:
    put_mb_s: float
    get_mb_s: float
    peak_rss_mib: float


def large_transfer(server: Server, size: int, auth_version: str) -> LargeResult:
    client = make_client(server.name, server.endpoint, auth_version)
    server.reset_peak_rss()
    started = time.perf_counter()
    client.put("large", PatternStream(size))
    put_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _verify_stream(client.get("large"), size)
    get_seconds = time.perf_counter() - started
    return LargeResult(size / MIB / put_seconds, size / MIB / get_seconds, server.peak_rss_mib())


def small_peak_rss(server: Server, auth_version: str) -> float:
    server.reset_peak_rss()
    _small_loop(server.name, server.endpoint, auth_version, 2.0)
    return server.peak_rss_mib()


# --------------------------------------------------------------------------------------------
# Report


def _report(
    args: argparse.Namespace,
    rows: list[tuple[int, SmallResult, SmallResult]],
    small_rss: float,
    large: dict[str, LargeResult | None],
) -> None:
    print(f"4 KiB PUT+GET, body verified, {args.seconds:.0f} s per run, oss2 {args.auth}")
    print(
        f"{'clients':>8} {'ossbox ops/s':>13} {'moto ops/s':>11} {'ratio':>6}"
        f" {'server CPU ms/op: ossbox':>25} {'moto':>6} {'ratio':>6}"
    )
    for clients, ours, theirs in rows:
        ours_cpu, theirs_cpu = ours.server_cpu_ms_per_op, theirs.server_cpu_ms_per_op
        print(
            f"{clients:>8} {ours.ops_per_second:>13.0f} {theirs.ops_per_second:>11.0f}"
            f" {ours.ops_per_second / theirs.ops_per_second:>5.1f}x"
            f" {ours_cpu:>25.2f} {theirs_cpu:>6.2f} {theirs_cpu / ours_cpu:>5.1f}x"
        )
    print(f"\n{args.large_mib} MiB object, generated and verified while streaming")
    print(f"{'server':>8} {'PUT MB/s':>10} {'GET MB/s':>10} {'peak RSS MiB':>13}")
    for name, result in large.items():
        if result is not None:
            put, get, rss = result.put_mb_s, result.get_mb_s, result.peak_rss_mib
            print(f"{name:>8} {put:>10.0f} {get:>10.0f} {rss:>13.0f}")
    ours_large = large["ossbox"]
    assert ours_large is not None
    print(
        f"\nossbox peak RSS: {small_rss:.0f} MiB serving 4 KiB objects, "
        f"{ours_large.peak_rss_mib:.0f} MiB serving the {args.large_mib} MiB object"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per small-object run")
    parser.add_argument("--clients", default="1,4", help="client process counts, e.g. 1,4")
    parser.add_argument("--large-mib", type=int, default=1024, help="large object size (MiB)")
    parser.add_argument("--auth", choices=["v1", "v4"], default="v4", help="oss2 signature")
    parser.add_argument("--moto-large", action="store_true", help="also 1 GiB through moto")
    args = parser.parse_args()
    client_counts = [int(n) for n in args.clients.split(",")]
    large_size = args.large_mib * MIB

    with tempfile.TemporaryDirectory(prefix="ossbox-bench-") as tmp:
        ossbox, moto = start_ossbox(Path(tmp) / "data"), start_moto()
        try:
            for server in (ossbox, moto):
                create_bucket(server)
            rows = []
            for clients in client_counts:
                ours = small_objects(ossbox, clients, args.seconds, args.auth)
                theirs = small_objects(moto, clients, args.seconds, args.auth)
                rows.append((clients, ours, theirs))
            small_rss = small_peak_rss(ossbox, args.auth)
            large = large_transfer(ossbox, large_size, args.auth)
            moto_large = large_transfer(moto, large_size, args.auth) if args.moto_large else None
        finally:
            ossbox.stop()
            moto.stop()

    _report(args, rows, small_rss, {"ossbox": large, "moto": moto_large})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
