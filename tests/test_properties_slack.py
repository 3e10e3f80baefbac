"""Property tests through the real app: no command text or payload breaks Firebreak.

Random ``/incident`` and ``/oncall`` texts and random interaction payloads are sent,
signed, to the real Bolt app behind waitress, against the Slack stand-in and a real
database. Whatever arrives, the app answers 2xx, logs no unexpected exception, sends
Slack nothing it would refuse, and (for commands) tells the user something.

One harness serves every example of a test: hypothesis runs inside the test, so the
function-scoped fixtures are set up once per backend.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands import ids
from tests.slack_standin import SlackStandIn
from tests.support.harness import ALICE, GENERAL, Harness, running_firebreak
from tests.support.policies import with_rotation
from tests.test_properties import COMMAND_TEXT, WORDS

REFUSED_CONTENT = frozenset(
    {
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "msg_blocks_too_long",
        "too_long",
        "no_text",
        "view_too_large",
        "invalid_name_specials",
        "invalid_name_maxlength",
        "invalid_name_punctuation",
        "invalid_name_required",
        "invalid_name",
    }
)
"""Web API errors that mean the bot sent something Slack's rules refuse."""

UNEXPECTED = ("unexpected error", "listener failed", "after ack")
"""Log lines that mark an exception the app did not expect (errors.py)."""

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
ACTION_IDS = st.sampled_from(
    [
        ids.SEVERITY_SELECT,
        ids.OWNER_SELECT,
        f"{ids.STATUS_BUTTON}.contained",
        f"{ids.STATUS_BUTTON}.nonsense",
        ids.ACKNOWLEDGE_BUTTON,
        ids.ADD_NOTE_BUTTON,
        ids.ASSIGN_ROLE_BUTTON,
        ids.RESOLVE_BUTTON,
        ids.REMINDER_ACKNOWLEDGE,
        f"{ids.REMINDER_SNOOZE}.15m",
        ids.HANDOFF_ACKNOWLEDGE,
        ids.MARK_CONTAINED_BUTTON,
        ids.FOLLOWUP_DONE_BUTTON,
        ids.FOLLOWUP_SNOOZE_BUTTON,
    ]
)
CALLBACK_IDS = st.sampled_from(
    [ids.DECLARE_MODAL, ids.NOTE_MODAL, ids.UPDATE_MODAL, ids.RESOLVE_MODAL]
)
FIELDS = st.sampled_from(
    [
        ids.TITLE_FIELD,
        ids.DESCRIPTION_FIELD,
        ids.DOMAIN_FIELD,
        ids.SEVERITY_FIELD,
        ids.RESTRICTED_FIELD,
        ids.SOURCE_FIELD,
        ids.MARKET_FIELD,
        ids.DUE_FIELD,
        ids.NOTE_FIELD,
        "status",
        "happened",
        "doing",
        "next_update",
        "resolution_summary",
        "root_cause",
        "impact",
        "followups",
    ]
)
ELEMENT_TYPES = st.sampled_from(
    ["plain_text_input", "static_select", "checkboxes", "users_select", "datetimepicker", "x"]
)


