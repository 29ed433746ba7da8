"""`ossbox serve --workers N` vs one worker, in the same run: 4 KiB PUT+GET requests/s.

The load generator is wrk (C, one thread; Debian's package, installed here if missing) so that
it leaves the cores to the server. It cycles over pre-signed URLs made with ossbox.signing
(half V4, half V1; PUT and GET of 4 KiB objects), so the server verifies a signature, reads or
writes the store and fsyncs every PUT, exactly as for an SDK request.

Run: `.venv/bin/python benchmarks/workers.py [--seconds 10] [--rounds 3] [--workers 1,2]`
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from ossbox.signing.oss_v1 import presign_v1
from ossbox.signing.oss_v4 import presign_v4

REGION = "cn-hangzhou"
AK, SK = "LTAI5tBenchKey000002", "BenchSecret0123456789abcdeg"
BUCKET = "bench"
SMALL = 4096
KEYS = 256
CONTENT_TYPE = "application/octet-stream"


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package if it is missing (as root, like CI)."""
    found = shutil.which("wrk")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed and could not be installed")
    return found


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    endpoint: str
    workers: int = 1

    def cpu_seconds(self) -> float:
        """User + system CPU of the supervisor and all its workers (live ones)."""
        total = 0.0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except FileNotFoundError:
                continue
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def start_server(data_dir: Path, workers: int) -> Served:
    port = free_port()
    env = dict(os.environ, OSSBOX_ROOT_ACCESS_KEY_ID=AK, OSSBOX_ROOT_ACCESS_KEY_SECRET=SK)
    args = [sys.executable, "-m", "ossbox.cli.main", "serve", "--data", str(data_dir)]
    args += ["--port", str(port), "--region", REGION, "--workers", str(workers)]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ossbox serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{endpoint}/_ossbox/health", timeout=1):
                return Served(process, endpoint, workers)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("ossbox serve did not become healthy")


# --------------------------------------------------------------------------------------------
# Requests


def signed_target(method: str, key: str, version: str) -> str:
    """Path and query of a pre-signed URL for `method` on BUCKET/key."""
    headers = {"Content-Type": CONTENT_TYPE} if method == "PUT" else {}
    if version == "v4":
        pairs = presign_v4(
            method=method,
            bucket=BUCKET,
            key=key,
            headers=headers,
            access_key_id=AK,
            access_key_secret=SK,
            region=REGION,
            expires=3600,
            now=datetime.now(UTC),
        )
    else:
        expires_at = int(time.time()) + 3600
        pairs = presign_v1(
            method=method,
            bucket=BUCKET,
            key=key,
            headers=headers,
            access_key_id=AK,
            access_key_secret=SK,
            expires_at=expires_at,
        )
    return f"/{BUCKET}/{quote(key)}?{urlencode(pairs, quote_via=quote)}"


def lua_script(body: str, mix: str) -> str:
    """wrk script: PUT then GET of KEYS keys (or only one of them, for `mix` put or get),
    cycling, each thread from its own offset."""
    lines = [f'local body = "{body}"', "local reqs = {}"]
    for i in range(KEYS):
        key, version = f"obj/{i:04d}", ("v4" if i % 2 == 0 else "v1")
        put, get = signed_target("PUT", key, version), signed_target("GET", key, version)
        if mix != "get":
            lines.append(
                f'reqs[#reqs + 1] = wrk.format("PUT", "{put}", '
                f'{{["Content-Type"] = "{CONTENT_TYPE}"}}, body)'
            )
        if mix != "put":
            lines.append(f'reqs[#reqs + 1] = wrk.format("GET", "{get}")')
    lines += [
        "local i = 0",
        "function init(args) i = math.random(0, #reqs - 1) end",
        "function request() i = i % #reqs + 1; return reqs[i] end",
        # non-2xx answers are rare (none expected): note each, for the report
        "function response(status, headers, body)",
        '  if status >= 300 then io.stderr:write("status " .. status .. "\\n") end',
        "end",
    ]
    return "\n".join(lines) + "\n"


def prepare(served: Served, body: bytes) -> None:
    """Create the bucket and every key once, so the first GETs find their object."""
    import oss2

    bucket = oss2.Bucket(oss2.AuthV4(AK, SK), served.endpoint, BUCKET, region=REGION)
    bucket.create_bucket()
    for i in range(KEYS):
        bucket.put_object(f"obj/{i:04d}", body)
    assert bucket.get_object("obj/0000").read() == body


