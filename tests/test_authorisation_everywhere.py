"""Every way into Firebreak obeys the policy's rules: each command, button, form and event.

One table says which rule governs each registered listener and ``/incident`` verb (a new
one that is not in it fails the first test). Then, for every entry point a rule governs,
a person the rule does not allow tries it through the real app: they are told why in one
private sentence (on the form, for a form), nothing in the database or in Slack changes,
and the attempt is kept: on the incident's timeline, or in ``refusals`` for a workspace step.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, get_args

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from storage.database import create_database_engine, create_session_factory
from storage.models import Base, Refusal, TimelineEvent
from tests.support.cli import Run
from tests.support.clock import ManualClock
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    GENERAL,
    Harness,
    running_firebreak,
)
from tests.support.policies import ONCALL_CHANNEL
from workflows import closing, incidents
from workflows.lifecycle_policy import IncidentAction, WorkspaceAction
from workflows.policy import Policy

# Every rule the policy knows: a new one must get a refusal case below.
INCIDENT_RULES: tuple[str, ...] = get_args(IncidentAction)
WORKSPACE_RULES: tuple[str, ...] = get_args(WorkspaceAction)
OPEN = None  # an entry point no rule governs (reading, declaring, Slack's own events)

# Which rule governs each registered listener, by what it listens for.
LISTENERS: dict[str, str | None] = {
    "command:/incident": "(each verb, below)",
    "command:/oncall": "oncall_override",  # override set|cancel; the rest only reads
    "action:incident_severity": "downgrade",
    "action:incident_owner": "assign_role",
    "action:^incident_status\\.": "resolve, close, reopen, containment",
    "action:incident_acknowledge": "acknowledge",
    "action:incident_add_note": "note",
    "action:incident_assign_role": "assign_role",
    "action:incident_resolve": "resolve",
    "action:reminder_acknowledge": "acknowledge",
    "action:^reminder_snooze\\.": "snooze",
    "action:handoff_acknowledge": OPEN,  # the incoming on-call answering their own handoff
    "action:containment_mark_contained": "containment",
    "action:followup_done": "followup",
    "action:followup_snooze": "followup",
    "view:incident_declare": OPEN,  # anyone may raise the alarm
    "view:incident_note": "note",
    "view:incident_assign_role": "assign_role",
    "view:incident_resolve_form": "resolve",
    "view:incident_update": "update",
    "event:channel_rename": OPEN,  # Slack telling us a name changed
    "event:group_rename": OPEN,
    "event:reaction_added": "note",  # the pin emoji captures a message
    "event:app_home_opened": OPEN,  # reads; restricted incidents are hidden
}

# ``/incident`` verbs that live in their own modules, and the rule each obeys.
VERBS: dict[str, str | None] = {
    "role": "assign_role",
    "roles": OPEN,
    "action": "containment",
    "actions": OPEN,
    "followup": "followup",
    "followups": OPEN,
    "resolve": "resolve",
    "reopen": "reopen",
    "close": "close",
    "report": OPEN,
    "list": OPEN,
    "stats": "stats",
    "chart": "chart",
    "export": "export",
    "update": "update",
}


# Verbs the ``/incident`` listener parses itself.
BUILT_IN_VERBS: dict[str, str | None] = {
    "help": OPEN,
    "declare": OPEN,
    "status": OPEN,
    "timeline": OPEN,
    "note": "note",
    "deadline": "deadline",
}


def _listener_keys(harness: Harness) -> tuple[set[str], set[str]]:
    """What the running app listens for, and the verbs its ``/incident`` listener knows."""
    kinds = {"constraints": "action", "callback_id": "view", "command": "command"}
    keys: set[str] = set()
    verbs: set[str] = set()
    for listener in harness.firebreak.app._listeners:
        for matcher in listener.matchers:
            found = inspect.getclosurevars(matcher.func).nonlocals  # type: ignore[attr-defined]
            for name, value in found.items():
                shown = value.pattern if isinstance(value, re.Pattern) else str(value)
                kind = "event" if name == "event_type" else kinds.get(name)
                if kind is not None:
                    keys.add(f"{kind}:{shown}")
        closure = inspect.getclosurevars(listener.ack_function).nonlocals
        if isinstance(closure.get("verbs"), dict):
            verbs |= set(closure["verbs"])
    return keys, verbs


def test_every_listener_and_verb_has_a_rule_in_this_table(database_url: str) -> None:
    with running_firebreak(database_url) as harness:
        keys, verbs = _listener_keys(harness)
    assert keys == set(LISTENERS), "a listener was added or removed: say which rule governs it"
    assert verbs == set(VERBS), "a verb was added or removed: say which rule governs it"
    named = (*LISTENERS.values(), *VERBS.values(), *BUILT_IN_VERBS.values())
    for rule in (*INCIDENT_RULES, *WORKSPACE_RULES):
        assert any(rule in (text or "") for text in named), f"no entry point obeys {rule}"


# The refusals, one case per entry point


def strict_policy() -> Policy:
    """Every incident step the commander's, every workspace step the admins' (Carol)."""
    rules: dict[str, Any] = dict.fromkeys(INCIDENT_RULES, "commander")
    rules |= dict.fromkeys(WORKSPACE_RULES, "admins")
    return Policy.model_validate(
        {
            "channels": {"broadcast": BROADCAST_CHANNEL},
            "lifecycle": {"authorisation": {"admins": [CAROL], **rules}},
            "oncall": {
                "rotations": [
                    {
                        "name": "trust-safety",
                        "time_zone": "Europe/Berlin",
                        "members": [CAROL, ALICE, BOB],
                        "starts_on": "2026-11-16",
                        "channel": ONCALL_CHANNEL,
                    }
                ]
            },
        }
    )


@dataclass
class Scene:
    """What a case's preparation left for its attempt: the incident channel and card."""

    harness: Harness
    channel: str
    card: str
    extra: str = ""  # a message ts, a view id, a follow-up number


