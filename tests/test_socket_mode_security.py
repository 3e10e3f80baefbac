"""Socket Mode: an envelope no listener could use is dropped with a warning, never dispatched.

The real Firebreak app connects to the stand-in with ``CheckedSocketModeHandler``, the
way ``firebreak serve`` runs with SLACK_APP_TOKEN. The stand-in then sends what Slack
never should: frames that are not JSON, envelopes without an id, of an unknown type, or
with a payload a listener cannot use. Each is logged at warning level, acked empty when
it has an id, and the connection stays up for the next, well-formed request.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.app import create_app, slack_client
from bot.server import answers_first_for
from bot.socket_mode import CheckedSocketModeHandler
from commands.ids import ACKNOWLEDGE_BUTTON
from storage.database import create_database_engine, create_session_factory
from tests.slack_standin import SlackStandIn
from tests.support.clock import ManualClock
from tests.support.executor import TrackedPools
from tests.support.harness import ALICE, GENERAL, SIGNING_SECRET, Harness, default_policy

WARNINGS_FROM = "firebreak.socket_mode"
SEEN_AT_START = ["auth.test", "apps.connections.open"]
"""Bolt checks its token, then the handler opens the connection; anything else is a listener."""


@contextmanager
def firebreak_over_socket_mode(database_url: str) -> Iterator[Harness]:
    """Firebreak with no Request URL, connected over Socket Mode to a fresh stand-in."""
    engine = create_database_engine(database_url)
    pools = TrackedPools()
    clock = ManualClock()
    sessions = create_session_factory(engine)
    answers_first = answers_first_for(engine)
    with SlackStandIn(signing_secret=SIGNING_SECRET) as standin:
        firebreak = create_app(
            client=slack_client(standin.bot_token, standin.api_url, answers_first=answers_first),
            signing_secret=None,
            sessions=sessions,
            policy=default_policy(),
            clock=clock,
            executor=pools.listeners,
            after_ack=pools.after_ack,
            answers_first=answers_first,
        )
        handler = CheckedSocketModeHandler(firebreak.app, standin.app_token, answers_first)
        handler.connect()  # type: ignore[no-untyped-call]  # slack_bolt leaves it unannotated
        try:
            standin.wait_for_socket_connection()
            yield Harness(standin, firebreak, pools, clock, sessions, answers_first)
        finally:
            handler.close()  # type: ignore[no-untyped-call]
            pools.drain()
            pools.shutdown()
            engine.dispose()
            assert standin.internal_errors == []


@pytest.fixture
def harness(database_url: str) -> Iterator[Harness]:
    with firebreak_over_socket_mode(database_url) as running:
        yield running


def command_payload(**changes: Any) -> dict[str, Any]:
    payload = {
        "team_id": "T0FIRE",
        "channel_id": GENERAL,
        "user_id": ALICE,
        "command": "/incident",
        "text": "declare Dropped",
        "trigger_id": "1000.2000.socket",
        "response_url": "http://127.0.0.1:9/commands/unused",
        **changes,
    }
    return {key: value for key, value in payload.items() if value is not None}


def envelope(kind: str, payload: object, **extra: Any) -> dict[str, Any]:
    return {
        "envelope_id": str(uuid.uuid4()),
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind == "slash_commands",
        **extra,
    }


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == WARNINGS_FROM and record.levelno == logging.WARNING
    ]


def assert_dropped_and_still_connected(
    harness: Harness, caplog: pytest.LogCaptureFixture, because: str
) -> None:
    """Warned about, no listener ran, nothing broke; the next request is served as usual."""
    harness.standin.wait_for(lambda: bool(warnings(caplog)), what="the warning")
    harness.settle()
    assert because in warnings(caplog)[0]
    assert [call.method for call in harness.standin.calls] == SEEN_AT_START
    assert harness.incidents() == []
    assert harness.standin.ephemerals(ALICE, GENERAL) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

    response = harness.command("declare Still connected")

    assert response.status == 200
    assert response.problems == ()
    assert [incident.title for incident in harness.incidents()] == ["Still connected"]
    assert harness.standin.socket_connections == 1


UNUSABLE_ENVELOPES = [
    ("unknown type", envelope("mystery", command_payload()), "unknown type 'mystery'"),
    ("payload missing", {**envelope("slash_commands", {}), "payload": None}, "not a JSON object"),
    ("payload a list", envelope("slash_commands", [command_payload()]), "not a JSON object"),
    ("payload a string", envelope("slash_commands", "declare Dropped"), "not a JSON object"),
    ("payload a number", envelope("interactive", 7), "not a JSON object"),
    (
        "command without a user",
        envelope("slash_commands", command_payload(user_id=None)),
        "needs user_id",
    ),
    (
        "command with a numeric channel",
        envelope("slash_commands", command_payload(channel_id=42)),
        "needs channel_id",
    ),
    (
        "interaction without a user",
        envelope("interactive", {"type": "block_actions", "actions": []}),
        "needs user.id",
    ),
    ("interaction without a type", envelope("interactive", {"user": {"id": ALICE}}), "needs type"),
    (
        "event_callback without an event",
        envelope("events_api", {"type": "event_callback"}, retry_attempt=0),
        "needs event.type",
    ),
]


@pytest.mark.parametrize(
    ("sent", "because"),
    [case[1:] for case in UNUSABLE_ENVELOPES],
    ids=[case[0] for case in UNUSABLE_ENVELOPES],
)
def test_an_unusable_envelope_is_acked_empty_and_dropped(
    harness: Harness, caplog: pytest.LogCaptureFixture, sent: dict[str, Any], because: str
) -> None:
    response = harness.standin.socket_server.exchange_envelope(sent)

    assert response.problems == ()
    assert (response.status, response.body) == (200, "")
    assert_dropped_and_still_connected(harness, caplog, because)


UNADDRESSED_FRAMES = [
    ("plain text", "declare Dropped", "not a JSON object"),
    ("broken JSON", '{"envelope_id": "abc", "type": "slash_commands"', "not a JSON object"),
    ("JSON list", json.dumps([envelope("slash_commands", command_payload())]), "not a JSON"),
    ("JSON null", "null", "not a JSON object"),
    (
        "no envelope_id",
        json.dumps({"type": "slash_commands", "payload": command_payload()}),
        "no envelope_id",
    ),
    (
        "an envelope_id that is not a string",
        json.dumps({**envelope("slash_commands", command_payload()), "envelope_id": 12}),
        "no envelope_id",
    ),
]


@pytest.mark.parametrize(
    ("frame", "because"),
    [case[1:] for case in UNADDRESSED_FRAMES],
    ids=[case[0] for case in UNADDRESSED_FRAMES],
)
def test_a_frame_without_an_envelope_is_dropped(
    harness: Harness, caplog: pytest.LogCaptureFixture, frame: str, because: str
) -> None:
    harness.standin.socket_server.send_frame(frame)

    assert_dropped_and_still_connected(harness, caplog, because)


def test_well_formed_envelopes_reach_the_listeners(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    declared = harness.command("declare Over the socket")
    card = harness.card()
    clicked = harness.click(ALICE, card.channel, card.ts, ACKNOWLEDGE_BUTTON)

    assert (declared.status, clicked.status) == (200, 200)
    assert [incident.title for incident in harness.incidents()] == ["Over the socket"]
    assert harness.incident().acknowledged_at is not None
    assert warnings(caplog) == []
