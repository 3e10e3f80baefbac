"""Rate limits (token buckets per tier, per channel for chat.postMessage) and faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from tests.slack_standin import SlackStandIn
from tests.slack_standin.ratelimit import RateLimiter


def bare_client(standin: SlackStandIn) -> WebClient:
    """A client that retries nothing, to see Slack's answers as they are."""
    return WebClient(token="xoxb-standin", base_url=standin.api_url, retry_handlers=[])


def failure(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value


# ---- rate limits ------------------------------------------------------------------------


def test_tier2_bucket_and_retry_after(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    for i in range(20):  # conversations.create is Tier 2: 20 per minute
        client.conversations_create(name=f"inc-{i}")
    limited = failure(lambda: client.conversations_create(name="inc-20"))
    assert limited.response.status_code == 429
    assert limited.response["error"] == "ratelimited"
    assert limited.response.headers["Retry-After"] == "3"  # one call per 60/20 s
    recorded = standin.calls_to("conversations.create")[-1]
    assert (recorded.status, recorded.error) == (429, "ratelimited")
    # Other methods have their own buckets.
    client.users_info(user="U0ALICE")
    standin.advance(3)
    client.conversations_create(name="inc-20")


def test_post_message_is_limited_per_channel(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    for _ in range(5):
        client.chat_postMessage(channel="C0INCIDENTS", text="burst")
    limited = failure(lambda: client.chat_postMessage(channel="C0INCIDENTS", text="one more"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel="U0ALICE", text="another channel is fine")
    standin.advance(1)
    client.chat_postMessage(channel="C0INCIDENTS", text="refilled")
    assert len(standin.messages("C0INCIDENTS")) == 6


def test_rate_limits_can_be_switched_off(standin: SlackStandIn) -> None:
    standin.rate_limits = False
    client = bare_client(standin)
    for i in range(12):
        client.chat_postMessage(channel="C0INCIDENTS", text=str(i))


def test_slack_sdk_retry_handler_gets_through(standin: SlackStandIn) -> None:
    client = WebClient(
        token="xoxb-standin",
        base_url=standin.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    for i in range(6):
        client.chat_postMessage(channel="C0INCIDENTS", text=str(i))
    statuses = [c.status for c in standin.calls_to("chat.postMessage")]
    assert statuses == [200] * 5 + [429, 200]
    assert len(standin.messages("C0INCIDENTS")) == 6


def test_bucket_refills_continuously() -> None:
    now = [1000.0]
    limiter = RateLimiter(lambda: now[0])
    assert limiter.check("pins.add", "Tier1") is None
    assert limiter.check("pins.add", "Tier1") == 60
    now[0] += 30
    assert limiter.check("pins.add", "Tier1") == 30
    now[0] += 30
    assert limiter.check("pins.add", "Tier1") is None
    assert limiter.check("auth.test", "SpecialTier_auth_test") is None
    with pytest.raises(ValueError, match="no rate limit"):
        limiter.check("x", "Tier9")


# ---- faults -----------------------------------------------------------------------------


def test_server_error(standin: SlackStandIn) -> None:
    standin.fail("chat.postMessage", status=500)
    client = bare_client(standin)
    broken = failure(lambda: client.chat_postMessage(channel="C0INCIDENTS", text="x"))
    assert broken.response.status_code == 500
    assert broken.response["error"] == "internal_error"
    client.chat_postMessage(channel="C0INCIDENTS", text="x")  # only once
    assert [c.status for c in standin.calls] == [500, 200]
    assert len(standin.messages("C0INCIDENTS")) == 1


def test_server_error_retry_handler_gets_through(standin: SlackStandIn) -> None:
    standin.fail("users.info", status=500, times=1)
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=1))
    assert client.users_info(user="U0BOB")["user"]["name"] == "bob"


def test_injected_429(standin: SlackStandIn) -> None:
    standin.fail("views.open", status=429, retry_after=7, times=2)
    client = bare_client(standin)
    for _ in range(2):
        limited = failure(lambda: client.views_open(trigger_id="t", view={}))
        assert limited.response.status_code == 429
        assert limited.response.headers["Retry-After"] == "7"
        assert limited.response["error"] == "ratelimited"
    assert failure(lambda: client.views_open(trigger_id="t", view={})).response["error"] == (
        "invalid_trigger_id"
    )


def test_ok_false_with_http_200(standin: SlackStandIn) -> None:
    standin.fail("conversations.create", status=200, error="restricted_action")
    client = bare_client(standin)
    refused = failure(lambda: client.conversations_create(name="inc-1"))
    assert (refused.response.status_code, refused.response["error"]) == (200, "restricted_action")


def test_any_method_and_delay(standin: SlackStandIn) -> None:
    client = bare_client(standin)
    standin.fail("*", status=200, delay=0.3)  # latency only, then a normal answer
    started = time.monotonic()
    assert client.auth_test()["ok"]
    assert time.monotonic() - started >= 0.3
    standin.latency = 0.2
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.2


def test_connection_reset(standin: SlackStandIn) -> None:
    standin.fail("chat.postMessage", connection_reset=True)
    with pytest.raises((ConnectionError, OSError)):
        bare_client(standin).chat_postMessage(channel="C0INCIDENTS", text="lost")
    assert standin.messages("C0INCIDENTS") == []
    standin.fail("chat.postMessage", connection_reset=True)
    # slack_sdk retries connection errors once by default.
    default = WebClient(token="xoxb-standin", base_url=standin.api_url)
    default.chat_postMessage(channel="C0INCIDENTS", text="delivered")
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [0, 0, 200]
    assert [m.text for m in standin.messages("C0INCIDENTS")] == ["delivered"]


def test_clear_faults(standin: SlackStandIn) -> None:
    standin.fail("*", status=503, times=100)
    standin.clear_faults()
    assert bare_client(standin).auth_test()["ok"]