Prepare = Callable[[Scene], None]
Attempt = Callable[[Scene], None]


@dataclass(frozen=True)
class Case:
    name: str
    action: str
    attempt: Attempt
    surface: str
    prepare: Prepare | None = None
    owned: bool = True  # Alice owns the incident before the attempt
    on_form: str | None = None  # the field the refusal is shown on, for a form


def _slash(text: str) -> Attempt:
    return lambda scene: _ok(scene.harness.command(text, user=BOB, channel=scene.channel))


def _oncall(text: str) -> Attempt:
    def attempt(scene: Scene) -> None:
        scene.harness.standin.slash_command(BOB, scene.channel, "/oncall", text)
        scene.harness.settle()

    return attempt


def _card(action_id: str, **options: Any) -> Attempt:
    return lambda scene: _ok(
        scene.harness.click(BOB, scene.channel, scene.card, action_id, **options)
    )


def _on_extra(action_id: str, channel: str | None = None) -> Attempt:
    def attempt(scene: Scene) -> None:
        where = channel or scene.channel
        _ok(scene.harness.click(BOB, where, scene.extra, action_id))

    return attempt


def _ok(response: Any) -> None:
    assert response.status == 200, response.body


def _resolved(scene: Scene) -> None:
    h = scene.harness
    policy = h.firebreak.services.policy
    with h.sessions.begin() as session:
        incidents.change_status(session, 1, "resolved", ALICE, policy, h.clock)
        resolved = incidents.load(session, 1, policy)
    h.firebreak.services.gateway.update_card(resolved)  # the card offers reopening now


def _reminder_posted(scene: Scene) -> None:
    h = scene.harness
    h.clock.advance(timedelta(minutes=5))
    h.firebreak.reminders.run_due()
    h.settle()
    reminder = h.standin.messages(scene.channel)[-1]
    assert any(b.get("type") == "actions" for b in reminder.blocks)
    scene.extra = reminder.ts


def _containment_offered(scene: Scene) -> None:
    h = scene.harness
    h.command("action listing_removed 3", user=CAROL, channel=scene.channel)
    scene.extra = h.standin.messages(scene.channel)[-1].ts


