"""The default chain: order, skip vs stop, sticky provider, pinning, explain without network."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ossbox.credentials.chain import DefaultCredentialsChain
from ossbox.credentials.errors import ChainError, ProfileError
from tests.credentials.fakes import FakeImds, FakeSts, Seen, serving, sts_credentials

NOTHING = {"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
ENV_AK = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenvKey0001",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
}


@pytest.fixture(autouse=True)
def empty_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def ini(home: Path) -> None:
    path = home / ".alibabacloud" / "credentials.ini"
    path.parent.mkdir()
    path.write_text(
        "[default]\ntype = access_key\naccess_key_id = LTAIiniKey0002\n"
        "access_key_secret = ini-secret\n"
    )


def test_environment_comes_first_and_is_sticky(empty_home: Path) -> None:
    ini(empty_home)
    env = dict(NOTHING, **ENV_AK)
    chain = DefaultCredentialsChain(env=env)
    got = chain.get_credentials()
    assert (got.access_key_id, got.provider) == ("LTAIenvKey0001", "default/env")
    assert chain.served_by == "default/env"
    env["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "LTAIrotated"  # env is read at every call...
    assert chain.get_credentials().access_key_id == "LTAIrotated"
    assert chain.get_credentials() is chain.get_credentials()  # ...and labelled once


def test_profile_serves_when_nothing_earlier_is_configured(empty_home: Path) -> None:
    ini(empty_home)
    got = asyncio.run(DefaultCredentialsChain(env=NOTHING).get_credentials_async())
    assert (got.access_key_id, got.provider) == ("LTAIiniKey0002", "default/profile/static_ak")


def test_nothing_configured_lists_every_step() -> None:
    with pytest.raises(ChainError) as info:
        DefaultCredentialsChain(env=NOTHING).get_credentials()
    text = str(info.value)
    steps = ["env", "oidc_role_arn", "cli_profile", "profile", "ecs_ram_role", "credentials_uri"]
    assert [o.step for o in info.value.outcomes] == steps
    assert all(o.status == "skipped" for o in info.value.outcomes)
    assert "ALIBABA_CLOUD_ECS_METADATA_DISABLED" in text and "ALIBABA_CLOUD_CREDENTIALS_URI" in text


def test_configured_but_failing_stops_the_chain(empty_home: Path, tmp_path: Path) -> None:
    ini(empty_home)  # configured later in the chain, but never reached
    token_file = tmp_path / "token"
    token_file.write_text("bad-jwt")
    with serving(FakeSts(oidc_tokens={"good-jwt"})) as sts:
        env = dict(
            NOTHING,
            ALIBABA_CLOUD_ROLE_ARN="acs:ram::1:role/r",
            ALIBABA_CLOUD_OIDC_PROVIDER_ARN="acs:ram::1:oidc-provider/p",
            ALIBABA_CLOUD_OIDC_TOKEN_FILE=str(token_file),
            ALIBABA_CLOUD_STS_ENDPOINT=sts.url,
        )
        chain = DefaultCredentialsChain(env=env)
        with pytest.raises(ChainError, match="stopped at oidc_role_arn") as info:
            chain.get_credentials()
        assert [(o.step, o.status) for o in info.value.outcomes] == [
            ("env", "skipped"),
            ("oidc_role_arn", "failed"),
        ]
        assert "InvalidParameter.OIDCToken" in str(info.value) and "bad-jwt" not in str(info.value)
        token_file.write_text("good-jwt")
        got = chain.get_credentials()  # a later call walks again and succeeds
        assert got.provider == "default/oidc_role_arn" and got.expiration is not None


def test_oidc_token_from_the_environment(tmp_path: Path) -> None:
    with serving(FakeSts(oidc_tokens={"env-jwt"})) as sts:
        env = dict(
            NOTHING,
            ALIBABA_CLOUD_ROLE_ARN="acs:ram::1:role/r",
            ALIBABA_CLOUD_OIDC_PROVIDER_ARN="acs:ram::1:oidc-provider/p",
            ALIBABA_CLOUD_OIDC_TOKEN="env-jwt",
            ALIBABA_CLOUD_STS_ENDPOINT=sts.url,
        )
        assert DefaultCredentialsChain(env=env).get_credentials().access_key_id == "STS.NUCe0001"


def test_a_half_set_environment_is_an_error_not_a_skip() -> None:
    env = dict(NOTHING, ALIBABA_CLOUD_ACCESS_KEY_ID="LTAIonly")
    with pytest.raises(ChainError, match="ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"):
        DefaultCredentialsChain(env=env).get_credentials()


def test_an_absent_metadata_service_is_skipped_then_the_uri_serves() -> None:
    def uri(seen: Seen) -> tuple[int, object]:
        return 200, {"Code": "Success", **sts_credentials(5)}

    with serving(uri) as server:
        env = {
            "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT": "127.0.0.1:9",
            "ALIBABA_CLOUD_CREDENTIALS_URI": f"{server.url}/creds",
        }
        chain = DefaultCredentialsChain(env=env)
        got = chain.get_credentials()
        assert got.provider == "default/credentials_uri" and got.access_key_id == "STS.NUCe0005"


def test_an_explicit_ecs_role_serves_and_a_broken_one_stops() -> None:
    with serving(FakeImds()) as imds:
        env = {
            "ALIBABA_CLOUD_ECS_METADATA": "EcsRole",
            "ALIBABA_CLOUD_ECS_METADATA_ENDPOINT": imds.url,
        }
        assert DefaultCredentialsChain(env=env).get_credentials().provider == "default/ecs_ram_role"
        env["ALIBABA_CLOUD_ECS_METADATA"] = "NoSuchRole"
        with pytest.raises(ChainError, match="stopped at ecs_ram_role"):
            DefaultCredentialsChain(env=env).get_credentials()


def test_pinning_narrows_and_orders_the_chain(empty_home: Path) -> None:
    ini(empty_home)
    env = dict(NOTHING, **ENV_AK, ALIBABA_CLOUD_CREDENTIALS_PROVIDER="profile,env")
    assert (
        DefaultCredentialsChain(env=env).get_credentials().provider == "default/profile/static_ak"
    )
    env["ALIBABA_CLOUD_CREDENTIALS_PROVIDER"] = "ecs_ram_role"
    with pytest.raises(ChainError) as info:
        DefaultCredentialsChain(env=env).get_credentials()
    assert [o.step for o in info.value.outcomes] == ["ecs_ram_role"]
    env["ALIBABA_CLOUD_CREDENTIALS_PROVIDER"] = "env,imds"
    with pytest.raises(ProfileError, match="unknown steps"):
        DefaultCredentialsChain(env=env).get_credentials()


def test_explain_makes_no_network_call_and_shows_no_secret(empty_home: Path) -> None:
    ini(empty_home)
    with serving(FakeImds()) as imds:
        env = dict(
            ENV_AK,
            ALIBABA_CLOUD_ECS_METADATA="EcsRole",
            ALIBABA_CLOUD_ECS_METADATA_ENDPOINT=imds.url,
            ALIBABA_CLOUD_CREDENTIALS_URI="http://127.0.0.1:1/creds?token=zzz",
        )
        chain = DefaultCredentialsChain(env=env)
        text = str(chain.explain())
        assert imds.seen == []
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert "would try" in lines["env"] and "…0001" in lines["env"]
    assert "not reached" in lines["profile"] and "not reached" in lines["ecs_ram_role"]
    assert "skipped" in lines["oidc_role_arn"]
    for secret in ("env-secret", "ini-secret", "token=zzz", "LTAIenvKey"):
        assert secret not in text
    chain.get_credentials()
    assert "served" in str(chain.explain()) and "default/env" in str(chain.explain())


def test_concurrent_first_calls_walk_once() -> None:
    calls: list[int] = []

    def uri(seen: Seen) -> tuple[int, object]:
        calls.append(1)
        return 200, {"Code": "Success", **sts_credentials(1)}

    with serving(uri, delay=0.2) as server:
        chain = DefaultCredentialsChain(env=dict(NOTHING, ALIBABA_CLOUD_CREDENTIALS_URI=server.url))

        async def main() -> None:
            await asyncio.gather(*(chain.get_credentials_async() for _ in range(50)))

        asyncio.run(main())
    assert calls == [1]
