"""OSS signing throughput: ossbox against oss2 and alibabacloud-oss-v2, in one run.

    python benchmarks/signing.py [--seconds 0.4]

Signed URLs go through each library's public API (ossbox: presign + URL string; oss2:
`Bucket.sign_url`; oss-v2: `Client.presign`). Header signing times the signing step alone on a
reused request (oss2: `auth._sign_request`; oss-v2: `SignerV1/SignerV4.sign`; ossbox:
`sign_v1_header` / `sign_v4_header`, which also copy the headers). Verification is ossbox's
`parse_oss_auth` + `verify_oss`, cycling through 512 distinct received requests. Every figure is
the best of seven rounds, the contenders measured in turn; absolute rates drift on shared
machines, the ratios are the point.
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import alibabacloud_oss_v2 as oss_v2
import oss2
import oss2.http
from alibabacloud_oss_v2.signer import SignerV1, SignerV4
from alibabacloud_oss_v2.types import HttpRequest as V2Request
from alibabacloud_oss_v2.types import SigningContext

from ossbox.signing.http import HttpRequest
from ossbox.signing.oss_auth import parse_oss_auth, verify_oss
from ossbox.signing.oss_v1 import presign_v1, sign_v1_header
from ossbox.signing.oss_v4 import encode, encode_query, presign_v4, sign_v4_header

AK, SK = "LTAI5tBenchKey", "BenchSecret0123456789abcdef"
ENDPOINT, BUCKET, KEY, REGION = (
    "http://127.0.0.1:9000",
    "bench-bucket",
    "dir/obj name.txt",
    "cn-hangzhou",
)
HEADERS = {"Content-Type": "text/plain", "x-oss-meta-author": "alice"}
TARGET_RATIO = 2.0
ROUNDS = 7


def batch_size(fn: Callable[[], object], seconds: float) -> int:
    """How many calls take about `seconds`."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed > seconds / 5:
            return max(1, int(calls * seconds / elapsed))
        calls *= 4


def rates(fns: dict[str, Callable[[], object]], seconds: float) -> dict[str, float]:
    """Calls per second of each function, best of ROUNDS rounds taken in turn, so that a
    noisy neighbour slows every contender alike."""
    batches = {name: batch_size(fn, seconds / ROUNDS) for name, fn in fns.items()}
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(batches[name]):
                fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: batches[name] / best[name] for name in fns}


# --- ossbox ---------------------------------------------------------------------------------


def ossbox_url_v1() -> str:
    expires_at = int(time.time()) + 3600
    pairs = presign_v1(
        method="GET",
        bucket=BUCKET,
        key=KEY,
        access_key_id=AK,
        access_key_secret=SK,
        expires_at=expires_at,
    )
    return f"{ENDPOINT}/{BUCKET}/{encode(KEY)}?{encode_query(pairs)}"


def ossbox_url_v4() -> str:
    pairs = presign_v4(
        method="GET",
        bucket=BUCKET,
        key=KEY,
        access_key_id=AK,
        access_key_secret=SK,
        region=REGION,
        expires=3600,
        now=datetime.now(UTC),
    )
    return f"{ENDPOINT}/{BUCKET}/{encode(KEY)}?{encode_query(pairs)}"


def ossbox_header_v1() -> dict[str, str]:
    return sign_v1_header(
        method="PUT",
        bucket=BUCKET,
        key=KEY,
        headers=HEADERS,
        access_key_id=AK,
        access_key_secret=SK,
        now=datetime.now(UTC),
    )


def ossbox_header_v4() -> dict[str, str]:
    return sign_v4_header(
        method="PUT",
        bucket=BUCKET,
        key=KEY,
        headers=HEADERS,
        access_key_id=AK,
        access_key_secret=SK,
        region=REGION,
        now=datetime.now(UTC),
    )


# --- peers ----------------------------------------------------------------------------------


def oss2_cases() -> dict[str, Callable[[], object]]:
    bucket_v1 = oss2.Bucket(oss2.Auth(AK, SK), ENDPOINT, BUCKET)
    bucket_v4 = oss2.Bucket(oss2.AuthV4(AK, SK), ENDPOINT, BUCKET, region=REGION)
    url = bucket_v1._make_url(BUCKET, KEY)
    req_v1 = oss2.http.Request("PUT", url, headers=dict(HEADERS))
    req_v4 = oss2.http.Request("PUT", url, headers=dict(HEADERS), region=REGION, product="oss")
    return {
        "V1 signed URL": lambda: bucket_v1.sign_url("GET", KEY, 3600),
        "V4 signed URL": lambda: bucket_v4.sign_url("GET", KEY, 3600),
        "V1 header signing": lambda: bucket_v1.auth._sign_request(req_v1, BUCKET, KEY),
        "V4 header signing": lambda: bucket_v4.auth._sign_request(req_v4, BUCKET, KEY),
    }


def oss_v2_client(version: str) -> oss_v2.Client:
    config = oss_v2.config.load_default()
    config.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(AK, SK)
    config.region, config.endpoint, config.signature_version = REGION, ENDPOINT, version
    return oss_v2.Client(config)


