"""The signed-URL samples of the seed "Authorize access by using OSS SDK for Python"
(seeds/004), run as written with only the endpoint (and the bucket name) changed: oss2
`sign_url` with slash_safe, headers and params, then `requests.put` / `requests.get` on the URL;
the same flows through alibabacloud-oss-v2 `presign`; and every restriction a URL can carry
(source network, forwarding, VPC, signed headers, versionId) enforced as OSS does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import alibabacloud_oss_v2 as oss_v2
import oss2
import pytest
import requests
from oss2.credentials import EnvironmentVariableCredentialsProvider

from tests.compat.conftest import ossv2_client
from tests.compat.sts_world import World, allow, make_world, policy
from tests.conftest import LiveServer

pytestmark = pytest.mark.compat


def _code(response: requests.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


def _element(response: requests.Response, name: str) -> str:
    return response.text.split(f"<{name}>")[1].split(f"</{name}>")[0]


@pytest.fixture
def seed_bucket(
    live_server: LiveServer, bucket_name: str, monkeypatch: pytest.MonkeyPatch
) -> oss2.Bucket:
    """The seed's bucket: ProviderAuthV4 over the environment variables, V4, the region."""
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", live_server.access_key_id)
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", live_server.access_key_secret)
    auth = oss2.ProviderAuthV4(EnvironmentVariableCredentialsProvider())
    endpoint = live_server.endpoint
    region = live_server.region
    bucket = oss2.Bucket(auth, endpoint, bucket_name, region=region)
    bucket.create_bucket()
    return bucket


def _bucket(server: LiveServer, name: str, version: str) -> oss2.Bucket:
    """A bucket, freshly created, with oss2 signing V1 or V4."""
    auth_class = oss2.AuthV4 if version == "v4" else oss2.Auth
    auth = auth_class(server.access_key_id, server.access_key_secret)
    bucket = oss2.Bucket(auth, server.endpoint, name, region=server.region)
    bucket.create_bucket()
    return bucket


