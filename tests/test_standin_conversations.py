"""Channel methods: naming rules, membership, topics, archiving."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from tests.slack_standin import SlackStandIn
from tests.support.webapi import error


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Incident-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc#1", "invalid_name_specials"),
        ("incidënt", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_-_", "invalid_name_punctuation"),
    ],
)
def test_channel_name_rules(client: WebClient, name: str, code: str) -> None:
    assert error(lambda: client.conversations_create(name=name)) == code


@pytest.mark.parametrize("name", ["a", "inc-2024-db_down", "a" * 80, "42"])
def test_valid_channel_names(client: WebClient, name: str) -> None:
    assert client.conversations_create(name=name)["channel"]["name"] == name


def test_create_makes_the_bot_creator_and_member(client: WebClient, standin: SlackStandIn) -> None:
    channel = client.conversations_create(name="inc-7", is_private=True, team_id="T0FIRE")
    body = channel["channel"]
    assert body["id"].startswith("C")
    assert body["is_private"] is True
    assert body["creator"] == "U0FIREBOT"
    assert body["is_member"] is True
    assert body["topic"] == {"value": "", "creator": "", "last_set": 0}
    stored = standin.channel(body["id"])
    assert stored.members == {"U0FIREBOT"}
    assert stored.is_private
    assert standin.channel_by_name("inc-7") == stored


def test_name_taken_includes_archived_channels(client: WebClient, standin: SlackStandIn) -> None:
    assert error(lambda: client.conversations_create(name="general")) == "name_taken"
    channel_id = client.conversations_create(name="inc-old")["channel"]["id"]
    client.conversations_archive(channel=channel_id)
    assert standin.channel(channel_id).is_archived
    assert error(lambda: client.conversations_create(name="inc-old")) == "name_taken"


def test_invite_adds_members(client: WebClient, standin: SlackStandIn) -> None:
    channel_id = client.conversations_create(name="inc-8")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0ALICE,U0BOB")
    client.conversations_invite(channel=channel_id, users=["U0ALICE", "U0CAROL"])
    assert standin.channel(channel_id).members == {"U0FIREBOT", "U0ALICE", "U0BOB", "U0CAROL"}


def test_invite_errors(client: WebClient, standin: SlackStandIn) -> None:
    channel_id = client.conversations_create(name="inc-9")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U0ALICE")
    assert error(lambda: client.conversations_invite(channel=channel_id, users="U0ALICE")) == (
        "already_in_channel"
    )
    assert error(lambda: client.conversations_invite(channel=channel_id, users="U0FIREBOT")) == (
        "cant_invite_self"
    )
    assert error(lambda: client.conversations_invite(channel=channel_id, users="U0GHOST")) == (
        "user_not_found"
    )
    assert error(lambda: client.conversations_invite(channel="C0NOPE", users="U0BOB")) == (
        "channel_not_found"
    )
    # The bot is not in #general.
    assert error(lambda: client.conversations_invite(channel="C0GENERAL", users="U0BOB")) == (
        "not_in_channel"
    )
    client.conversations_archive(channel=channel_id)
    assert error(lambda: client.conversations_invite(channel=channel_id, users="U0BOB")) == (
        "is_archived"
    )
    assert error(lambda: client.api_call("conversations.invite", params={"channel": "x"})) == (
        "no_user"
    )


def test_private_channels_are_invisible_to_non_members(
    client: WebClient, standin: SlackStandIn
) -> None:
    secret = standin.add_channel("secret", is_private=True, members=["U0ALICE"])
    assert error(lambda: client.conversations_info(channel=secret)) == "channel_not_found"
    assert error(lambda: client.chat_postMessage(channel=secret, text="x")) == "channel_not_found"


def test_join_public_only(client: WebClient, standin: SlackStandIn) -> None:
    joined = client.conversations_join(channel="C0GENERAL")["channel"]
    assert joined["is_member"] is True
    assert "U0FIREBOT" in standin.channel("C0GENERAL").members
    again = client.conversations_join(channel="C0GENERAL")
    assert again["warning"] == "already_in_channel"
    private = standin.add_channel("hush", is_private=True, members=["U0ALICE"])
    assert error(lambda: client.conversations_join(channel=private)) == (
        "method_not_supported_for_channel_type"
    )
    assert error(lambda: client.conversations_join(channel="C0NOPE")) == "channel_not_found"


def test_info(client: WebClient) -> None:
    info = client.conversations_info(channel="C0INCIDENTS", include_num_members=True)["channel"]
    assert info["name"] == "incidents"
    assert info["num_members"] == 5
    assert info["is_member"]
    assert error(lambda: client.conversations_info(channel="C0NOPE")) == "channel_not_found"


def test_set_topic(client: WebClient, standin: SlackStandIn) -> None:
    body = client.conversations_setTopic(channel="C0INCIDENTS", topic="SEV1 | db down")
    assert body["channel"]["topic"]["value"] == "SEV1 | db down"
    assert standin.channel("C0INCIDENTS").topic == "SEV1 | db down"
    client.conversations_setTopic(channel="C0INCIDENTS", topic="x" * 250)
    too_long = "x" * 251
    assert error(lambda: client.conversations_setTopic(channel="C0INCIDENTS", topic=too_long)) == (
        "too_long"
    )
    assert error(lambda: client.conversations_setTopic(channel="C0GENERAL", topic="t")) == (
        "not_in_channel"
    )


def test_archive(client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-10")["channel"]["id"]
    client.conversations_archive(channel=channel_id)
    assert error(lambda: client.conversations_archive(channel=channel_id)) == "already_archived"
    assert error(lambda: client.chat_postMessage(channel=channel_id, text="x")) == "is_archived"
    assert error(lambda: client.conversations_archive(channel="C0NOPE")) == "channel_not_found"


def test_add_channel_seeding(standin: SlackStandIn) -> None:
    channel_id = standin.add_channel("oncall", members=["U0ALICE", "U0FIREBOT"])
    assert standin.channel(channel_id).members == {"U0ALICE", "U0FIREBOT"}
    with pytest.raises(ValueError, match="name_taken"):
        standin.add_channel("oncall")
    with pytest.raises(ValueError, match="invalid_name_specials"):
        standin.add_channel("On Call")
    assert standin.channel("C0GENERAL").members == {"U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"}
    assert "U0FIREBOT" in standin.channel("C0INCIDENTS").members


def test_history_reads_back_one_message_and_members_lists_the_channel() -> None:
    with SlackStandIn(signing_secret="s") as standin:
        client = WebClient(token=standin.bot_token, base_url=standin.api_url)
        first = client.chat_postMessage(channel="C0INCIDENTS", text="first")["ts"]
        client.chat_postMessage(channel="C0INCIDENTS", text="second")

        one = client.conversations_history(
            channel="C0INCIDENTS", latest=first, inclusive=True, limit=1
        )
        members = client.conversations_members(channel="C0INCIDENTS")["members"]

    assert [m["text"] for m in one["messages"]] == ["first"]
    assert "U0FIREBOT" in members
    assert "U0ALICE" in members


def _crowd(standin: SlackStandIn, size: int) -> str:
    """A private channel with the bot and ``size`` people in it."""
    people = [f"U1{n:05d}" for n in range(size)]
    for user_id in people:
        standin.add_user(user_id, f"person{user_id.lower()}")
    return standin.add_channel("crowd", is_private=True, members=["U0FIREBOT", *people])


def test_members_are_paged_with_cursors(client: WebClient, standin: SlackStandIn) -> None:
    channel_id = _crowd(standin, 2499)  # 2,500 members with the bot

    first = client.conversations_members(channel=channel_id)
    assert len(first["members"]) == 100  # Slack's default page
    capped = client.conversations_members(channel=channel_id, limit=5000)
    assert len(capped["members"]) == 1000  # at most 1000 a page
    assert capped["response_metadata"]["next_cursor"]

    seen: list[str] = []
    pages = 0
    for page in client.conversations_members(channel=channel_id, limit=1000):
        seen.extend(page["members"])
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(standin.channel(channel_id).members)
    assert len(seen) == len(set(seen)) == 2500
    last = client.conversations_members(channel="C0GENERAL", limit=1000)
    assert last["response_metadata"]["next_cursor"] == ""


def test_members_paging_errors(client: WebClient, standin: SlackStandIn) -> None:
    channel_id = _crowd(standin, 3)
    assert error(lambda: client.conversations_members(channel=channel_id, cursor="bm9wZQ")) == (
        "invalid_cursor"
    )
    assert error(lambda: client.conversations_members(channel=channel_id, limit=0)) == (
        "invalid_limit"
    )
    hidden = standin.add_channel("hidden", is_private=True, members=["U0ALICE"])
    assert error(lambda: client.conversations_members(channel=hidden)) == "channel_not_found"