def oss_v2_header_signer(signer: SignerV1 | SignerV4) -> Callable[[], object]:
    credentials = oss_v2.credentials.StaticCredentialsProvider(AK, SK).get_credentials()
    url = f"{ENDPOINT}/{BUCKET}/{encode(KEY)}"
    context = SigningContext(
        product="oss",
        region=REGION,
        bucket=BUCKET,
        key=KEY,
        request=V2Request("PUT", url, headers=dict(HEADERS)),
        credentials=credentials,
    )

    def sign() -> None:
        context.signing_time = None  # take the clock, as a fresh request does
        signer.sign(context)

    return sign


def oss_v2_cases() -> dict[str, Callable[[], object]]:
    client_v1, client_v4 = oss_v2_client("v1"), oss_v2_client("v4")
    get = oss_v2.GetObjectRequest(bucket=BUCKET, key=KEY)
    return {
        "V1 signed URL": lambda: client_v1.presign(get),
        "V4 signed URL": lambda: client_v4.presign(get),
        "V1 header signing": oss_v2_header_signer(SignerV1()),
        "V4 header signing": oss_v2_header_signer(SignerV4()),
    }


# --- verification ---------------------------------------------------------------------------


def received(target: str, headers: dict[str, str]) -> HttpRequest:
    return HttpRequest("PUT", target, [("Host", "127.0.0.1:9000"), *headers.items()])


def signed_requests(scheme: str, count: int) -> list[tuple[HttpRequest, str]]:
    """`count` distinct requests (key and time vary) signed with `scheme`, with their keys."""
    out = []
    start = datetime.now(UTC)
    for i in range(count):
        key, now = f"{KEY}-{i}", start - timedelta(seconds=i)
        common = {"method": "PUT", "bucket": BUCKET, "key": key, "headers": HEADERS}
        keys = {"access_key_id": AK, "access_key_secret": SK}
        path = f"/{BUCKET}/{encode(key)}"
        if scheme == "V1 header":
            req = received(path, sign_v1_header(**common, **keys, now=now))
        elif scheme == "V1 URL":
            pairs = presign_v1(**common, **keys, expires_at=int(now.timestamp()) + 3600)
            req = received(f"{path}?{encode_query(pairs)}", HEADERS)
        elif scheme == "V4 header":
            req = received(path, sign_v4_header(**common, **keys, region=REGION, now=now))
        else:
            pairs = presign_v4(**common, **keys, region=REGION, expires=3600, now=now)
            req = received(f"{path}?{encode_query(pairs)}", HEADERS)
        out.append((req, key))
    return out


def verifier(scheme: str) -> Callable[[], object]:
    pool = itertools.cycle(signed_requests(scheme, 512))

    def run() -> bool:
        req, key = next(pool)
        auth = parse_oss_auth(req)
        assert auth is not None
        return verify_oss(req, auth, bucket=BUCKET, key=key, secret=SK).ok

    assert all(run() for _ in range(512)), f"a {scheme} benchmark request does not verify"
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per contender")
    seconds = parser.parse_args().seconds

    ours = {
        "V1 signed URL": ossbox_url_v1,
        "V4 signed URL": ossbox_url_v4,
        "V1 header signing": ossbox_header_v1,
        "V4 header signing": ossbox_header_v4,
    }
    peers = {"oss2": oss2_cases(), "oss-v2": oss_v2_cases()}
    print(f"Python {platform.python_version()} on {platform.machine()}; best of {ROUNDS} rounds")
    print(f"oss2 {oss2.__version__}, alibabacloud-oss-v2 {oss_v2.__version__}\n")
    header = f"{'operation':<20}{'ossbox/s':>12}{'oss2/s':>12}{'oss-v2/s':>12}"
    print(header + f"{'ossbox/oss2':>14}{'ossbox/oss-v2':>16}")
    shortfall = []
    for name, fn in ours.items():
        measured = rates(
            {"ossbox": fn} | {peer: cases[name] for peer, cases in peers.items()}, seconds
        )
        mine, oss2_rate, v2_rate = measured["ossbox"], measured["oss2"], measured["oss-v2"]
        print(
            f"{name:<20}{mine:>12,.0f}{oss2_rate:>12,.0f}{v2_rate:>12,.0f}"
            f"{mine / oss2_rate:>13.2f}x{mine / v2_rate:>15.2f}x"
        )
        if mine / oss2_rate < TARGET_RATIO:
            shortfall.append(name)
    print()
    schemes = ("V1 header", "V1 URL", "V4 header", "V4 URL")
    verified = rates({scheme: verifier(scheme) for scheme in schemes}, seconds)
    for scheme, per_second in verified.items():
        print(f"{'verify ' + scheme:<20}{per_second:>12,.0f}")
    print()
    if shortfall:
        print(f"below the {TARGET_RATIO:g}x-oss2 target: {', '.join(shortfall)}")
        return 1
    print(f"every signing operation is at least {TARGET_RATIO:g}x oss2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
