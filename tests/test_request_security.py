"""Requests that Slack did not sign, or signed too long ago, never reach a listener."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

from tests.support.harness import ALICE, GENERAL, Harness


def test_a_forged_signature_is_refused(harness: Harness) -> None:
    response = harness.command("declare Forged", forge_signature=True)

    assert response.status == 401
    assert harness.incidents() == []
    assert harness.standin.calls_to("conversations.create") == []


def test_a_stale_timestamp_is_refused(harness: Harness) -> None:
    response = harness.command("declare Replayed", timestamp=int(time.time()) - 10 * 60)

    assert response.status == 401
    assert harness.incidents() == []


def test_an_unsigned_request_is_refused(harness: Harness) -> None:
    assert harness.standin.request_url is not None
    body = b"command=%2Fincident&text=declare+Unsigned&user_id=U0ALICE&channel_id=C0GENERAL"
    request = urllib.request.Request(
        harness.standin.request_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    assert harness.incidents() == []
    assert harness.standin.ephemerals(ALICE, GENERAL) == []


def test_health_endpoint_reports_the_database(harness: Harness) -> None:
    assert harness.standin.request_url is not None
    url = harness.standin.request_url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.status == 200
        assert response.read() == b'{"status": "ok", "database": "ok"}'


def test_url_verification_is_answered(harness: Harness) -> None:
    response = harness.standin.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )

    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.body
