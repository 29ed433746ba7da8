"""Auto-rotated AccessKey: a KMS Secrets Manager RAM-credential secret, read with GetSecretValue.

The secret's `SecretData` is `{"AccessKeyId","AccessKeySecret","GenerateTimestamp"}`. KMS
rotates it every RotationInterval and keeps the replaced key valid (ACSPrevious) until the next
rotation, so a reader that fetches again soon after NextRotationDate never signs with a deleted
key. This provider:
- signs GetSecretValue with an application access point's ClientKey (SHA256withRSA over the
  POP string to sign, as aliyun-secret-manager-client does), or with any AccessKey provider;
- refreshes a little after NextRotationDate (a random delay of up to a tenth of the interval,
  at most `max_jitter`, so a fleet does not arrive at once), and at least every
  `poll_interval` (±10 %), in case of an immediate rotation;
- reports as expiration NextRotationDate + RotationInterval, when the current key is deleted
  at the latest (`min_ttl` / presigning rely on it);
- forgets its key at once when a service refuses it: call `handle_error(exc)` with the SDK's
  error (oss2, alibabacloud-oss-v2, aliyun-python-sdk-core) or code; True means "retry".

```
provider = SecretsManagerRotatedAKProvider.from_properties("secretsmanager.properties",
                                                           secret_name="app-ak")
auth = oss2.ProviderAuthV4(oss2_provider(provider))
```
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ossbox.credentials.clock import Clock, parse_expiration, system_clock, to_datetime
from ossbox.credentials.errors import CredentialsError, CredentialsFetchError
from ossbox.credentials.http import (
    CredentialsSource,
    Exchange,
    HttpOptions,
    Response,
    RetryPolicy,
    SourceCredentials,
    rpc_get,
    service_url,
    upstream_error,
    with_retries,
)
from ossbox.credentials.providers.base import HttpProvider, RefreshPolicy
from ossbox.credentials.snapshot import Credentials
from ossbox.signing.rpc import sign_rpc, sign_rpc_rsa

KMS_VERSION = "2016-01-20"
DEFAULT_POLL = 3600.0
DEFAULT_MAX_JITTER = 60.0
_RETRIES = RetryPolicy(attempts=3, backoff=0.2, budget=10.0)
# Codes with which a service refuses an AccessKey that no longer exists or is disabled.
REJECTED_KEY_CODES = frozenset(
    {"InvalidAccessKeyId", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive"}
)


class ClientKeyError(CredentialsError):
    """A ClientKey file cannot be loaded (missing, malformed, or the password is wrong)."""


class ClientKey:
    """An application access point's ClientKey: its id and RSA private key (never shown)."""

    __slots__ = ("key_id", "private_key")

    def __init__(self, key_id: str, private_key: rsa.RSAPrivateKey) -> None:
        self.key_id = key_id
        self.private_key = private_key

    @classmethod
    def load(cls, path: str | os.PathLike[str], password: str) -> ClientKey:
        """Read the JSON key file `{"KeyId","PrivateKeyData"}` (PKCS#12 under `password`)."""
        where = f"ClientKey file {os.fspath(path)}"
        try:
            document = json.loads(Path(path).read_text())
        except OSError as err:
            raise ClientKeyError(f"{where}: cannot be read ({err.strerror})") from None
        except ValueError:
            raise ClientKeyError(f"{where}: is not JSON") from None
        key_id = document.get("KeyId") if isinstance(document, dict) else None
        data = document.get("PrivateKeyData") if isinstance(document, dict) else None
        if not isinstance(key_id, str) or not isinstance(data, str) or not key_id or not data:
            raise ClientKeyError(f"{where}: lacks KeyId or PrivateKeyData")
        try:
            blob = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ClientKeyError(f"{where}: PrivateKeyData is not base64") from None
        try:
            private, _, _ = pkcs12.load_key_and_certificates(blob, password.encode())
        except ValueError:
            raise ClientKeyError(
                f"{where}: the password is wrong, or PrivateKeyData is not a PKCS#12 key"
            ) from None
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ClientKeyError(f"{where}: holds no RSA private key")
        return cls(key_id, private)

    def __repr__(self) -> str:
        return f"ClientKey(key_id={self.key_id!r})"

    def __reduce__(self) -> Any:
        raise TypeError("a ClientKey refuses to be pickled: that would copy its private key")


