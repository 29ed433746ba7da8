"""The audit trail's cost: ossbox with and without it, in the same run on the same machine.

The 4 KiB PUT+GET loop of benchmarks/server.py (oss2, signatures verified, bodies checked)
against servers started side by side: `--no-audit`, the default (group commit with
fdatasync every 50 ms), `--audit-flush-ms 250` and `--audit-no-fsync`. Rounds alternate
between them so machine drift hits all alike; the report gives the median ops/s and server
CPU per operation, each with its ratio to `--no-audit`.

Run: `.venv/bin/python benchmarks/audit.py [--seconds 5] [--rounds 3] [--clients 1,4]`
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import AK, REGION, SK, Server, _free_port, _wait_ready, create_bucket, small_objects

VARIANTS = {
    "no audit": ["--no-audit"],
    "audit (fsync/50 ms)": [],
    "audit (fsync/250 ms)": ["--audit-flush-ms", "250"],
    "audit, no fsync": ["--audit-no-fsync"],
}


def start(data_dir: Path, flags: list[str]) -> Server:
    port = _free_port()
    env = dict(os.environ, OSSBOX_ROOT_ACCESS_KEY_ID=AK, OSSBOX_ROOT_ACCESS_KEY_SECRET=SK)
    args = [sys.executable, "-m", "ossbox.cli.main", "serve", "--data", str(data_dir)]
    args += ["--port", str(port), "--region", REGION, *flags]
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    _wait_ready(f"{endpoint}/_ossbox/health", process)
    return Server("ossbox", process, endpoint)


def _table(
    title: str, values: dict[tuple[str, int], list[float]], counts: list[int], fmt: str
) -> None:
    print(title)
    print(f"{'clients':>8} " + " ".join(f"{name:>22}" for name in VARIANTS))
    for clients in counts:
        base = statistics.median(values[("no audit", clients)])
        cells = []
        for name in VARIANTS:
            value = statistics.median(values[(name, clients)])
            cells.append(fmt.format(value) + f" ({value / base:>4.2f}x)")
        print(f"{clients:>8} " + " ".join(f"{cell:>22}" for cell in cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--clients", default="1,4", help="client process counts")
    parser.add_argument("--auth", choices=["v1", "v4"], default="v4")
    args = parser.parse_args()
    counts = [int(n) for n in args.clients.split(",")]
    results: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="ossbox-audit-bench-") as tmp:
        servers = {
            name: start(Path(tmp) / str(i), f) for i, (name, f) in enumerate(VARIANTS.items())
        }
        try:
            for server in servers.values():
                create_bucket(server)
            for _ in range(args.rounds):
                for clients in counts:
                    for name, server in servers.items():
                        run = small_objects(server, clients, args.seconds, args.auth)
                        results.setdefault((name, clients), []).append(run.ops_per_second)
                        cpu.setdefault((name, clients), []).append(run.server_cpu_ms_per_op)
            audit_bytes = sum(f.stat().st_size for f in Path(tmp, "1", "audit").glob("*.jsonl"))
        finally:
            for server in servers.values():
                server.stop()
    title = f"4 KiB PUT+GET, oss2 {args.auth}, {args.rounds} x {args.seconds:.0f} s, median"
    _table(f"{title} ops/s (ratio to no audit)", results, counts, "{:>12.0f}")
    _table(f"{title} server CPU ms/op (ratio)", cpu, counts, "{:>12.2f}")
    print(f"audit trail written by the default variant: {audit_bytes / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
