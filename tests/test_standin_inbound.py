"""Slack -> app: signing, slash commands, clicks, response_urls, events."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from tests.slack_standin import SlackStandIn
from tests.slack_standin.fakeapp import FakeApp, Received, Reply

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

CARD: list[dict[str, Any]] = [
    {
        "type": "section",
        "block_id": "summary",
        "text": {"type": "mrkdwn", "text": "*INC-1* db down"},
        "accessory": {
            "type": "static_select",
            "action_id": "severity",
            "placeholder": {"type": "plain_text", "text": "Severity"},
            "options": [
                {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
            ],
        },
    },
    {
        "type": "actions",
        "block_id": "card_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "ack",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "value": "INC-1",
                "style": "primary",
            },
            {"type": "users_select", "action_id": "owner"},
        ],
    },
]


@pytest.fixture
def app() -> Iterator[FakeApp]:
    with FakeApp(SECRET) as fake:
        yield fake
        assert fake.errors == []


@pytest.fixture
def standin(app: FakeApp) -> Iterator[SlackStandIn]:
    with SlackStandIn(SECRET) as server:
        server.request_url = app.url
        yield server
        assert server.internal_errors == []


def post_json(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# ---- signing ----------------------------------------------------------------------------


def test_signature_verifies_with_slack_sdk(standin: SlackStandIn, app: FakeApp) -> None:
    response = standin.post_signed(b"a=1&b=%2Fx", "application/x-www-form-urlencoded")
    assert response.status == 200
    received = app.received[-1]
    assert received.signature_valid
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(
        body=received.body,
        timestamp=received.headers["x-slack-request-timestamp"],
        signature=received.headers["x-slack-signature"],
    )
    assert received.body == b"a=1&b=%2Fx"


def test_forged_signature_and_old_timestamp_are_rejected(
    standin: SlackStandIn, app: FakeApp
) -> None:
    forged = standin.post_signed(b"{}", "application/json", forge_signature=True)
    assert forged.status == 401
    assert not app.received[-1].signature_valid
    assert forged.problems
    assert "HTTP 401" in forged.problems[0]
    stale = standin.post_signed(b"{}", "application/json", timestamp=int(time.time()) - 600)
    assert stale.status == 401
    assert app.received[-1].headers["x-slack-request-timestamp"] == str(int(time.time()) - 600)


def test_extra_headers_are_sent(standin: SlackStandIn, app: FakeApp) -> None:
    standin.post_signed(b"{}", "application/json", extra_headers={"X-Test": "1"})
    assert app.received[-1].headers["x-test"] == "1"


# ---- slash commands ---------------------------------------------------------------------


def test_slash_command_fields(standin: SlackStandIn, app: FakeApp) -> None:
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "declare db is down")
    received = app.received[-1]
    assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    assert b"command=%2Fincident" in received.body
    form = received.form
    assert {k: form[k] for k in ("team_id", "channel_id", "user_id", "command", "text")} == {
        "team_id": "T0FIRE",
        "channel_id": "C0INCIDENTS",
        "user_id": "U0ALICE",
        "command": "/incident",
        "text": "declare db is down",
    }
    assert form["channel_name"] == "incidents"
    assert form["user_name"] == "alice"
    assert form["team_domain"] == "firebreak-test"
    assert form["api_app_id"] == "A0FIRE"
    assert form["is_enterprise_install"] == "false"
    assert form["token"]
    assert form["response_url"].startswith(f"{standin.base_url}/response/")
    assert form["trigger_id"]


def test_retry_resends_the_identical_body(standin: SlackStandIn, app: FakeApp) -> None:
    standin.slash_command("U0BOB", "C0INCIDENTS", "/incident", "declare x")
    standin.slash_command(
        "U0BOB", "C0INCIDENTS", "/incident", "declare x", retry_num=1, retry_reason="http_timeout"
    )
    first, retry = app.received[-2:]
    assert retry.body == first.body
    assert retry.signature_valid
    assert retry.headers["x-slack-retry-num"] == "1"
    assert retry.headers["x-slack-retry-reason"] == "http_timeout"
    assert "x-slack-retry-num" not in first.headers
    standin.slash_command("U0BOB", "C0INCIDENTS", "/incident", "declare x")
    assert app.received[-1].form["trigger_id"] != first.form["trigger_id"]


def test_command_answers_are_shown(standin: SlackStandIn, app: FakeApp) -> None:
    app.responder = lambda _: Reply.json_body({"text": "Declaring…"})
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "declare")
    [shown] = standin.ephemerals("U0ALICE", "C0INCIDENTS")
    assert (shown.text, shown.source, shown.ephemeral_for) == ("Declaring…", "ack", "U0ALICE")
    app.responder = lambda _: Reply(body="plain words", content_type="text/plain")
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "help")
    assert standin.ephemerals("U0ALICE")[-1].text == "plain words"
    app.responder = lambda _: Reply.json_body({"response_type": "in_channel", "text": "INC-1"})
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident", "list")
    assert [(m.user, m.text) for m in standin.messages("C0INCIDENTS")] == [("U0ALICE", "INC-1")]


def test_command_answer_with_bad_blocks_is_a_problem(standin: SlackStandIn, app: FakeApp) -> None:
    bad = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    app.responder = lambda _: Reply.json_body({"text": "x", "blocks": bad})
    response = standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    assert "invalid_blocks" in response.problems[0]
    assert standin.ephemerals("U0ALICE") == []


def test_error_status_is_returned(standin: SlackStandIn, app: FakeApp) -> None:
    app.responder = lambda _: Reply(500, "boom", "text/plain")
    response = standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    assert (response.status, response.body) == (500, "boom")
    assert response.json() is None


def test_slash_command_needs_known_user_and_channel(standin: SlackStandIn) -> None:
    with pytest.raises(AssertionError, match="unknown user"):
        standin.slash_command("U0GHOST", "C0INCIDENTS", "/incident")
    with pytest.raises(AssertionError, match="unknown channel"):
        standin.slash_command("U0ALICE", "C0NOPE", "/incident")


# ---- response_url -----------------------------------------------------------------------


def test_response_url_use_limit(standin: SlackStandIn, app: FakeApp) -> None:
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    url = app.received[-1].form["response_url"]
    for i in range(5):
        assert post_json(url, {"text": f"update {i}"}) == (200, "ok")
    assert post_json(url, {"text": "sixth"}) == (404, "used_url")
    assert [m.source for m in standin.ephemerals("U0ALICE")] == ["response_url"] * 5
    assert [c.status for c in standin.response_url_calls] == [200] * 5 + [404]


def test_response_url_expires_after_30_minutes(standin: SlackStandIn, app: FakeApp) -> None:
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    url = app.received[-1].form["response_url"]
    standin.advance(30 * 60 + 1)
    assert post_json(url, {"text": "late"}) == (404, "expired_url")


def test_response_url_kinds(standin: SlackStandIn, app: FakeApp) -> None:
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    url = app.received[-1].form["response_url"]
    assert post_json(url, {"text": "working"}) == (200, "ok")
    assert post_json(url, {"text": "done", "replace_original": True}) == (200, "ok")
    [only] = standin.ephemerals("U0ALICE")
    assert only.text == "done"
    assert [e["text"] for e in only.edits] == ["working"]
    assert post_json(url, {"text": "public", "response_type": "in_channel"}) == (200, "ok")
    assert standin.messages("C0INCIDENTS")[-1].text == "public"
    bad = {"blocks": [{"type": "divider", "block_id": "b" * 256}]}
    assert post_json(url, bad) == (400, "invalid_blocks")
    assert post_json(url, {}) == (400, "no_text")
    assert post_json(f"{standin.base_url}/response/T0FIRE/9/nope", {"text": "x"}) == (
        404,
        "no_service",
    )


# ---- clicks -----------------------------------------------------------------------------


def test_button_click_payload(standin: SlackStandIn, app: FakeApp, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="card", blocks=CARD)["ts"]
    response = standin.click("U0BOB", "C0INCIDENTS", ts, "ack")
    assert response.status == 200
    assert response.problems == ()
    received = app.received[-1]
    assert received.form.keys() == {"payload"}
    payload = received.payload
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": "C0INCIDENTS",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C0INCIDENTS", "name": "incidents"}
    assert payload["message"]["ts"] == ts
    assert payload["message"]["blocks"][1]["block_id"] == ("card_actions")
    [action] = payload["actions"]
    assert action["action_id"] == "ack"
    assert action["block_id"] == "card_actions"
    assert action["value"] == "INC-1"
    assert action["text"]["text"] == "Acknowledge"
    assert action["type"] == "button"
    assert action["action_ts"]
    assert payload["response_url"].startswith(standin.base_url)
    assert payload["trigger_id"]
    assert payload["state"] == {"values": {}}


def test_select_clicks(standin: SlackStandIn, app: FakeApp, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="card", blocks=CARD)["ts"]
    standin.click("U0BOB", "C0INCIDENTS", ts, "severity", selected_option="sev2")
    action = app.received[-1].payload["actions"][0]
    assert action["selected_option"] == {
        "text": {"type": "plain_text", "text": "SEV2"},
        "value": "sev2",
    }
    assert action["block_id"] == "summary"
    standin.click("U0BOB", "C0INCIDENTS", ts, "owner", selected_user="U0CAROL")
    payload = app.received[-1].payload
    assert payload["actions"][0]["selected_user"] == "U0CAROL"
    assert payload["state"]["values"]["card_actions"]["owner"] == {
        "type": "users_select",
        "selected_user": "U0CAROL",
    }


def test_clicking_what_is_not_rendered_fails_loudly(
    standin: SlackStandIn, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="card", blocks=CARD)["ts"]
    with pytest.raises(AssertionError, match="no element with action_id 'resolve'"):
        standin.click("U0BOB", "C0INCIDENTS", ts, "resolve")
    with pytest.raises(AssertionError, match="not offered"):
        standin.click("U0BOB", "C0INCIDENTS", ts, "severity", selected_option="sev9")
    with pytest.raises(AssertionError, match="no message"):
        standin.click("U0BOB", "C0INCIDENTS", "1.000001", "ack")


def test_click_response_url_replaces_the_message(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="card", blocks=CARD)["ts"]
    standin.click("U0BOB", "C0INCIDENTS", ts, "ack")
    url = app.received[-1].payload["response_url"]
    assert post_json(url, {"text": "acked by bob", "replace_original": True}) == (200, "ok")
    [card] = standin.messages("C0INCIDENTS")
    assert card.text == "acked by bob"
    assert card.ts == ts
    assert post_json(url, {"delete_original": True}) == (200, "ok")
    assert standin.messages("C0INCIDENTS") == []


def test_click_on_an_ephemeral_message(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    ts = client.chat_postEphemeral(
        channel="C0INCIDENTS", user="U0ALICE", text="confirm?", blocks=CARD
    )["message_ts"]
    blocks = standin.ephemerals("U0ALICE")[-1].blocks
    standin.click("U0ALICE", "C0INCIDENTS", ts, "ack", ephemeral_blocks=blocks)
    payload = app.received[-1].payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    assert post_json(payload["response_url"], {"delete_original": True}) == (200, "ok")
    assert standin.ephemerals("U0ALICE") == []


def test_block_actions_answer_body_is_ignored_by_slack(
    standin: SlackStandIn, app: FakeApp, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="card", blocks=CARD)["ts"]
    app.responder = lambda _: Reply.json_body({"text": "ignored"})
    response = standin.click("U0BOB", "C0INCIDENTS", ts, "ack")
    assert "ignores the body" in response.problems[0]
    assert standin.ephemerals("U0BOB") == []


# ---- events -----------------------------------------------------------------------------


def test_event_envelope(standin: SlackStandIn, app: FakeApp) -> None:
    event = {"type": "app_mention", "user": "U0ALICE", "text": "<@U0FIREBOT> hi", "ts": "1.2"}
    standin.send_event(event)
    received = app.received[-1]
    assert received.headers["content-type"] == "application/json"
    assert received.signature_valid
    envelope = received.json
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == event
    assert envelope["event_id"].startswith("Ev")
    assert isinstance(envelope["event_time"], int)
    assert envelope["team_id"] == "T0FIRE"
    assert envelope["api_app_id"] == "A0FIRE"
    assert envelope["authorizations"] == [
        {
            "enterprise_id": None,
            "team_id": "T0FIRE",
            "user_id": "U0FIREBOT",
            "is_bot": True,
            "is_enterprise_install": False,
        }
    ]
    assert envelope["is_ext_shared_channel"] is False
    assert envelope["event_context"]


def test_event_retry_is_identical(standin: SlackStandIn, app: FakeApp) -> None:
    event = {"type": "reaction_added", "user": "U0ALICE", "reaction": "eyes"}
    standin.send_event(event)
    standin.send_event(event, retry_num=2, retry_reason="http_error")
    first, retry = app.received[-2:]
    assert retry.body == first.body
    assert retry.headers["x-slack-retry-num"] == "2"
    standin.send_event(event, event_id="Ev0FIXED")
    assert app.received[-1].json["event_id"] == "Ev0FIXED"


def test_url_verification(standin: SlackStandIn, app: FakeApp) -> None:
    app.responder = lambda r: Reply.json_body({"challenge": r.json["challenge"]})
    response = standin.url_verification("3eZbrw1aBm2rZgRNFdxV")
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}
    assert app.received[-1].json["type"] == "url_verification"


def test_say_and_react(standin: SlackStandIn, app: FakeApp) -> None:
    message, response = standin.say("U0CAROL", "C0INCIDENTS", "status: mitigated")
    assert response.status == 200
    event = app.received[-1].json["event"]
    assert (event["type"], event["user"], event["ts"], event["channel_type"]) == (
        "message",
        "U0CAROL",
        message.ts,
        "channel",
    )
    standin.react("U0ALICE", "C0INCIDENTS", message.ts, "pushpin")
    reaction = app.received[-1].json["event"]
    assert reaction["item"] == {"type": "message", "channel": "C0INCIDENTS", "ts": message.ts}
    assert reaction["item_user"] == "U0CAROL"
    assert standin.messages("C0INCIDENTS")[0].reactions == {"pushpin": ["U0ALICE"]}


def test_wait_for_work_done_after_the_ack(standin: SlackStandIn, app: FakeApp) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)

    def ack_then_work(request: Received) -> Reply:
        import threading

        threading.Timer(
            0.1, lambda: client.chat_postMessage(channel="C0INCIDENTS", text="later")
        ).start()
        return Reply()

    app.responder = ack_then_work
    standin.slash_command("U0ALICE", "C0INCIDENTS", "/incident")
    standin.wait_for(lambda: len(standin.messages("C0INCIDENTS")) == 1, what="the card")
    with pytest.raises(AssertionError, match="timed out"):
        standin.wait_for(lambda: False, timeout=0.1)