def error_code(error: object) -> str | None:
    """The service error code carried by an SDK exception (or the string itself)."""
    if isinstance(error, str):
        return error
    for attribute in ("code", "error_code"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value:
            return value
    getter = getattr(error, "get_error_code", None)
    if callable(getter):
        value = getter()
        return value if isinstance(value, str) else None
    return None


class SecretsManagerRotatedAKProvider(HttpProvider):
    """The AccessKey held by KMS secret `secret_name`, followed across rotations."""

    name = "secrets_manager"

    def __init__(
        self,
        secret_name: str,
        *,
        endpoint: str,
        client_key: ClientKey | None = None,
        source: CredentialsSource | None = None,
        region: str = "cn-hangzhou",
        poll_interval: float = DEFAULT_POLL,
        max_jitter: float = DEFAULT_MAX_JITTER,
        http: HttpOptions | None = None,
        clock: Clock = system_clock,
        refresh: RefreshPolicy | None = None,
    ) -> None:
        if not secret_name:
            raise ValueError("secret_name must not be empty")
        if (client_key is None) == (source is None):
            raise ValueError("give exactly one of client_key= and source=")
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self._secret_name = secret_name
        self._url = service_url(endpoint, "endpoint")
        self._client_key = client_key
        self._source = source
        self._region = region
        self._poll = poll_interval
        self._max_jitter = max_jitter
        self._next_poll: float | None = None
        super().__init__(http=http, clock=clock, refresh=refresh)

    @classmethod
    def from_properties(
        cls, path: str | os.PathLike[str], *, secret_name: str, **options: Any
    ) -> SecretsManagerRotatedAKProvider:
        """Configured as aliyun-secret-manager-client's secretsmanager.properties is:
        credentials_type=client_key, client_key_private_key_path, the password from
        client_key_password_from_file_path or the variable client_key_password_from_env_variable
        names, and cache_client_region_id=[{"regionId":...,"endpoint":...}]."""
        props = read_properties(path)
        if props.get("credentials_type") != "client_key":
            raise ClientKeyError(f"{os.fspath(path)}: credentials_type must be client_key")
        key_path = props.get("client_key_private_key_path")
        if not key_path:
            raise ClientKeyError(f"{os.fspath(path)}: client_key_private_key_path is missing")
        client_key = ClientKey.load(key_path, _password(props, path))
        region, endpoint = _region(props, path)
        return cls(secret_name, endpoint=endpoint, client_key=client_key, region=region, **options)

    # -- schedule --------------------------------------------------------------------------------

    def _advise_refresh_at(self, creds: Credentials, now: float) -> float:
        poll = now + self._poll * random.uniform(0.9, 1.1)
        return poll if self._next_poll is None else min(poll, self._next_poll)

    def _plan_next_poll(self, body: Mapping[str, Any], now: float) -> None:
        """Remember when to look again: a little after the secret's next rotation."""
        self._next_poll = None
        schedule = self._schedule(body)
        if schedule is not None:
            at, interval = schedule[0].timestamp(), schedule[1]
            jitter = random.uniform(0.0, min(interval / 10, self._max_jitter))
            self._next_poll = max(at, now) + jitter

    def _schedule(self, body: Mapping[str, Any]) -> tuple[datetime, int] | None:
        """(NextRotationDate, RotationInterval in seconds); None when rotation is off."""
        next_rotation, raw_interval = body.get("NextRotationDate"), body.get("RotationInterval")
        if not isinstance(next_rotation, str) or raw_interval is None:
            return None
        try:
            interval = _seconds(raw_interval)
            at = parse_expiration(next_rotation)
            at + timedelta(seconds=interval)  # the key's expiration must be a date too
        except (ValueError, OverflowError):
            raise CredentialsFetchError(
                self.name, "the rotation schedule (NextRotationDate, RotationInterval) is malformed"
            ) from None
        return (at, interval) if interval else None

    # -- the call --------------------------------------------------------------------------------

    def _params(self) -> dict[str, str]:
        return {
            "Action": "GetSecretValue",
            "Version": KMS_VERSION,
            "Format": "JSON",
            "RegionId": self._region,
            "SecretName": self._secret_name,
            "VersionStage": "ACSCurrent",
            "FetchExtendedConfig": "true",
        }

    def _exchange(self) -> Exchange[Credentials]:
        now = self._clock()
        params = self._params()
        secrets: tuple[str | None, ...] = ()
        if self._client_key is not None:
            signed = sign_rpc_rsa(
                "GET",
                params,
                key_id=self._client_key.key_id,
                private_key=self._client_key.private_key,
                now=to_datetime(now),
                nonce=uuid.uuid4().hex,
            )
        else:
            assert self._source is not None
            source: Credentials = yield SourceCredentials(self._source)
            signed = sign_rpc(
                "GET",
                params,
                access_key_id=source.access_key_id,
                access_key_secret=source.access_key_secret,
                security_token=source.security_token,
                now=to_datetime(now),
                nonce=uuid.uuid4().hex,
            )
            secrets = (source.access_key_secret, source.security_token)
        request = rpc_get(self._url, signed)
        response: Response = yield from with_retries(request, _RETRIES, provider=self.name)
        if response.status != 200:
            raise upstream_error(self.name, response, what="GetSecretValue failed", secrets=secrets)
        body = response.json_object(self.name, "KMS")
        self._plan_next_poll(body, now)
        return self._credentials(body)

    def _credentials(self, body: Mapping[str, Any]) -> Credentials:
        try:
            data = json.loads(body.get("SecretData") or "")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise CredentialsFetchError(self.name, "SecretData is not a RAM credential (JSON)")
        key_id, secret = data.get("AccessKeyId"), data.get("AccessKeySecret")
        if not isinstance(key_id, str) or not isinstance(secret, str) or not key_id or not secret:
            raise CredentialsFetchError(self.name, "SecretData lacks AccessKeyId/AccessKeySecret")
        expiration = None
        schedule = self._schedule(body)
        if schedule is not None:
            # Current until NextRotationDate, then ACSPrevious until the rotation after it.
            expiration = schedule[0] + timedelta(seconds=schedule[1])
        return Credentials(key_id, secret, None, expiration, self.name)

    # -- a refused key -----------------------------------------------------------------------------

    def handle_error(self, error: object) -> bool:
        """If `error` says the AccessKey was refused (deleted or disabled by a rotation), forget
        it so the next call fetches the current one, and return True (retry the request)."""
        if error_code(error) in REJECTED_KEY_CODES:
            self.invalidate()
            return True
        return False

    def __repr__(self) -> str:
        return f"SecretsManagerRotatedAKProvider(secret_name={self._secret_name!r})"


def _seconds(value: object) -> int:
    """`604800s` (KMS's RotationInterval form) as an int; ValueError if it is not one."""
    digits = value[:-1] if isinstance(value, str) and value.endswith("s") else ""
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 12):
        raise ValueError("not a RotationInterval")
    return int(digits)