def _followup_for_bob(scene: Scene) -> None:
    h = scene.harness
    h.command(f"followup Review sellers <@{BOB}|bob> +3d", user=ALICE, channel=scene.channel)
    (dm,) = h.standin.dms(BOB)
    scene.extra = dm.ts
    scene.channel = dm.channel


def _followup_due_for_bob(scene: Scene) -> None:
    _followup_for_bob(scene)
    h = scene.harness
    h.clock.advance(timedelta(days=3, minutes=1))
    h.firebreak.reminders.run_due()
    h.settle()
    scene.extra = h.standin.dms(BOB)[-1].ts


def _open_form(action_id: str) -> Prepare:
    """Bob opens the form while nobody owns the incident; then Alice takes command."""

    def prepare(scene: Scene) -> None:
        h = scene.harness
        if action_id == "update":
            h.command("update", user=BOB, channel=scene.channel)
        else:
            h.click(BOB, scene.channel, scene.card, action_id)
        (view,) = h.standin.open_views(BOB)
        scene.extra = view.id
        h.click(ALICE, scene.channel, scene.card, "incident_owner", selected_user=ALICE)

    return prepare


def _submit(values: Mapping[str, object]) -> Attempt:
    return lambda scene: _ok(scene.harness.submit(BOB, scene.extra, values))


def _pin(scene: Scene) -> None:
    h = scene.harness
    h.command(f"role <@{BOB}|bob> scribe", user=ALICE, channel=scene.channel)  # Bob is in
    message, _ = scene.harness.standin.say(ALICE, scene.channel, "Seller 42 relisted everything")
    scene.extra = message.ts


def _react(scene: Scene) -> None:
    _ok(scene.harness.standin.react(BOB, scene.channel, scene.extra, "pushpin"))
    scene.harness.settle()


FORM_RESOLVE = {closing.SUMMARY_FIELD: "Sellers banned", closing.ROOT_CAUSE_FIELD: "bad_actor"}

CASES = [
    Case("/incident note", "note", _slash("note Bob was here"), "slash_command"),
    Case("/incident deadline", "deadline", _slash("deadline +3d"), "slash_command"),
    Case("/incident role", "assign_role", _slash(f"role <@{CAROL}|carol> scribe"), "slash_command"),
    Case("/incident action", "containment", _slash("action listing_removed 5"), "slash_command"),
    Case("/incident followup", "followup", _slash("followup Audit sellers"), "slash_command"),
    Case("/incident resolve", "resolve", _slash("resolve Banned them"), "slash_command"),
    Case("/incident close", "close", _slash("close"), "slash_command", prepare=_resolved),
    Case("/incident reopen", "reopen", _slash("reopen"), "slash_command", prepare=_resolved),
    Case("/incident update text", "update", _slash("update Still going"), "slash_command"),
    Case("/incident update form", "update", _slash("update"), "slash_command"),
    Case("/incident stats", "stats", _slash("stats 30d"), "slash_command"),
    Case("/incident chart", "chart", _slash("chart 8"), "slash_command"),
    Case("/incident export", "export", _slash("export incidents"), "slash_command"),
    Case(
        "/oncall override",
        "oncall_override",
        _oncall(f"override <@{BOB}|bob> now +1h"),
        "slash_command",
    ),
    Case(
        "/oncall override cancel", "oncall_override", _oncall("override cancel 1"), "slash_command"
    ),
    Case(
        "severity select", "downgrade", _card("incident_severity", selected_option="sev4"), "button"
    ),
    Case("owner select", "assign_role", _card("incident_owner", selected_user=BOB), "button"),
    Case(
        "status button back",
        "reopen",
        _card("incident_status.investigating"),
        "button",
        prepare=_resolved,
    ),
    Case("Contained button", "containment", _card("incident_status.contained"), "button"),
    Case("Acknowledge button", "acknowledge", _card("incident_acknowledge"), "button"),
    Case("Add note button", "note", _card("incident_add_note"), "button"),
    Case("Assign role button", "assign_role", _card("incident_assign_role"), "button"),
    Case("Resolve button", "resolve", _card("incident_resolve"), "button"),
    Case(
        "reminder Acknowledge",
        "acknowledge",
        _on_extra("reminder_acknowledge"),
        "button",
        prepare=_reminder_posted,
    ),
    Case(
        "reminder Snooze",
        "snooze",
        _on_extra("reminder_snooze.15m"),
        "button",
        prepare=_reminder_posted,
    ),
    Case(
        "Mark contained",
        "containment",
        _on_extra("containment_mark_contained"),
        "button",
        prepare=_containment_offered,
    ),
    Case(
        "follow-up Done",
        "followup",
        _on_extra("followup_done"),
        "button",
        prepare=_followup_for_bob,
    ),
    Case(
        "follow-up Snooze",
        "followup",
        _on_extra("followup_snooze"),
        "button",
        prepare=_followup_due_for_bob,
    ),
    Case(
        "note form",
        "note",
        _submit({"note": "Bob's note"}),
        "modal",
        prepare=_open_form("incident_add_note"),
        owned=False,
        on_form="note",
    ),
    Case(
        "role form",
        "assign_role",
        _submit({"role_user": CAROL, "role": "comms"}),
        "modal",
        prepare=_open_form("incident_assign_role"),
        owned=False,
        on_form="role_user",
    ),
    Case(
        "resolve form",
        "resolve",
        _submit(FORM_RESOLVE),
        "modal",
        prepare=_open_form("incident_resolve"),
        owned=False,
        on_form=closing.SUMMARY_FIELD,
    ),
    Case(
        "update form",
        "update",
        _submit({"happened": "Banned 40 sellers"}),
        "modal",
        prepare=_open_form("update"),
        owned=False,
        on_form="status",
    ),
    Case("pin reaction", "note", _react, "event", prepare=_pin),
]


