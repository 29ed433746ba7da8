"""STS costs against a live ossbox, reported as ratios.

    .venv/bin/python benchmarks/sts.py [--seconds 5] [--rounds 3] [--no-moto]

1. AssumeRole calls/s, one keep-alive client signing each call (POP HMAC-SHA1), against:
   - ossbox GetCallerIdentity: the same front door (signature, nonce) without the role lookup,
     the caller's and the trust policy's evaluation and the token sealing;
   - moto_server's AssumeRole (its STS checks no signature or policy) through the same kind of
     raw HTTP client.
   Server CPU per call is reported beside calls/s (client and server share the machine).
2. The added cost of STS credentials on an OSS request: a 4 KiB GET through oss2 (V4) with the
   root AccessKey (the owner: no policy read), a RAM user's AccessKey (its policies read and
   evaluated) and STS credentials (token opened, session checked; the role's policies and the
   session policy read and evaluated). Requests/s and server CPU per request, and in-process
   `authenticate()` alone (root: a key lookup; STS: the token opened), to separate
   authentication from authorization.

Runs alternate between the contenders, best of `--rounds`; absolute figures drift on shared
machines, the ratios are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import oss2
from server import AK, REGION, SK, Server, start_moto, start_ossbox  # benchmarks/server.py

from ossbox.server.auth import authenticate
from ossbox.server.config import ServerConfig
from ossbox.server.context import RequestContext
from ossbox.server.sts.tokens import RoleSession, issue
from ossbox.signing import oss_v4
from ossbox.signing.http import HttpRequest
from ossbox.signing.rpc import sign_rpc
from ossbox.store import Store, open_store
from ossbox.store.base import AccessKey

BUCKET = "sts-bench"
OBJECT = b"x" * 4096
SESSION_POLICY = json.dumps(
    {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}],
    }
)


# --------------------------------------------------------------------------------------------
# RPC calls


class RpcClient:
    """Signed POP calls over one keep-alive connection."""

    def __init__(self, endpoint: str, ak: str, sk: str, token: str | None = None) -> None:
        self.http = httpx.Client(base_url=endpoint, timeout=30)
        self.ak, self.sk, self.token = ak, sk, token

    def call(self, action: str, version: str, **params: str) -> dict[str, Any]:
        signed = sign_rpc(
            "GET",
            {"Action": action, "Version": version, "Format": "JSON", **params},
            access_key_id=self.ak,
            access_key_secret=self.sk,
            security_token=self.token,
            now=datetime.now(UTC),
            nonce=uuid.uuid4().hex,
        )
        response = self.http.get("/?" + urlencode(signed))
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"{action}: {response.status_code} {body.get('Code')}")
        return body


def ram(root: RpcClient, action: str, **params: str) -> dict[str, Any]:
    return root.call(action, "2015-05-01", **params)


def set_up(server: Server) -> tuple[RpcClient, str]:
    """A RAM user with AliyunOSSFullAccess, allowed to assume a role with the same policy;
    (user client, role ARN)."""
    root = RpcClient(server.endpoint, AK, SK)
    ram(root, "CreateUser", UserName="bench")
    key = ram(root, "CreateAccessKey", UserName="bench")["AccessKey"]
    for name in ("AliyunSTSAssumeRoleAccess", "AliyunOSSFullAccess"):
        ram(root, "AttachPolicyToUser", PolicyType="System", PolicyName=name, UserName="bench")
    account = root.call("GetCallerIdentity", "2015-04-01")["AccountId"]
    trust = {
        "Version": "1",
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"RAM": [f"acs:ram::{account}:root"]},
            }
        ],
    }
    role = ram(root, "CreateRole", RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))
    ram(
        root,
        "AttachPolicyToRole",
        PolicyType="System",
        PolicyName="AliyunOSSFullAccess",
        RoleName="bench",
    )
    user = RpcClient(server.endpoint, key["AccessKeyId"], key["AccessKeySecret"])
    return user, str(role["Role"]["Arn"])


def moto_assume_role(endpoint: str) -> Callable[[], object]:
    http = httpx.Client(base_url=endpoint, timeout=30)
    form = {
        "Action": "AssumeRole",
        "Version": "2011-06-15",
        "RoleArn": "arn:aws:iam::123456789012:role/bench",
        "RoleSessionName": "bench",
        "DurationSeconds": "900",
    }
    headers = {  # moto reads the service and region from the credential scope
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request,"
        " SignedHeaders=host, Signature=0"
    }

    def call() -> object:
        response = http.post("/", data=form, headers=headers)
        if response.status_code != 200 or b"AccessKeyId" not in response.content:
            raise RuntimeError(f"moto AssumeRole: {response.status_code}")
        return response

    return call


# --------------------------------------------------------------------------------------------
# Measuring


def rate(fn: Callable[[], object], seconds: float, server: Server | None) -> tuple[float, float]:
    """(calls/s, server CPU ms per call) of `fn` run for `seconds`."""
    for _ in range(20):
        fn()  # warm-up: connections, caches
    cpu = server.cpu_seconds() if server else 0.0
    calls, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        fn()
        calls += 1
    cpu_ms = (server.cpu_seconds() - cpu) * 1000 / calls if server else 0.0
    return calls / elapsed, cpu_ms


def best(
    contenders: dict[str, tuple[Callable[[], object], Server | None]], seconds: float, rounds: int
) -> dict[str, tuple[float, float]]:
    """Best calls/s (and the CPU of that run) per contender, the contenders run in turn."""
    results: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, (fn, server) in contenders.items():
            measured = rate(fn, seconds, server)
            if name not in results or measured[0] > results[name][0]:
                results[name] = measured
    return results


def oss_get(server: Server, auth: oss2.Auth) -> Callable[[], object]:
    bucket = oss2.Bucket(auth, server.endpoint, BUCKET, region=REGION)

    def get() -> object:
        if bucket.get_object("obj").read() != OBJECT:
            raise RuntimeError("GET returned other bytes")
        return None

    return get


# --------------------------------------------------------------------------------------------
# authenticate() in process


def _context(store: Store, http: HttpRequest) -> RequestContext:
    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    return RequestContext(
        request_id="0" * 24,
        http=http,
        receive=receive,
        config=ServerConfig(data_dir=Path("unused"), region=REGION),
        store=store,
        now=datetime.now(UTC),
        host="127.0.0.1",
        bucket=BUCKET,
        key="obj",
    )


def _signed_get(ak: str, sk: str, token: str | None) -> HttpRequest:
    headers = oss_v4.sign_v4_header(
        method="GET",
        bucket=BUCKET,
        key="obj",
        headers={"x-oss-content-sha256": "UNSIGNED-PAYLOAD"},
        access_key_id=ak,
        access_key_secret=sk,
        security_token=token,
        region=REGION,
        now=datetime.now(UTC),
    )
    return HttpRequest("GET", f"/{BUCKET}/obj", list(headers.items()))


def authenticate_rates(seconds: float, rounds: int) -> dict[str, tuple[float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        store.meta.create_account("1")
        store.meta.put_access_key(
            AccessKey(
                access_key_id=AK,
                secret=SK,
                account_id="1",
                principal_type="root",
                principal_name="",
            )
        )
        now = datetime.now(UTC)
        later = now + timedelta(days=1)
        session = RoleSession("1", "bench", "1" * 19, "s", "acs:ram::1:user/u", None, now, later)
        creds = issue(store.master_key, session)
        loop = asyncio.new_event_loop()

        def runner(http: HttpRequest) -> Callable[[], object]:
            return lambda: loop.run_until_complete(authenticate(_context(store, http)))

        try:
            return best(
                {
                    "root": (runner(_signed_get(AK, SK, None)), None),
                    "sts": (
                        runner(_signed_get(creds.access_key_id, creds.secret, creds.token)),
                        None,
                    ),
                },
                seconds,
                rounds,
            )
        finally:
            loop.close()
            store.close()


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs per contender (best kept)")
    parser.add_argument("--no-moto", action="store_true", help="skip the moto peer")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ossbox = start_ossbox(Path(tmp) / "data")
        moto = None if args.no_moto else start_moto()
        try:
            user, role_arn = set_up(ossbox)
            root_auth = oss2.AuthV4(AK, SK)
            bucket = oss2.Bucket(root_auth, ossbox.endpoint, BUCKET, region=REGION)
            bucket.create_bucket()
            bucket.put_object("obj", OBJECT)
            creds = user.call(
                "AssumeRole",
                "2015-04-01",
                RoleArn=role_arn,
                RoleSessionName="bench",
                Policy=SESSION_POLICY,
            )["Credentials"]
            sts_auth = oss2.StsAuth(
                creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"], "v4"
            )

            def assume() -> object:
                return user.call(
                    "AssumeRole", "2015-04-01", RoleArn=role_arn, RoleSessionName="bench"
                )

            rpc: dict[str, tuple[Callable[[], object], Server | None]] = {
                "ossbox AssumeRole": (assume, ossbox),
                "ossbox GetCallerIdentity": (
                    lambda: user.call("GetCallerIdentity", "2015-04-01"),
                    ossbox,
                ),
            }
            if moto is not None:
                rpc["moto AssumeRole"] = (moto_assume_role(moto.endpoint), moto)
            rpc_results = best(rpc, args.seconds, args.rounds)
            oss_results = best(
                {
                    "GET root AK": (oss_get(ossbox, root_auth), ossbox),
                    "GET RAM user AK": (oss_get(ossbox, oss2.AuthV4(user.ak, user.sk)), ossbox),
                    "GET STS creds": (oss_get(ossbox, sts_auth), ossbox),
                },
                args.seconds,
                args.rounds,
            )
        finally:
            ossbox.stop()
            if moto is not None:
                moto.stop()
    auth_results = authenticate_rates(args.seconds / 2, args.rounds)
    report(rpc_results, oss_results, auth_results)


def report(
    rpc: dict[str, tuple[float, float]],
    oss: dict[str, tuple[float, float]],
    auth: dict[str, tuple[float, float]],
) -> None:
    def table(title: str, rows: dict[str, tuple[float, float]], base: str) -> None:
        print(f"\n{title}")
        print(f"{'':<26} {'calls/s':>9} {'vs ' + base:>24} {'server CPU ms/call':>19}")
        for name, (per_s, cpu) in rows.items():
            ratio = per_s / rows[base][0]
            cpu_text = f"{cpu:.2f}" if cpu else "-"
            print(f"{name:<26} {per_s:>9.0f} {ratio:>23.2f}x {cpu_text:>19}")

    table(
        "STS RPC (one client, keep-alive, POP signature per call)", rpc, "ossbox GetCallerIdentity"
    )
    table("OSS 4 KiB GET through oss2 V4 (one client)", oss, "GET root AK")
    root_cpu, user_cpu, sts_cpu = (oss[name][1] for name in oss)
    for peer, cpu in (("root", root_cpu), ("RAM user", user_cpu)):
        print(f"server CPU per GET, STS / {peer}: {sts_cpu / cpu:.2f}x ({sts_cpu - cpu:+.3f} ms)")
    table("authenticate() in process (signature verified)", auth, "root")
    root_us, sts_us = 1e6 / auth["root"][0], 1e6 / auth["sts"][0]
    print(f"per call: root {root_us:.1f} µs, STS {sts_us:.1f} µs ({sts_us - root_us:+.1f} µs)")


if __name__ == "__main__":
    main()
