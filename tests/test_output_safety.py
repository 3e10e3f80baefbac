"""User text never turns into a ping or a link when Firebreak shows it in Slack.

Every free-text input gets the same hostile text: a broadcast, a mention of Bob (who takes
no part in the incident, so the bot never has a reason to mention him), a user-group ping
and a link. Slash commands carry it as Slack delivers it (mentions and links as markup, or
the characters typed literally and escaped by Slack); modal inputs carry it raw. Then every
Web API call, response_url POST and HTTP answer the bot sent is read the way Slack reads
it: only mrkdwn and message ``text`` are parsed for mentions and links, so plain_text
objects and input values may keep the characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from commands.text import escape
from tests.support.harness import (
    ALICE,
    BROADCAST_CHANNEL,
    CAROL,
    GENERAL,
    Harness,
    running_firebreak,
)
from tests.support.policies import with_rotation

RAW = (
    "<!channel> <!here> <!everyone> <@U0BOB> <https://evil.example|login> "
    "<!subteam^S0ADMINS> *bold* `code`"
)
"""What a user types into a modal input (delivered exactly as typed)."""

MARKUP = (
    "<!channel> <!here|here> <!everyone> <@U0BOB|bob> <https://evil.example|login> "
    "<!subteam^S0ADMINS|@firebreak-admins> *bold* `code`"
)
"""The same, typed as @channel, @bob, a link… into a slash command: Slack sends markup."""

TYPED = escape(RAW)
"""The same characters typed literally into a slash command: Slack escapes them."""

LEAKS = re.compile(r"<!(?:channel|here|everyone|subteam\^S0ADMINS)|<@U0BOB|<https?://evil", re.I)
"""Markup that would ping someone or link to the attacker's site."""

NOT_PARSED = frozenset(
    {
        "value",
        "initial_value",
        "private_metadata",
        "action_id",
        "block_id",
        "callback_id",
        "external_id",
        "title",  # a file's title; modal titles are plain_text objects, skipped anyway
        "filename",
        "url",
        "channel",
        "channel_id",
        "user",
        "users",
        "ts",
        "trigger_id",
        "view_id",
        "name",  # a channel name: Slack's own rules keep it to [a-z0-9_-]
    }
)
"""Argument and Block Kit keys Slack never parses for mentions or links."""


def parsed_strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (path, text) Slack would parse for mentions and links in ``node``."""
    if isinstance(node, dict):
        if node.get("type") == "plain_text":
            return
        for key, value in node.items():
            if key in NOT_PARSED:
                continue
            yield from parsed_strings(_decoded(value), f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from parsed_strings(item, f"{path}/{index}")
    elif isinstance(node, str):
        yield path, node


def _decoded(value: Any) -> Any:
    """Web API arguments may carry blocks, views and files as JSON strings."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def leaks(harness: Harness) -> list[str]:
    """What the bot sent that Slack would turn into a ping or a link from user text."""
    sent: list[tuple[str, Any]] = [(c.method, c.args) for c in harness.standin.calls]
    sent += [("response_url", c.args) for c in harness.standin.response_url_calls]
    for user in (ALICE, CAROL):
        sent += [
            ("ack", {"text": m.text, "blocks": m.blocks})
            for m in harness.standin.ephemerals(user)
            if m.source == "ack"
        ]
    found = []
    for method, args in sent:
        for path, text in parsed_strings(args):
            if LEAKS.search(text):
                found.append(f"{method} {path}: {text[:300]!r}")
    return found


@pytest.fixture
def safe(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url, with_rotation()) as harness:
        harness.standin.rate_limits = False
        yield harness


def _slash(harness: Harness, text: str, channel: str, *, command: str = "/incident") -> None:
    response = harness.standin.slash_command(ALICE, channel, command, text)
    harness.settle()
    assert response.status == 200, response.body
    assert response.problems == (), response.problems


def _open_view(harness: Harness) -> str:
    last = harness.standin.ephemerals(ALICE)[-1].text
    (view,) = harness.standin.open_views(ALICE) or [pytest.fail(f"no form; last said {last}")]
    return view.id