# What a refusal may leave behind in Slack: the private answer and directory look-ups.
QUIET_CALLS = {"chat.postEphemeral", "usergroups.users.list", "users.info"}
SKIPPED_TABLES = {"refusals", "request_replays"}


def _database(harness: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but the refusals themselves."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with harness.sessions() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in SKIPPED_TABLES:
                continue
            query = select(table)
            if table.name == "timeline_events":
                query = query.where(table.c.kind != "refused")
            rows[table.name] = sorted(map(tuple, session.execute(query)), key=repr)
    return rows


SAYS = {
    "resolve": "resolve the incident",
    "close": "close the incident",
    "reopen": "reopen the incident",
    "downgrade": "downgrade the severity",
    "assign_role": "assign roles",
    "acknowledge": "acknowledge the incident",
    "snooze": "snooze the incident's reminders",
    "note": "add notes to the timeline",
    "update": "post status updates",
    "containment": "log containment or mark the incident contained",
    "followup": "add, complete or snooze follow-ups",
    "deadline": "set the external deadline",
    "export": "export incident records",
    "chart": "post incident charts",
    "stats": "see incident statistics",
    "oncall_override": "set or cancel on-call overrides",
}


def _refusal_sentence(case: Case) -> str:
    who = "an admin" if case.action in WORKSPACE_RULES else "the incident's commander or an admin"
    return f"Only {who} may {SAYS[case.action]}."


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_refused_attempt_is_told_changes_nothing_and_is_kept(
    database_url: str, case: Case
) -> None:
    with running_firebreak(database_url, strict_policy()) as harness:
        harness.standin.rate_limits = False
        channel = harness.declare("--sev 1 Counterfeit chargers")
        scene = Scene(harness, channel.id, harness.card().ts)
        if case.owned:
            harness.click(ALICE, channel.id, scene.card, "incident_owner", selected_user=ALICE)
        if case.prepare is not None:
            case.prepare(scene)
        before = _database(harness)
        calls = len(harness.standin.calls)
        told = len(harness.standin.ephemerals(BOB))
        views = len(harness.standin.open_views(BOB))

        case.attempt(scene)

        sentence = _refusal_sentence(case)
        if case.on_form is not None:
            shown = harness.standin.view(scene.extra)
            assert (shown.state, shown.errors) == ("open", {case.on_form: sentence})
        else:
            (private,) = harness.standin.ephemerals(BOB)[told:]
            assert private.text == f":warning: {sentence}"
        assert _database(harness) == before
        made = {call.method for call in harness.standin.calls[calls:]}
        assert made <= QUIET_CALLS, f"Slack was asked to change something: {made - QUIET_CALLS}"
        assert len(harness.standin.open_views(BOB)) == views
        with harness.sessions() as session:
            if case.action in WORKSPACE_RULES:
                (refusal,) = session.scalars(select(Refusal))
                kept: tuple[object, ...] = (
                    refusal.actor,
                    refusal.action,
                    refusal.surface,
                    refusal.occurred_at,
                )
                assert refusal.detail.startswith("/")
            else:
                (event,) = session.scalars(
                    select(TimelineEvent).where(TimelineEvent.kind == "refused")
                )
                assert event.data == {"action": case.action, "actor": BOB}
                kept = (event.actor, case.action, event.surface, event.occurred_at)
        assert kept == (BOB, case.action, case.surface, harness.clock.now())


# The trail of refusals, from the command line


def test_audit_refusals_lists_every_refusal_in_time_order(database_url: str, run_cli: Run) -> None:
    with running_firebreak(database_url, strict_policy()) as harness:
        channel = harness.declare("Counterfeit chargers")
        ts = harness.card().ts
        harness.click(ALICE, channel.id, ts, "incident_owner", selected_user=ALICE)
        harness.command("export timeline 2026-11-01", user=BOB, channel=channel.id)
        harness.clock.advance(timedelta(minutes=1))
        harness.click(BOB, channel.id, ts, "incident_severity", selected_option="sev4")
        harness.clock.advance(timedelta(minutes=1))
        later = harness.clock.now()
        harness.standin.slash_command(CAROL, GENERAL, "/incident", "stats")  # an admin: allowed
        harness.command("chart 8", user=BOB)
        harness.settle()

    code, out, err = run_cli("audit", "--refusals")

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "2026-11-20 09:30:00Z  U0BOB  slash_command  export  workspace  "
        "/incident export timeline 2026-11-01",
        "2026-11-20 09:31:00Z  U0BOB  button  downgrade  INC-1  "
        "was not allowed to downgrade the severity",
        "2026-11-20 09:32:00Z  U0BOB  slash_command  chart  workspace  /incident chart 8",
    ]
    _, since, _ = run_cli("audit", "--refusals", "--since", later.isoformat())
    assert since.splitlines() == out.splitlines()[2:]
    _, jsonl, _ = run_cli("audit", "--refusals", "--format", "jsonl")
    assert json.loads(jsonl.splitlines()[1]) == {
        "occurred_at_utc": "2026-11-20 09:31:00",
        "actor": BOB,
        "surface": "button",
        "action": "downgrade",
        "reference": "INC-1",
        "detail": "was not allowed to downgrade the severity",
    }
    _, trail, _ = run_cli("audit", "INC-1")
    assert "  refused  was not allowed to downgrade the severity" in trail


def test_audit_wants_an_incident_or_refusals(run_cli: Run) -> None:
    code, _, err = run_cli("audit")
    assert (code, err) == (2, "firebreak: say which incident (INC-42), or ask for --refusals\n")
    code, _, err = run_cli("audit", "INC-1", "--refusals")
    assert code == 2
    assert "not both" in err


def test_refusals_cannot_be_changed_or_removed(database_url: str) -> None:
    engine = create_database_engine(database_url)
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        session.add(Refusal(occurred_at=ManualClock().now(), actor=BOB, action="export"))
    for statement in ("UPDATE refusals SET actor = 'U0EVE'", "DELETE FROM refusals"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with sessions() as session:
        assert [r.actor for r in session.scalars(select(Refusal))] == [BOB]
    engine.dispose()
