"""Start-up of a test server: ossbox.testing's OssboxServer vs moto_server, same run.

What a per-module pytest fixture pays: from spawning the process to the first answer
(ossbox: health check and a signed GetCallerIdentity with the root AccessKey; moto: its
/moto-api/ page), then the stop. Prints the median of `--runs` starts of each and the ratio.

    .venv/bin/python benchmarks/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request

from ossbox.testing import OssboxServer, free_port


def ossbox_start(tls: bool) -> float:
    server = OssboxServer(tls=tls)
    began = time.monotonic()
    server.start()
    elapsed = time.monotonic() - began
    server.stop()
    return elapsed


def moto_start() -> float:
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    began = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1):
                    return time.monotonic() - began
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError("moto_server exited") from None
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    results: dict[str, list[float]] = {"ossbox": [], "ossbox --tls": [], "moto_server": []}
    for _ in range(runs):  # interleaved, so load changes hit all three alike
        results["ossbox"].append(ossbox_start(tls=False))
        results["ossbox --tls"].append(ossbox_start(tls=True))
        results["moto_server"].append(moto_start())
    moto = statistics.median(results["moto_server"])
    print(f"{'server':<14} {'median s':>9} {'min s':>7} {'max s':>7} {'vs moto':>8}")
    for name, times in results.items():
        median = statistics.median(times)
        print(
            f"{name:<14} {median:>9.3f} {min(times):>7.3f} {max(times):>7.3f} {median / moto:>8.2f}"
        )


if __name__ == "__main__":
    main()