def _submit(harness: Harness, values: dict[str, object]) -> None:
    response = harness.submit(ALICE, _open_view(harness), values)
    assert response.status == 200, response.body
    assert response.problems == (), response.problems


@pytest.mark.parametrize("slash_text", [MARKUP, TYPED], ids=["markup", "typed"])
def test_hostile_text_in_every_input_pings_nobody_and_links_nowhere(
    safe: Harness, slash_text: str
) -> None:
    hostile = slash_text
    word = hostile.split()[0]
    # Declared by slash command, title, reference and market all hostile.
    _slash(safe, f"declare --ref {word} --market DE {hostile}", GENERAL)
    channel = safe.incident(1).channel_id
    assert channel is not None
    # Declared by the form.
    _slash(safe, "declare", GENERAL)
    _submit(
        safe,
        {
            "title": RAW[:150],
            "description": RAW,
            "external_ref": RAW[:64],
            "market": "DE",
        },
    )
    # Everything typed in the incident channel.
    for text in (
        f"note {hostile}",
        f"update {hostile}",
        f"action listing_removed 3 {hostile}",
        f"action {hostile}",
        # In markup, @bob after a follow-up's title is its owner: a mention the user meant.
        f"followup {hostile.replace('<@U0BOB|bob>', '')}",
        f"role <@U0CAROL|carol> {hostile}",
        f"deadline {hostile}",
        f"list {hostile}",
        f"stats {hostile}",
        f"chart {hostile}",
        f"export {hostile}",
        f"reopen {hostile}",
        hostile,
        f"declare --sev {word} title",
        f"declare --domain {word} title",
        f"declare --source {word} title",
        f"declare --due {word} title",
        f"declare --market {word} title",
        f"declare {word}--bogus --{word} title",
    ):
        _slash(safe, text, channel)
    for text in (
        hostile,
        f"override {hostile}",
        f"override <@U0CAROL|carol> {word} +1h",
        f"override <@U0CAROL|carol> now {word}",
        f"override <@U0CAROL|carol> now +1h {word}",
        f"schedule {hostile}",
        f"override cancel {word}",
    ):
        _slash(safe, text, channel, command="/oncall")
    # Modal inputs: the note form, the update form and the resolve form.
    safe.click(ALICE, channel, safe.card().ts, "incident_add_note")
    _submit(safe, {"note": RAW})
    _slash(safe, "update", channel)
    _submit(safe, {"status": "contained", "happened": RAW, "doing": RAW, "next_update": "1h"})
    _slash(safe, "resolve", channel)
    _submit(
        safe,
        {
            "resolution_summary": RAW,
            "root_cause": "bad_actor",
            "impact": RAW,
            "followups": f"{RAW}\nsecond {RAW}",
        },
    )
    # Reading it all back.
    for text in ("timeline", "status", "roles", "actions", "followups", "list", "report"):
        _slash(safe, text, channel)
    _slash(safe, "list all", GENERAL)
    # Reminders, escalations and follow-up nudges carry titles too.
    for _ in range(4):
        safe.clock.advance(timedelta(days=1))
        safe.firebreak.reminders.run_due()
        safe.settle()
    _slash(safe, "close", channel)

    found = leaks(safe)
    assert found == [], "\n".join(found)
    # The words are still there, shown as typed rather than dropped.
    card = safe.card(1)
    assert "bold" in card.text
    announcements = [m.text for m in safe.standin.messages(BROADCAST_CHANNEL)]
    assert any("&lt;" in t or "@channel" in t for t in announcements), announcements


def test_the_check_catches_a_leak(safe: Harness) -> None:
    """Guard for the test itself: a raw mention in a message is reported."""
    safe.firebreak.app.client.chat_postMessage(channel=BROADCAST_CHANNEL, text=f"hi {RAW}")
    safe.firebreak.app.client.chat_postMessage(
        channel=BROADCAST_CHANNEL,
        text="fine",
        blocks=[{"type": "header", "text": {"type": "plain_text", "text": RAW}}],
    )
    assert [leak.split(":")[0] for leak in leaks(safe)] == ["chat.postMessage /text"]