class Watch(logging.Handler):
    """Collects what the app logs as unexpected while the examples run."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.unexpected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR or message.startswith(UNEXPECTED):
            self.unexpected.append(f"{record.name}: {message}")


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[Harness, str, Watch]]:
    watch = Watch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        with running_firebreak(database_url, with_rotation()) as harness:
            harness.standin.rate_limits = False
            channel = harness.declare("Counterfeit chargers").id
            yield harness, channel, watch
    finally:
        root.removeHandler(watch)


def _examples(database_url: str, sqlite: int, postgres: int) -> settings:
    return settings(max_examples=sqlite if database_url.startswith("sqlite") else postgres)


def _refused(standin: SlackStandIn, since: int) -> list[str]:
    return [
        f"{c.method}: {c.error} {c.response.get('response_metadata')}"
        for c in standin.calls[since:]
        if c.error in REFUSED_CONTENT
    ]


def _shown(standin: SlackStandIn) -> int:
    """How much the user has been shown: private answers, forms, posts and files."""
    return len(standin.ephemerals(ALICE)) + sum(
        len(standin.calls_to(m))
        for m in ("views.open", "chat.postMessage", "files.completeUploadExternal")
    )


def test_no_command_text_breaks_the_app(app: tuple[Harness, str, Watch], database_url: str) -> None:
    harness, incident_channel, watch = app
    standin = harness.standin

    @_examples(database_url, sqlite=60, postgres=20)
    @given(
        command=st.sampled_from(["/incident", "/oncall"]),
        verb=st.sampled_from(
            [
                "",
                "declare",
                "note",
                "update",
                "deadline",
                "action",
                "followup",
                "role",
                "list",
                "stats",
                "export",
                "reopen",
                "status",
                "timeline",
                "override",
                "schedule",
                "help",
            ]
        ),
        text=COMMAND_TEXT,
        where=st.sampled_from([GENERAL, incident_channel]),
    )
    def check(command: str, verb: str, text: str, where: str) -> None:
        ran.append(verb)
        before, shown, logged = len(standin.calls), _shown(standin), len(watch.unexpected)
        response = standin.slash_command(ALICE, where, command, f"{verb} {text}".strip())
        harness.settle()
        for view in standin.open_views(ALICE):  # a form opened: the user closes it
            standin.cancel_view(ALICE, view.id)
        assert response.status < 500, response.body
        assert [p for p in response.problems if "answered after" not in p] == []
        assert _refused(standin, before) == []
        assert watch.unexpected[logged:] == []
        assert standin.internal_errors == []
        assert _shown(standin) > shown, f"no answer to {command} {verb} {text!r}"

    ran: list[str] = []
    check()
    assert len(ran) >= 20  # the examples did run


def test_no_interaction_payload_breaks_the_app(
    app: tuple[Harness, str, Watch], database_url: str
) -> None:
    harness, incident_channel, watch = app
    standin = harness.standin
    card_ts = harness.card().ts

    def post(payload: dict[str, Any]) -> None:
        ran.append(str(payload["type"]))
        before, logged = len(standin.calls), len(watch.unexpected)
        body = json.dumps(payload, separators=(",", ":"))
        response = standin.post_signed(
            f"payload={_quote(body)}".encode(), "application/x-www-form-urlencoded"
        )
        harness.settle()
        assert response.status < 500, response.body
        assert _refused(standin, before) == []
        assert watch.unexpected[logged:] == []
        assert standin.internal_errors == []

    base = {
        "team": {"id": "T0FIRE", "domain": "firebreak-test"},
        "user": {"id": ALICE, "username": "alice", "team_id": "T0FIRE"},
        "api_app_id": "A0FIRE",
        "token": standin.verification_token,
        "is_enterprise_install": False,
    }

    @_examples(database_url, sqlite=60, postgres=20)
    @given(
        action_id=ACTION_IDS,
        block_id=st.one_of(st.sampled_from(["inc1.controls", "inc1.status", "inc999.x"]), WORDS),
        value=JSON_VALUES,
        option=JSON_VALUES,
        user=st.one_of(st.sampled_from(["U0BOB", "U0NOBODY", ""]), JSON_VALUES),
        kind=st.sampled_from(["button", "static_select", "users_select"]),
    )
    def click(action_id: str, block_id: str, value: Any, option: Any, user: Any, kind: str) -> None:
        action = {
            "type": kind,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "selected_option": option,
            "selected_user": user,
            "action_ts": f"{time.time():.6f}",
        }
        post(
            {
                **base,
                "type": "block_actions",
                "trigger_id": "1.1.fake",
                "container": {
                    "type": "message",
                    "message_ts": card_ts,
                    "channel_id": incident_channel,
                },
                "channel": {"id": incident_channel, "name": "inc-1"},
                "message": {"ts": card_ts, "blocks": []},
                "state": {"values": {}},
                "actions": [action],
            }
        )

    @_examples(database_url, sqlite=60, postgres=20)
    @given(
        callback_id=CALLBACK_IDS,
        metadata=st.one_of(
            st.just(json.dumps({"incident_id": 1})),
            st.just(json.dumps({"channel": GENERAL})),
            JSON_VALUES.map(json.dumps),
            st.text(max_size=30),
        ),
        values=st.dictionaries(
            FIELDS,
            st.fixed_dictionaries(
                {"type": ELEMENT_TYPES},
                optional={
                    "value": st.one_of(st.text(max_size=4000), JSON_VALUES),
                    "selected_option": JSON_VALUES,
                    "selected_options": JSON_VALUES,
                    "selected_user": JSON_VALUES,
                    "selected_date_time": JSON_VALUES,
                },
            ),
            max_size=6,
        ),
    )
    def submit(callback_id: str, metadata: str, values: dict[str, Any]) -> None:
        state = {field: {field: entry} for field, entry in values.items()}
        blocks = [{"type": "input", "block_id": field} for field in values]
        post(
            {
                **base,
                "type": "view_submission",
                "trigger_id": "1.1.fake",
                "view": {
                    "id": f"V{len(standin.calls)}",
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": metadata,
                    "blocks": blocks,
                    "state": {"values": state},
                },
                "response_urls": [],
            }
        )

    ran: list[str] = []
    click()
    submit()
    assert ran.count("block_actions") >= 20
    assert ran.count("view_submission") >= 20


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
