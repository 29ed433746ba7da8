"""RAM and STS in one line each, through the server's own RAM/STS RPC APIs signed with the root
AccessKey, as a console user or an SDK would set them up.

```
admin = OssboxAdmin(server)
admin.create_bucket("examplebucket")
user = admin.create_user("uploader", policies=["AliyunSTSAssumeRoleAccess"])
role = admin.create_role(
    "RamOssTest", policy=allow(["oss:PutObject"], ["acs:oss:*:*:examplebucket/*"])
)
creds = admin.assume_role(role.arn, as_user=user)
```
"""

from __future__ import annotations

import json
import secrets
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from ossbox.credentials.files import write_private
from ossbox.signing.oss_v4 import sign_v4_header
from ossbox.signing.rpc import sign_rpc
from ossbox.testing.server import OssboxServer

STS_ACTIONS = frozenset({"AssumeRole", "AssumeRoleWithOIDC", "GetCallerIdentity"})
OIDC_AUDIENCE = "sts.aliyuncs.com"
PolicyDocument = str | dict[str, Any]


class RpcError(Exception):
    """A RAM/STS call answered with an error: its HTTP status, Code and Message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class OssError(Exception):
    """An OSS call answered with an error (status and the raw XML body)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body}")
        self.status, self.body = status, body


@dataclass(frozen=True)
class AccessKey:
    """A RAM user's (or the root account's) AccessKey."""

    user: str
    access_key_id: str
    access_key_secret: str = field(repr=False)


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    role_id: str


@dataclass(frozen=True)
class StsCredentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str = field(repr=False)
    expiration: str


def allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    """A policy document with one Allow statement."""
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return {"Version": "1", "Statement": [statement]}


def _document(policy: PolicyDocument) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


