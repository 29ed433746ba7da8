"""The ossbox.testing pytest plugin used the way an application's test suite uses it: only its
fixtures (`ossbox_server`, `ossbox_admin`), none of this project's own test helpers."""

from __future__ import annotations

import oss2
import pytest
import requests

from ossbox.testing import OssboxAdmin, OssboxServer, allow
from tests.testing.reports import ReportStore


@pytest.fixture(scope="module")
def store(ossbox_server: OssboxServer, ossbox_admin: OssboxAdmin) -> ReportStore:
    bucket = ossbox_admin.create_bucket("reports-bucket")
    policy = allow(["oss:PutObject", "oss:GetObject"], [f"acs:oss:*:*:{bucket}/reports/*"])
    ossbox_admin.create_policy("ReportWriter", policy)
    user = ossbox_admin.create_user("report-app", policies=["ReportWriter"])
    return ReportStore(
        ossbox_server.endpoint,
        bucket,
        user.access_key_id,
        user.access_key_secret,
        ossbox_server.region,
    )


def test_a_published_report_downloads_through_its_signed_url(store: ReportStore) -> None:
    url = store.publish("q3", "revenue up")

    reply = requests.get(url, timeout=10)

    assert reply.status_code == 200
    assert reply.text == "revenue up"


def test_a_tampered_signed_url_is_refused(store: ReportStore) -> None:
    url = store.publish("q4", "secret")

    reply = requests.get(url.replace("reports/q4", "reports/q3"), timeout=10)

    assert reply.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in reply.text


def test_the_app_user_is_held_to_its_policy(
    ossbox_server: OssboxServer, ossbox_admin: OssboxAdmin, store: ReportStore
) -> None:
    user = ossbox_admin.create_user(policies=["ReportWriter"])  # the policy `store` made
    auth = oss2.AuthV4(user.access_key_id, user.access_key_secret)
    bucket = oss2.Bucket(auth, ossbox_server.endpoint, "reports-bucket", region="cn-hangzhou")

    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.put_object("elsewhere/x.txt", b"no")
