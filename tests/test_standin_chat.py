"""Message methods: posting, DMs, ephemerals, edits, permalinks, pins, reactions."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from tests.slack_standin import SlackStandIn
from tests.support.webapi import error

# slack_sdk warns when a message has no top-level text; some tests omit it on purpose.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing"),
    pytest.mark.filterwarnings("ignore:Additionally, the attachment-level `fallback`"),
]

BUTTONS = [
    {
        "type": "actions",
        "block_id": "card_actions",
        "elements": [
            {"type": "button", "action_id": "ack", "text": {"type": "plain_text", "text": "Ack"}}
        ],
    }
]


def test_post_message_shape_and_storage(client: WebClient, standin: SlackStandIn) -> None:
    body = client.chat_postMessage(channel="C0INCIDENTS", text="declared", blocks=BUTTONS)
    assert body["channel"] == "C0INCIDENTS"
    assert body["message"]["ts"] == body["ts"]
    assert body["message"]["bot_id"]
    assert body["message"]["blocks"][0]["block_id"] == "card_actions"
    stored = standin.messages("C0INCIDENTS")[-1]
    assert (stored.ts, stored.user, stored.text, stored.source) == (
        body["ts"],
        "U0FIREBOT",
        "declared",
        "chat.postMessage",
    )
    assert stored.ephemeral_for is None
    assert stored.thread_ts is None


def test_timestamps_strictly_increase(client: WebClient, standin: SlackStandIn) -> None:
    standin.rate_limits = False
    stamps = [client.chat_postMessage(channel="C0INCIDENTS", text=str(i))["ts"] for i in range(8)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 8
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_threads(client: WebClient, standin: SlackStandIn) -> None:
    parent = client.chat_postMessage(channel="C0INCIDENTS", text="root")["ts"]
    client.chat_postMessage(channel="C0INCIDENTS", text="reply", thread_ts=parent)
    assert standin.messages("C0INCIDENTS")[-1].thread_ts == parent


def test_post_message_errors(client: WebClient, standin: SlackStandIn) -> None:
    standin.rate_limits = False
    assert error(lambda: client.chat_postMessage(channel="C0NOPE", text="x")) == (
        "channel_not_found"
    )
    # Public, but the bot has not joined and has no chat:write.public.
    assert error(lambda: client.chat_postMessage(channel="C0GENERAL", text="x")) == (
        "not_in_channel"
    )
    assert error(lambda: client.chat_postMessage(channel="C0INCIDENTS")) == "no_text"
    assert error(lambda: client.chat_postMessage(channel="C0INCIDENTS", text="  ")) == "no_text"
    assert error(lambda: client.chat_postMessage(channel="C0INCIDENTS", text="x" * 40_001)) == (
        "msg_too_long"
    )
    client.chat_postMessage(channel="C0INCIDENTS", text="x" * 40_000)
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    assert error(lambda: client.chat_postMessage(channel="C0INCIDENTS", blocks=bad)) == (
        "invalid_blocks"
    )
    assert error(
        lambda: client.chat_postMessage(channel="C0INCIDENTS", attachments=[{"text": "a"}] * 101)
    ) == ("too_many_attachments")


def test_attachments_or_blocks_alone_are_enough(client: WebClient) -> None:
    client.chat_postMessage(channel="C0INCIDENTS", blocks=[{"type": "divider"}])
    client.chat_postMessage(channel="C0INCIDENTS", attachments=[{"text": "a", "color": "#f00"}])


def test_dm_by_user_id(client: WebClient, standin: SlackStandIn) -> None:
    body = client.chat_postMessage(channel="U0BOB", text="you are on call")
    assert body["channel"].startswith("D")
    client.chat_postMessage(channel=body["channel"], text="second")
    assert [m.text for m in standin.dms("U0BOB")] == ["you are on call", "second"]
    assert standin.dms("U0ALICE") == []
    assert client.conversations_info(channel=body["channel"])["channel"]["is_im"] is True


def test_ephemeral(client: WebClient, standin: SlackStandIn) -> None:
    body = client.chat_postEphemeral(channel="C0INCIDENTS", user="U0ALICE", text="only you")
    seen = standin.ephemerals("U0ALICE")
    assert [(m.text, m.ts, m.source) for m in seen] == [
        ("only you", body["message_ts"], "chat.postEphemeral")
    ]
    assert standin.ephemerals("U0ALICE", "C0GENERAL") == []
    assert standin.messages("C0INCIDENTS") == []
    standin.add_user("U0ERIN", "erin")
    assert error(
        lambda: client.chat_postEphemeral(channel="C0INCIDENTS", user="U0ERIN", text="x")
    ) == ("user_not_in_channel")
    assert error(
        lambda: client.chat_postEphemeral(channel="C0INCIDENTS", user="U0GHOST", text="x")
    ) == ("user_not_found")


def test_update_in_place_and_keeps_history(client: WebClient, standin: SlackStandIn) -> None:
    first = client.chat_postMessage(channel="C0INCIDENTS", text="v1", blocks=BUTTONS)["ts"]
    client.chat_postMessage(channel="C0INCIDENTS", text="after")
    body = client.chat_update(channel="C0INCIDENTS", ts=first, text="v2")
    assert body["ts"] == first
    assert body["text"] == "v2"
    messages = standin.messages("C0INCIDENTS")
    assert [m.text for m in messages] == ["v2", "after"]
    # Slack keeps the blocks when an update sends only text.
    assert messages[0].blocks[0]["block_id"] == "card_actions"
    assert [e["text"] for e in messages[0].edits] == ["v1"]
    client.chat_update(channel="C0INCIDENTS", ts=first, text="v3", blocks=[])
    assert standin.messages("C0INCIDENTS")[0].blocks == []


def test_update_errors(client: WebClient, standin: SlackStandIn) -> None:
    assert error(lambda: client.chat_update(channel="C0INCIDENTS", ts="1.000001", text="x")) == (
        "message_not_found"
    )
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="mine")["ts"]
    bad = [{"type": "header", "text": {"type": "mrkdwn", "text": "no"}}]
    assert error(lambda: client.chat_update(channel="C0INCIDENTS", ts=ts, blocks=bad)) == (
        "invalid_blocks"
    )


def test_cannot_update_someone_elses_message(standin: SlackStandIn, client: WebClient) -> None:
    from tests.slack_standin.fakeapp import FakeApp

    with FakeApp("s3cret") as app:
        standin.request_url = app.url
        message, _ = standin.say("U0ALICE", "C0INCIDENTS", "human words")
    assert error(
        lambda: client.chat_update(channel="C0INCIDENTS", ts=message.ts, text="edited")
    ) == ("cant_update_message")


def test_permalink(client: WebClient, standin: SlackStandIn) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="x")["ts"]
    link = client.chat_getPermalink(channel="C0INCIDENTS", message_ts=ts)["permalink"]
    assert link == f"{standin.base_url}/archives/C0INCIDENTS/p{ts.replace('.', '')}"
    assert error(lambda: client.chat_getPermalink(channel="C0INCIDENTS", message_ts="1.2")) == (
        "message_not_found"
    )


def test_pins(client: WebClient, standin: SlackStandIn) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="summary")["ts"]
    client.pins_add(channel="C0INCIDENTS", timestamp=ts)
    assert standin.channel("C0INCIDENTS").pins == [ts]
    assert error(lambda: client.pins_add(channel="C0INCIDENTS", timestamp=ts)) == "already_pinned"
    assert error(lambda: client.pins_add(channel="C0INCIDENTS", timestamp="1.000002")) == (
        "message_not_found"
    )
    assert error(lambda: client.pins_add(channel="C0GENERAL", timestamp=ts)) == "not_in_channel"
    assert error(lambda: client.api_call("pins.add", params={"channel": "C0INCIDENTS"})) == (
        "no_item_specified"
    )


def test_reactions(client: WebClient, standin: SlackStandIn) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENTS", text="x")["ts"]
    client.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="eyes")
    assert standin.messages("C0INCIDENTS")[0].reactions == {"eyes": ["U0FIREBOT"]}
    assert error(
        lambda: client.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="eyes")
    ) == ("already_reacted")
    assert error(
        lambda: client.reactions_add(channel="C0INCIDENTS", timestamp=ts, name=":eyes:")
    ) == ("invalid_name")
    assert error(
        lambda: client.reactions_add(channel="C0INCIDENTS", timestamp="1.000003", name="x")
    ) == ("message_not_found")


def test_concurrent_posts_are_all_kept_with_unique_timestamps(standin: SlackStandIn) -> None:
    from concurrent.futures import ThreadPoolExecutor

    standin.rate_limits = False

    def post(i: int) -> str:
        client = WebClient(token="xoxb-standin", base_url=standin.api_url)
        ts: str = client.chat_postMessage(channel="C0INCIDENTS", text=str(i))["ts"]
        return ts

    with ThreadPoolExecutor(max_workers=8) as pool:
        stamps = list(pool.map(post, range(40)))
    assert len(set(stamps)) == 40
    stored = standin.messages("C0INCIDENTS")
    assert len(stored) == 40
    assert [m.ts for m in stored] == sorted(stamps, key=float)