class OssboxAdmin:
    """Admin helpers for one running `OssboxServer` (root AccessKey unless `access_key`)."""

    def __init__(self, server: OssboxServer, access_key: AccessKey | None = None) -> None:
        self.server = server
        self._key = access_key or AccessKey("root", server.access_key_id, server.access_key_secret)
        verify: bool | ssl.SSLContext = True
        if server.ca_file is not None:
            verify = ssl.create_default_context(cafile=str(server.ca_file))
        self._http = httpx.Client(verify=verify, trust_env=False, timeout=30)

    def close(self) -> None:
        self._http.close()

    # -- raw calls ----------------------------------------------------------------------------

    def call(self, action: str, /, **params: str) -> dict[str, Any]:
        """One RPC call (Ram 2015-05-01, or Sts 2015-04-01 for STS actions) as this admin."""
        return self.call_as(self._key, action, **params)

    def call_as(
        self, key: AccessKey | StsCredentials | None, action: str, /, **params: str
    ) -> dict[str, Any]:
        """One RPC call, POP-signed with `key` (None: this admin's AccessKey)."""
        key = key or self._key
        version = "2015-04-01" if action in STS_ACTIONS else "2015-05-01"
        query = {"Action": action, "Version": version, "Format": "JSON", **params}
        query["RegionId"] = self.server.region
        signed = sign_rpc(
            "GET",
            query,
            access_key_id=key.access_key_id,
            access_key_secret=key.access_key_secret,
            security_token=getattr(key, "security_token", None),
            now=datetime.now(UTC),
            nonce=uuid.uuid4().hex,
        )
        reply = self._http.get(f"{self.server.endpoint}/", params=signed)
        body: dict[str, Any] = reply.json()
        if reply.status_code != 200:
            raise RpcError(reply.status_code, body.get("Code", ""), body.get("Message", ""))
        return body

    # -- RAM ----------------------------------------------------------------------------------

    def create_user(
        self, name: str | None = None, *, policies: tuple[str, ...] | list[str] = ()
    ) -> AccessKey:
        """A RAM user with an AccessKey and the named policies (system or custom) attached."""
        name = name or f"user-{secrets.token_hex(4)}"
        self.call("CreateUser", UserName=name)
        key = self.call("CreateAccessKey", UserName=name)["AccessKey"]
        for policy in policies:
            self.attach_policy(policy, user=name)
        return AccessKey(name, key["AccessKeyId"], key["AccessKeySecret"])

    def create_policy(self, name: str, document: PolicyDocument) -> str:
        self.call("CreatePolicy", PolicyName=name, PolicyDocument=_document(document))
        return name

    def attach_policy(
        self,
        policy: str,
        *,
        user: str | None = None,
        role: str | None = None,
        group: str | None = None,
        policy_type: str | None = None,
    ) -> None:
        """Attach a policy by name; system policies are those named `Aliyun...`."""
        kind = policy_type or ("System" if policy.startswith("Aliyun") else "Custom")
        targets = [("User", user), ("Role", role), ("Group", group)]
        chosen = [(target, value) for target, value in targets if value]
        if len(chosen) != 1:
            raise ValueError("give exactly one of user=, role=, group=")
        target, value = chosen[0]
        self.call(
            f"AttachPolicyTo{target}",
            PolicyType=kind,
            PolicyName=policy,
            **{f"{target}Name": str(value)},
        )

    def create_role(
        self,
        name: str | None = None,
        *,
        trust: PolicyDocument | None = None,
        services: tuple[str, ...] | list[str] = (),
        policy: PolicyDocument | None = None,
        policies: tuple[str, ...] | list[str] = (),
        max_session_duration: int | None = None,
    ) -> Role:
        """A role trusted by this account (default), by `services` (e.g. "ecs.aliyuncs.com"),
        or by an explicit `trust` document; `policy` is created as "<name>-policy" and attached
        with the named `policies`."""
        name = name or f"role-{secrets.token_hex(4)}"
        params = {
            "RoleName": name,
            "AssumeRolePolicyDocument": _document(trust or self._trust(services)),
        }
        if max_session_duration is not None:
            params["MaxSessionDuration"] = str(max_session_duration)
        created = self.call("CreateRole", **params)["Role"]
        names = list(policies)
        if policy is not None:
            names.append(self.create_policy(f"{name}-policy", policy))
        for attached in names:
            self.attach_policy(attached, role=name)
        return Role(name, created["Arn"], created["RoleId"])

    def _trust(self, services: tuple[str, ...] | list[str]) -> dict[str, Any]:
        principal = {"RAM": [f"acs:ram::{self.server.account_id}:root"]}
        if services:
            principal = {"Service": list(services)}
        statement = {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": principal}
        return {"Version": "1", "Statement": [statement]}

    # -- OIDC (RRSA) --------------------------------------------------------------------------

    def oidc_issuer(self) -> str:
        url = f"{self.server.endpoint}/_ossbox/oidc/.well-known/openid-configuration"
        issuer: str = self._http.get(url).json()["issuer"]
        return issuer

    def create_oidc_provider(
        self, name: str | None = None, *, audience: str = OIDC_AUDIENCE
    ) -> str:
        """Register the built-in issuer as an OIDC provider; returns its ARN."""
        name = name or f"oidc-{secrets.token_hex(4)}"
        created = self.call(
            "CreateOIDCProvider",
            OIDCProviderName=name,
            IssuerUrl=self.oidc_issuer(),
            ClientIds=audience,
        )
        arn: str = created["OIDCProvider"]["Arn"]
        return arn

    def oidc_trust(
        self, provider_arn: str, subject: str, *, audience: str = OIDC_AUDIENCE
    ) -> dict[str, Any]:
        """A trust policy letting tokens of `subject` assume the role through `provider_arn`."""
        condition = {"oidc:iss": self.oidc_issuer(), "oidc:aud": audience, "oidc:sub": subject}
        statement = {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Federated": [provider_arn]},
            "Condition": {"StringEquals": condition},
        }
        return {"Version": "1", "Statement": [statement]}

    def oidc_token(
        self,
        subject: str,
        *,
        audience: str = OIDC_AUDIENCE,
        ttl: int = 3600,
        out: str | Path | None = None,
    ) -> str:
        """A token from the built-in issuer (what RRSA mounts into a pod); written to `out`."""
        from ossbox.server.oidc.issuer import mint
        from ossbox.server.oidc.keys import load_or_create

        token = mint(
            load_or_create(self.server.data_dir),
            self.oidc_issuer(),
            subject=subject,
            audience=audience,
            now=datetime.now(UTC),
            ttl=ttl,
        )
        if out is not None:  # a credential: owner-only and whole, even over an older file
            write_private(Path(out), token.encode("ascii"))
        return token

    # -- STS ----------------------------------------------------------------------------------

    def assume_role(
        self,
        role_arn: str,
        session_name: str = "ossbox-test",
        *,
        as_user: AccessKey | None = None,
        policy: PolicyDocument | None = None,
        duration_seconds: int = 3600,
    ) -> StsCredentials:
        """AssumeRole as `as_user` (default: the root account)."""
        params = {"RoleArn": role_arn, "RoleSessionName": session_name}
        params["DurationSeconds"] = str(duration_seconds)
        if policy is not None:
            params["Policy"] = _document(policy)
        creds = self.call_as(as_user, "AssumeRole", **params)["Credentials"]
        return StsCredentials(
            creds["AccessKeyId"],
            creds["AccessKeySecret"],
            creds["SecurityToken"],
            creds["Expiration"],
        )

    # -- OSS ----------------------------------------------------------------------------------

    def create_bucket(self, name: str | None = None) -> str:
        """PutBucket as the root account (V4-signed); returns the bucket name."""
        name = name or f"bucket-{secrets.token_hex(4)}"
        self._oss("PUT", name, None)
        return name

    def put_object(self, bucket: str, key: str, data: bytes) -> None:
        self._oss("PUT", bucket, key, data)

    def get_object(self, bucket: str, key: str) -> bytes:
        return self._oss("GET", bucket, key)

    def _oss(self, method: str, bucket: str, key: str | None, data: bytes = b"") -> bytes:
        headers = sign_v4_header(
            method=method,
            bucket=bucket,
            key=key,
            access_key_id=self._key.access_key_id,
            access_key_secret=self._key.access_key_secret,
            region=self.server.region,
            now=datetime.now(UTC),
        )
        path = f"/{bucket}/{quote(key, safe='/~')}" if key else f"/{bucket}"
        reply = self._http.request(
            method, f"{self.server.endpoint}{path}", headers=headers, content=data
        )
        if reply.status_code >= 300:
            raise OssError(reply.status_code, reply.text)
        return reply.content

    def __enter__(self) -> OssboxAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