def _without(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the seed's samples -------------------------------------------------------------------


def test_seed_signed_url_with_version_id_header(seed_bucket: oss2.Bucket) -> None:
    seed_bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    object_name = "exampledir/exampleobject.txt"
    first = seed_bucket.put_object(object_name, b"first").versionid
    headers = dict()
    headers["versionId"] = first
    url = seed_bucket.sign_url("PUT", object_name, 60, slash_safe=True, headers=headers)
    assert "/exampledir/exampleobject.txt?" in url  # slash_safe keeps the slashes
    response = requests.put(url, data=b"second", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    # A PUT makes a new version; the versionId header does not pick one.
    assert response.headers["x-oss-version-id"] != first
    assert seed_bucket.get_object(object_name).read() == b"second"
    assert seed_bucket.get_object(object_name, params={"versionId": first}).read() == b"first"


def test_seed_upload_by_signed_url(seed_bucket: oss2.Bucket, tmp_path: object) -> None:
    object_name = "exampledir/exampleobject.txt"
    headers = dict()
    headers["Content-Type"] = "text/txt"
    headers["x-oss-storage-class"] = "Standard"
    url = seed_bucket.sign_url("PUT", object_name, 60, slash_safe=True, headers=headers)
    data = b"uploaded through a signed URL"
    response = requests.put(url, data=data, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    meta = seed_bucket.head_object(object_name)
    assert meta.content_type == "text/txt"
    assert meta.headers["x-oss-storage-class"] == "Standard"
    assert seed_bucket.get_object(object_name).read() == data


def test_seed_upload_with_an_uncommon_storage_class_is_honoured(seed_bucket: oss2.Bucket) -> None:
    headers = {"Content-Type": "text/txt", "x-oss-storage-class": "IA"}
    url = seed_bucket.sign_url("PUT", "ia.txt", 60, slash_safe=True, headers=headers)
    assert requests.put(url, data=b"ia", headers=headers, timeout=10).status_code == 200
    assert seed_bucket.head_object("ia.txt").headers["x-oss-storage-class"] == "IA"


def test_seed_download_with_every_restriction(seed_bucket: oss2.Bucket) -> None:
    object_name = "exampledir/exampleobject.txt"
    seed_bucket.put_object(object_name, b"hello world")
    headers = dict()
    headers["Accept-Encoding"] = "gzip"
    params = dict()
    params["x-oss-traffic-limit"] = str(100 * 1024 * 8)
    params["x-oss-ac-source-ip"] = "127.0.0.1"
    params["x-oss-ac-subnet-mask"] = "32"
    params["x-oss-ac-forward-allow"] = "true"
    url = seed_bucket.sign_url(
        "GET", object_name, 60, slash_safe=True, headers=headers, params=params
    )
    resp = requests.get(url, headers=headers, timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.content == b"hello world"


def test_seed_download_restricted_to_a_vpc_is_refused(seed_bucket: oss2.Bucket) -> None:
    seed_bucket.put_object("k", b"k")
    params = {"x-oss-ac-vpc-id": "vpc-t4nlw426y44rd3iq4xxxx"}
    url = seed_bucket.sign_url("GET", "k", 60, slash_safe=True, params=params)
    response = requests.get(url, timeout=10)
    assert (response.status_code, _code(response)) == (403, "AccessDenied")
    assert _element(response, "EC") == "0002-00000603"


def test_version_id_param_selects_the_version(seed_bucket: oss2.Bucket) -> None:
    seed_bucket.put_bucket_versioning(oss2.models.BucketVersioningConfig("Enabled"))
    old = seed_bucket.put_object("v.txt", b"old").versionid
    seed_bucket.put_object("v.txt", b"new")
    url = seed_bucket.sign_url("GET", "v.txt", 60, params={"versionId": old})
    response = requests.get(url, timeout=10)
    assert (response.status_code, response.content) == (200, b"old")
    assert response.headers["x-oss-version-id"] == old
    # The versionId is signed: swapping it for another breaks the signature.
    tampered = url.replace(old, "CAEQNhiBgMDJgZCA0BYiIDc4MGZjZGI2OTBjOTRmNTE5NmU5NmFmZjk2MDQw")
    assert _code(requests.get(tampered, timeout=10)) == "SignatureDoesNotMatch"


# --- the same flows through alibabacloud-oss-v2 presign --------------------------------------


def test_ossv2_presigned_put_and_get(live_server: LiveServer, bucket_name: str) -> None:
    client = ossv2_client(live_server)
    client.put_bucket(oss_v2.PutBucketRequest(bucket=bucket_name))
    put = client.presign(
        oss_v2.PutObjectRequest(
            bucket=bucket_name,
            key="exampledir/exampleobject.txt",
            content_type="text/txt",
            storage_class="IA",
        )
    )
    assert put.signed_headers  # the headers the uploader must send
    response = requests.put(put.url, data=b"v2 body", headers=put.signed_headers, timeout=10)
    assert response.status_code == 200, response.text
    get = client.presign(
        oss_v2.GetObjectRequest(bucket=bucket_name, key="exampledir/exampleobject.txt")
    )
    response = requests.get(get.url, timeout=10)
    assert (response.status_code, response.content) == (200, b"v2 body")
    assert response.headers["Content-Type"] == "text/txt"
    assert response.headers["x-oss-storage-class"] == "IA"
    # The signed headers are part of the signature: leave one out and it fails.
    bare = requests.put(put.url, data=b"x", timeout=10)
    assert (bare.status_code, _code(bare)) == (403, "SignatureDoesNotMatch")


def test_ossv2_presigned_get_of_a_version(live_server: LiveServer, bucket_name: str) -> None:
    client = ossv2_client(live_server)
    client.put_bucket(oss_v2.PutBucketRequest(bucket=bucket_name))
    client.put_bucket_versioning(
        oss_v2.PutBucketVersioningRequest(
            bucket=bucket_name,
            versioning_configuration=oss_v2.VersioningConfiguration(status="Enabled"),
        )
    )
    old = client.put_object(
        oss_v2.PutObjectRequest(bucket=bucket_name, key="k", body=b"old")
    ).version_id
    client.put_object(oss_v2.PutObjectRequest(bucket=bucket_name, key="k", body=b"new"))
    get = client.presign(oss_v2.GetObjectRequest(bucket=bucket_name, key="k", version_id=old))
    response = requests.get(get.url, timeout=10)
    assert (response.status_code, response.content) == (200, b"old")


def test_ossv2_presigned_get_with_traffic_limit_header(
    live_server: LiveServer, bucket_name: str
) -> None:
    client = ossv2_client(live_server)
    client.put_bucket(oss_v2.PutBucketRequest(bucket=bucket_name))
    client.put_object(oss_v2.PutObjectRequest(bucket=bucket_name, key="k", body=b"limited"))
    get = client.presign(oss_v2.GetObjectRequest(bucket=bucket_name, key="k", traffic_limit=819200))
    assert get.signed_headers["x-oss-traffic-limit"] == "819200"
    response = requests.get(get.url, headers=get.signed_headers, timeout=10)
    assert (response.status_code, response.content) == (200, b"limited")
    # Sending the signed header with another value breaks the signature.
    altered = requests.get(get.url, headers={"x-oss-traffic-limit": "8192000"}, timeout=10)
    assert (altered.status_code, _code(altered)) == (403, "SignatureDoesNotMatch")


# --- signed headers ---------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_signed_header_not_sent_or_altered(
    live_server: LiveServer, bucket_name: str, version: str
) -> None:
    bucket = _bucket(live_server, bucket_name, version)
    headers = {"Content-Type": "text/txt", "x-oss-storage-class": "Standard"}
    url = bucket.sign_url("PUT", "h.txt", 60, slash_safe=True, headers=headers)
    for sent in (
        {},  # neither header
        {"x-oss-storage-class": "Standard"},  # Content-Type left out
        {"Content-Type": "text/html", "x-oss-storage-class": "Standard"},  # altered
        {"Content-Type": "text/txt", "x-oss-storage-class": "IA"},  # altered
    ):
        response = requests.put(url, data=b"x", headers=sent, timeout=10)
        assert (response.status_code, _code(response)) == (403, "SignatureDoesNotMatch"), sent
    assert not bucket.object_exists("h.txt")
    assert requests.put(url, data=b"x", headers=headers, timeout=10).status_code == 200


# --- `+` in URLs ----------------------------------------------------------------------------


def test_plus_in_urls(live_server: LiveServer, bucket_name: str) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    bucket.put_object("a+b.txt", b"plus")
    bucket.put_object("a b.txt", b"space")
    url = bucket.sign_url("GET", "a+b.txt", 60)
    assert "/a%2Bb.txt?" in url
    # In the path a raw `+` is a plus sign: the same object, the same signature.
    raw_plus = url.replace("/a%2Bb.txt?", "/a+b.txt?")
    assert requests.get(raw_plus, timeout=10).content == b"plus"
    # A `+` written for an encoded space names another key, which the URL did not sign.
    spaced = bucket.sign_url("GET", "a b.txt", 60)
    assert "/a%20b.txt?" in spaced
    wrong = requests.get(spaced.replace("/a%20b.txt?", "/a+b.txt?"), timeout=10)
    assert (wrong.status_code, _code(wrong)) == (403, "SignatureDoesNotMatch")
    # In the query a raw `+` reads as a space: a V1 signature with `+` must be sent as %2B,
    # as the seed says.
    for _ in range(200):
        signed = bucket.sign_url("GET", "a+b.txt", 60 + _)
        if "%2B" in signed.partition("Signature=")[2]:
            break
    else:
        pytest.fail("no signature with a + in 200 tries")
    assert requests.get(signed, timeout=10).content == b"plus"
    unencoded = signed[: signed.index("Signature=")] + signed[signed.index("Signature=") :].replace(
        "%2B", "+"
    )
    response = requests.get(unencoded, timeout=10)
    assert (response.status_code, _code(response)) == (403, "SignatureDoesNotMatch")


# --- source network and forwarding -----------------------------------------------------------


@pytest.mark.parametrize(("version", "ec"), [("v1", "0002-00000602"), ("v4", "0002-00000225")])
def test_url_for_another_network_is_refused(
    live_server: LiveServer, bucket_name: str, version: str, ec: str
) -> None:
    bucket = _bucket(live_server, bucket_name, version)
    bucket.put_object("k", b"k")
    for network, mask in (("10.0.0.0", "8"), ("127.0.0.2", "32"), ("::1", "128")):
        params = {"x-oss-ac-source-ip": network, "x-oss-ac-subnet-mask": mask}
        response = requests.get(bucket.sign_url("GET", "k", 60, params=params), timeout=10)
        assert (response.status_code, _code(response)) == (403, "SignatureDoesNotMatch")
        assert _element(response, "EC") == ec
    for network, mask in (("127.0.0.1", "32"), ("127.0.0.0", "8"), ("0.0.0.0", "0")):
        params = {"x-oss-ac-source-ip": network, "x-oss-ac-subnet-mask": mask}
        response = requests.get(bucket.sign_url("GET", "k", 60, params=params), timeout=10)
        assert (response.status_code, response.content) == (200, b"k")
    # The restriction is signed: dropping it from the URL breaks the signature.
    params = {"x-oss-ac-source-ip": "10.0.0.0", "x-oss-ac-subnet-mask": "8"}
    url = bucket.sign_url("GET", "k", 60, params=params)
    stripped = _without(_without(url, "x-oss-ac-source-ip"), "x-oss-ac-subnet-mask")
    assert _code(requests.get(stripped, timeout=10)) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_url_that_names_only_the_mask(
    live_server: LiveServer, bucket_name: str, version: str
) -> None:
    """OSS's documented form `...&x-oss-ac-subnet-mask=32&Signature=...`: the address was signed
    but left out of the URL; it verifies only from that network."""
    bucket = _bucket(live_server, bucket_name, version)
    bucket.put_object("k", b"k")

    def hidden(network: str, mask: str) -> requests.Response:
        params = {"x-oss-ac-source-ip": network, "x-oss-ac-subnet-mask": mask}
        url = _without(bucket.sign_url("GET", "k", 60, params=params), "x-oss-ac-source-ip")
        return requests.get(url, timeout=10)

    assert hidden("127.0.0.1", "32").content == b"k"
    assert hidden("127.0.0.0", "8").content == b"k"
    refused = hidden("10.0.0.0", "8")
    assert (refused.status_code, _code(refused)) == (403, "SignatureDoesNotMatch")


def test_malformed_restrictions(live_server: LiveServer, bucket_name: str) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    for params in (
        {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "33"},
        {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "-1"},
        {"x-oss-ac-source-ip": "not-an-ip", "x-oss-ac-subnet-mask": "32"},
    ):
        response = requests.get(bucket.sign_url("GET", "k", 60, params=params), timeout=10)
        assert (response.status_code, _code(response)) == (400, "InvalidArgument"), params


def test_forwarded_for_is_ignored_without_trusted_proxies(
    live_server: LiveServer, bucket_name: str
) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    bucket.put_object("k", b"k")
    params = {
        "x-oss-ac-source-ip": "10.0.0.0",
        "x-oss-ac-subnet-mask": "8",
        "x-oss-ac-forward-allow": "true",
    }
    url = bucket.sign_url("GET", "k", 60, params=params)
    spoofed = requests.get(url, headers={"X-Forwarded-For": "10.1.2.3"}, timeout=10)
    assert (spoofed.status_code, _code(spoofed)) == (403, "SignatureDoesNotMatch")


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server behind a trusted reverse proxy on loopback."""
    server = LiveServer(
        tmp_path_factory.mktemp("proxied") / "data", extra_args=["--trusted-proxy", "127.0.0.1"]
    )
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


def test_forward_allow_behind_a_trusted_proxy(proxied_server: LiveServer) -> None:
    auth = oss2.Auth(proxied_server.access_key_id, proxied_server.access_key_secret)
    bucket = oss2.Bucket(auth, proxied_server.endpoint, "proxied")
    bucket.create_bucket()
    bucket.put_object("k", b"k")
    network = {"x-oss-ac-source-ip": "10.0.0.0", "x-oss-ac-subnet-mask": "8"}
    client = {"X-Forwarded-For": "10.1.2.3"}
    allowed = bucket.sign_url("GET", "k", 60, params={**network, "x-oss-ac-forward-allow": "true"})
    assert requests.get(allowed, headers=client, timeout=10).content == b"k"
    # A client outside the network, forwarded by the same proxy: refused.
    outside = requests.get(allowed, headers={"X-Forwarded-For": "192.168.1.1"}, timeout=10)
    assert _code(outside) == "SignatureDoesNotMatch"
    # Without forward-allow the URL is for direct requests: the proxy's address is checked.
    direct_only = bucket.sign_url("GET", "k", 60, params=network)
    refused = requests.get(direct_only, headers=client, timeout=10)
    assert (refused.status_code, _code(refused)) == (403, "SignatureDoesNotMatch")
    loopback = {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "32"}
    direct = bucket.sign_url("GET", "k", 60, params=loopback)
    assert requests.get(direct, headers=client, timeout=10).content == b"k"


# --- policies apply to signed URLs as to any request -------------------------------------


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> World:
    world = make_world(live_server)
    root = oss2.AuthV4(live_server.access_key_id, live_server.access_key_secret)
    bucket = oss2.Bucket(root, live_server.endpoint, world.bucket, region=live_server.region)
    for key in ("allowed/seed.txt", "outside/seed.txt"):
        bucket.put_object(key, b"seed")
    return world


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_session_policy_applies_to_signed_urls(world: World, version: str) -> None:
    session = policy(allow(["oss:GetObject"], [f"acs:oss:*:*:{world.bucket}/allowed/*"]))
    creds = world.assume(Policy=session, DurationSeconds="900")
    auth = oss2.StsAuth(
        creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"], auth_version=version
    )
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket, region=world.server.region)
    inside = requests.get(bucket.sign_url("GET", "allowed/seed.txt", 60), timeout=10)
    assert (inside.status_code, inside.content) == (200, b"seed")
    outside = requests.get(bucket.sign_url("GET", "outside/seed.txt", 60), timeout=10)
    assert (outside.status_code, _code(outside)) == (403, "AccessDenied")
    assert _element(outside, "Message") == "Access denied by authorizer's policy."
    # The role allows PutObject; the session policy does not.
    put = requests.put(bucket.sign_url("PUT", "allowed/new.txt", 60), data=b"x", timeout=10)
    assert (put.status_code, _code(put)) == (403, "AccessDenied")


def test_ram_policy_conditions_apply_to_signed_urls(world: World) -> None:
    """An identity policy's acs:SourceIp condition is evaluated for a URL like for a header."""
    session = policy(
        {
            "Effect": "Deny",
            "Action": "oss:GetObject",
            "Resource": f"acs:oss:*:*:{world.bucket}/*",
            "Condition": {"IpAddress": {"acs:SourceIp": "127.0.0.0/8"}},
        },
        allow(["oss:*"], ["*"]),
    )
    creds = world.assume(Policy=session)
    auth = oss2.StsAuth(creds["AccessKeyId"], creds["AccessKeySecret"], creds["SecurityToken"])
    bucket = oss2.Bucket(auth, world.server.endpoint, world.bucket)
    response = requests.get(bucket.sign_url("GET", "allowed/seed.txt", 60), timeout=10)
    assert (response.status_code, _code(response)) == (403, "AccessDenied")


# --- x-oss-traffic-limit -----------------------------------------------------------------------

LIMIT = 8 * 1024 * 1024  # bit/s: 1 MiB/s
SIZE = 3 * 512 * 1024  # 1.5 MiB: 1.5 s at the limit


def _timed(call: object) -> tuple[float, requests.Response]:
    assert callable(call)
    start = time.monotonic()
    response = call()
    return time.monotonic() - start, response


def test_traffic_limit_throttles_a_download(live_server: LiveServer, bucket_name: str) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    data = bytes(range(256)) * (SIZE // 256)
    bucket.put_object("big", data)
    url = bucket.sign_url("GET", "big", 60, params={"x-oss-traffic-limit": str(LIMIT)})
    elapsed, response = _timed(lambda: requests.get(url, timeout=30))
    assert response.status_code == 200
    assert response.content == data
    expected = SIZE * 8 / LIMIT
    assert abs(elapsed - expected) <= 0.15 * expected, (elapsed, expected)
    # Unthrottled, the same download is far faster than the limit would allow.
    fast, _ = _timed(lambda: requests.get(bucket.sign_url("GET", "big", 60), timeout=30))
    assert fast < expected / 2


def test_traffic_limit_throttles_an_upload(live_server: LiveServer, bucket_name: str) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    data = bytes(reversed(range(256))) * (SIZE // 256)
    url = bucket.sign_url("PUT", "up", 60, params={"x-oss-traffic-limit": str(LIMIT)})
    elapsed, response = _timed(lambda: requests.put(url, data=data, timeout=30))
    assert response.status_code == 200, response.text
    expected = SIZE * 8 / LIMIT
    assert abs(elapsed - expected) <= 0.15 * expected, (elapsed, expected)
    assert bucket.get_object("up").read() == data


def test_traffic_limit_range(live_server: LiveServer, bucket_name: str) -> None:
    bucket = _bucket(live_server, bucket_name, "v1")
    bucket.put_object("k", b"k")
    for value in ("819199", "838860801", "abc", ""):
        url = bucket.sign_url("GET", "k", 60, params={"x-oss-traffic-limit": value})
        response = requests.get(url, timeout=10)
        assert (response.status_code, _code(response)) == (400, "InvalidArgument"), value
        assert _element(response, "EC") == "0004-00000502"
    for value in ("819200", "838860800"):
        url = bucket.sign_url("GET", "k", 60, params={"x-oss-traffic-limit": value})
        assert requests.get(url, timeout=10).content == b"k"
    header = {"x-oss-traffic-limit": "819200"}
    both = bucket.sign_url("GET", "k", 60, headers=header, params=header)
    response = requests.get(both, headers=header, timeout=10)
    assert (response.status_code, _code(response)) == (400, "InvalidArgument")
    assert _element(response, "EC") == "0004-00000501"


@pytest.mark.parametrize("version", ["v1", "v4"])
@pytest.mark.parametrize(
    "params",
    [
        {"x-oss-ac-source-ip": "not-an-ip"},
        {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "33"},
        {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "²"},
        {"x-oss-ac-source-ip": "::ffff:127.0.0.1", "x-oss-ac-subnet-mask": "64"},
        {"x-oss-ac-source-ip": "127.0.0.1", "x-oss-ac-subnet-mask": "9" * 5000},
        {"x-oss-ac-source-ip": "fe80::1%eth0", "x-oss-ac-subnet-mask": "129"},
        {"x-oss-ac-subnet-mask": "-1"},
        {"x-oss-traffic-limit": "9" * 5000},
        {"x-oss-traffic-limit": "1e6"},
    ],
)
def test_garbage_restrictions_are_invalid_arguments(
    live_server: LiveServer, bucket_name: str, version: str, params: dict[str, str]
) -> None:
    bucket = _bucket(live_server, bucket_name, version)
    bucket.put_object("k", b"k")
    response = requests.get(bucket.sign_url("GET", "k", 60, params=params), timeout=10)
    assert (response.status_code, _code(response)) == (400, "InvalidArgument"), response.text