# -- secretsmanager.properties --------------------------------------------------------------------


def read_properties(path: str | os.PathLike[str]) -> dict[str, str]:
    """`key=value` lines; `#` starts a comment (as the official client reads the file)."""
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise ClientKeyError(f"{os.fspath(path)}: cannot be read ({err.strerror})") from None
    props: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.partition("#")[0].strip()
        name, sep, value = line.partition("=")
        if sep and name.strip():
            props[name.strip()] = value.strip()
    return props


def _password(props: Mapping[str, str], path: str | os.PathLike[str]) -> str:
    variable = props.get("client_key_password_from_env_variable")
    if variable and os.environ.get(variable):
        return os.environ[variable]
    password_file = props.get("client_key_password_from_file_path")
    if password_file:
        try:
            return Path(password_file).read_text().strip()
        except OSError as err:
            raise ClientKeyError(
                f"ClientKey password file {password_file}: cannot be read ({err.strerror})"
            ) from None
    raise ClientKeyError(f"{os.fspath(path)}: no ClientKey password (file or variable)")


def _region(props: Mapping[str, str], path: str | os.PathLike[str]) -> tuple[str, str]:
    try:
        regions = json.loads(props.get("cache_client_region_id") or "")
        first = regions[0]
        region = first["regionId"]
        endpoint = first.get("endpoint") or f"kms.{region}.aliyuncs.com"
    except (ValueError, LookupError, TypeError, AttributeError):
        raise ClientKeyError(
            f"{os.fspath(path)}: cache_client_region_id must be "
            '[{"regionId": "...", "endpoint": "..."}]'
        ) from None
    return str(region), str(endpoint)