@dataclass
class Round:
    workers: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms_per_request: float


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _latency_ms(output: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no {percentile}% latency in wrk output:\n{output}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_round(wrk: str, served: Served, script: Path, seconds: float, connections: int) -> Round:
    command = [wrk, "-t", "1", "-c", str(connections), "--latency", "-s", str(script)]
    cpu = served.cpu_seconds()
    run = [*command, "-d", f"{seconds:.0f}s", served.endpoint]
    finished = subprocess.run(run, capture_output=True, text=True, check=True)
    output = finished.stdout
    cpu = served.cpu_seconds() - cpu
    requests = int(_match(r"(\d+) requests in", output))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: (.*)", output)
    if sock:
        errors += sum(int(n) for n in re.findall(r"\d+", sock.group(1)))
    if errors:
        found = re.findall(r"(?:Non-2xx.*|Socket errors.*)", output)
        print(
            "  wrk: " + "; ".join(found) + " " + " ".join(sorted(set(finished.stderr.split("\n"))))
        )
    return Round(
        served.workers,
        float(_match(r"Requests/sec:\s+([\d.]+)", output)),
        _latency_ms(output, "50"),
        _latency_ms(output, "99"),
        errors,
        cpu * 1000 / max(requests, 1),
    )


def _match(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise RuntimeError(f"{pattern!r} not in wrk output:\n{output}")
    return found.group(1)


def start_all(wrk: str, counts: list[int], tmp: Path, args: argparse.Namespace) -> list[Served]:
    """One server per worker count, each prepared and warmed up. An idle server costs no CPU,
    so the rounds can alternate between them and a change in the machine's other load hits
    neighbouring rounds alike."""
    body = secrets.token_hex(SMALL // 2)
    script = tmp / "bench.lua"
    script.write_text(lua_script(body, args.mix))
    servers: list[Served] = []
    try:
        for workers in counts:
            served = start_server(tmp / f"data-{workers}", workers)
            servers.append(served)
            prepare(served, body.encode())
            wrk_round(wrk, served, script, 2, args.connections)
    except BaseException:
        for served in servers:
            served.stop()
        raise
    return servers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per worker count")
    parser.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2,4")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--dir", help="where the data directories go (default: the temp dir)")
    parser.add_argument(
        "--mix", choices=["both", "put", "get"], default="both", help="requests (default both)"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    wrk = ensure_wrk()
    rounds: list[list[Round]] = []
    with tempfile.TemporaryDirectory(prefix="ossbox-workers-", dir=args.dir) as tmp:
        servers = start_all(wrk, counts, Path(tmp), args)
        script = Path(tmp) / "bench.lua"
        try:
            for r in range(args.rounds):
                order = servers if r % 2 == 0 else servers[::-1]
                results = [wrk_round(wrk, s, script, args.seconds, args.connections) for s in order]
                rounds.append(sorted(results, key=lambda x: x.workers))
                for result in rounds[-1]:
                    print(f"round {r + 1}: {_line(result)}", flush=True)
        finally:
            for served in servers:
                served.stop()
    report(rounds, counts, args)
    return 1 if any(x.errors for results in rounds for x in results) else 0


def _line(result: Round) -> str:
    return (
        f"workers={result.workers} {result.requests_per_second:.0f} req/s,"
        f" p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms,"
        f" server CPU {result.server_cpu_ms_per_request:.2f} ms/req, errors {result.errors}"
    )


def report(rounds: list[list[Round]], counts: list[int], args: argparse.Namespace) -> None:
    print(
        f"\n4 KiB {args.mix} (pre-signed V4/V1, every signature verified, PUTs fsynced), wrk -t1"
        f" -c{args.connections}, {args.seconds:.0f} s rounds x {args.rounds}, alternating;"
        f" medians, and the median of each round's ratio to {counts[0]} worker(s):"
    )
    header = f"{'workers':>8} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p99 ms':>8}"
    print(header + f" {'CPU ms/req':>11}")
    for i, workers in enumerate(counts):
        mine = [results[i] for results in rounds]
        ratio = statistics.median(
            results[i].requests_per_second / results[0].requests_per_second for results in rounds
        )
        rate = statistics.median(x.requests_per_second for x in mine)
        p50 = statistics.median(x.p50_ms for x in mine)
        p99 = statistics.median(x.p99_ms for x in mine)
        cpu = statistics.median(x.server_cpu_ms_per_request for x in mine)
        print(f"{workers:>8} {rate:>8.0f} {ratio:>5.2f}x {p50:>8.2f} {p99:>8.2f} {cpu:>11.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
