"""Malformed KMS and ActionTrail calls get an RPC error in the RPC error shape: never a 500,
a hang or a stack trace."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ossbox.signing.rpc import sign_rpc
from tests.conftest import LiveServer
from tests.kms.world import create_user_secret, kms_call

ACTIONTRAIL_VERSION = "2020-07-06"


def assert_rpc_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["Code"] == code, body
    assert set(body) >= {"RequestId", "HostId", "Code", "Message"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"LookupAttribute.01.Key": "EventName", "LookupAttribute.01.Value": "x"}, ""),
        ({"LookupAttribute.1.Key": "EventName"}, ""),
        ({"NextToken": "////"}, "InvalidParameter"),
        ({"NextToken": "WzFd"}, "InvalidParameter"),  # a JSON list
        ({"NextToken": "gA=="}, "InvalidParameter"),  # not UTF-8
        ({"MaxResults": "51"}, "InvalidParameter"),
        ({"MaxResults": "-1"}, "InvalidParameter"),
        (
            {"StartTime": "2026-13-01T00:00:00Z", "EndTime": "2026-12-01T00:00:00Z"},
            "InvalidParameter",
        ),
        ({"Direction": "SIDEWAYS"}, "InvalidParameter"),
    ],
)
def test_lookup_events_bad_parameters(
    live_server: LiveServer, params: dict[str, str], code: str
) -> None:
    response = kms_call(live_server, "LookupEvents", params, version=ACTIONTRAIL_VERSION)
    if code:
        assert_rpc_error(response, 400, code)
    else:
        assert response.status_code == 200, response.text
