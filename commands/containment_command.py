"""Containment actions and follow-ups: /incident action(s), /incident followup(s), their buttons.

``/incident action <kind> <count> [note]`` logs what was done; the first action offers a
"Mark contained" button. ``/incident followup <title> [@owner] [due]`` adds a follow-up
and DMs its owner; ``followup done <n>`` and the DM's Done button complete one, and the
``followup_due`` reminder DMs whoever answers for it when it falls due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from commands import ids
from commands.blocks.containment import actions_text, followups_text, kinds_text
from commands.blocks.messages import section
from commands.clicks import Answer, answer_in_place
from commands.membership import require_visible_followup
from commands.parsing import UsageError, truncate_word
from commands.payload import acting_user, button_number
from commands.services import Services
from commands.slack_text import readable, user_id
from commands.text import slack_date
from commands.verbs import Invocation, Verbs
from commands.when import EXAMPLES, BadTime, parse_when
from workflows import containment, followups, incidents
from workflows.containment import MAX_COUNT
from workflows.errors import InvalidInput
from workflows.followups import FOLLOWUP_DUE, FollowUpReminders
from workflows.lifecycle_policy import Kind
from workflows.policy import Policy
from workflows.publishing import publish_change
from workflows.reminders import ReminderHandler

ACTION_USAGE = (
    "`/incident action <kind> <count> [note]`, e.g. "
    "`/incident action listing_removed 1,240 spring sale sellers`"
)
FOLLOWUP_USAGE = (
    "`/incident followup <title> [@owner] [due]`, e.g. "
    "`/incident followup Review seller onboarding @bob 2026-12-01`. The due date comes last: "
    "`2026-12-01` (17:00 your time), `2026-12-01 09:00` (your time) or `+3d`"
)
FOLLOWUP_DUE_HOUR = "17:00"  # a bare date means the end of that working day, in the typer's zone

_COUNT = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^<>]*)?>")
_DUE = re.compile(
    r"(?:^|\s)(\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?|\+(?:\d+[wdhm])+)\s*$", re.IGNORECASE
)
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DONE = re.compile(r"done\s+#?(\d+)", re.IGNORECASE)
_LONGEST_KIND = 6  # words a kind's label may take


# Reading the command text


@dataclass(frozen=True)
class LogAction:
    kind: str
    count: int
    note: str


@dataclass(frozen=True)
class AddFollowUp:
    title: str
    owner: str | None
    due: str | None  # as typed: "2026-12-01", "2026-12-01 09:00" or "+3d"


@dataclass(frozen=True)
class CompleteFollowUp:
    followup_id: int


def parse_action(text: str, policy: Policy) -> LogAction:
    """``<kind> <count> [note]``; the kind by key or label, the count with or without commas."""
    words = readable(text).split()
    kinds = kinds_text(policy.lifecycle.containment_kinds)
    if not words:
        raise UsageError(f"Say what was done: {ACTION_USAGE}. Kinds: {kinds}.")
    found = _leading_kind(words, policy)
    if found is None:
        raise UsageError(
            f"Unknown containment kind `{truncate_word(words[0])}`. "
            f"Kinds: {kinds}. Write {ACTION_USAGE}."
        )
    kind, length = found
    rest = words[length:]
    if not rest:
        raise UsageError(f"How many? {ACTION_USAGE}.")
    return LogAction(kind=kind.key, count=_count(rest[0]), note=" ".join(rest[1:]))


def _leading_kind(words: list[str], policy: Policy) -> tuple[Kind, int] | None:
    """The kind the text starts with (a label may be several words), and its length in words."""
    for length in range(min(len(words), _LONGEST_KIND), 0, -1):
        kind = containment.find_kind(policy, " ".join(words[:length]))
        if kind is not None:
            return kind, length
    return None


def _count(word: str) -> int:
    if not _COUNT.fullmatch(word):
        raise UsageError(
            f"`{truncate_word(word)}` is not a count: write a whole number, "
            f"like `1240` or `1,240`. {ACTION_USAGE}."
        )
    count = int(word.replace(",", ""))
    if count < 1:
        raise UsageError(f"A count is at least 1. {ACTION_USAGE}.")
    if count > MAX_COUNT:
        raise UsageError(f"Log at most {MAX_COUNT:,} in one action. {ACTION_USAGE}.")
    return count


def parse_followup(text: str) -> AddFollowUp | CompleteFollowUp:
    """``<title> [@owner] [due]`` or ``done <number>``; the mention may stand anywhere."""
    stripped = text.strip()
    done = _DONE.fullmatch(stripped)
    if done:
        return CompleteFollowUp(int(done.group(1)))
    if stripped.lower() == "done":
        raise UsageError(
            "Say which follow-up: `/incident followup done 7`. "
            "`/incident followups` lists the open ones with their numbers."
        )
    mentions = _MENTION.findall(stripped)
    if len(mentions) > 1:
        raise UsageError(f"A follow-up has one owner; mention just one. {FOLLOWUP_USAGE}.")
    owner = user_id(mentions[0]) if mentions else None
    rest = _MENTION.sub(" ", stripped)
    due = _DUE.search(rest)
    if due:
        rest = rest[: due.start()]
    title = " ".join(readable(rest).split())
    if not title:
        raise UsageError(f"A follow-up needs a title. {FOLLOWUP_USAGE}.")
    return AddFollowUp(title=title, owner=owner, due=due.group(1) if due else None)


def due_time(typed: str, zone: ZoneInfo, now: datetime) -> datetime:
    """When a follow-up is due; a bare date is 17:00 of that day in the typer's time zone."""
    when = f"{typed} {FOLLOWUP_DUE_HOUR}" if _DATE_ONLY.fullmatch(typed) else typed
    try:
        due = parse_when(when, zone, now)
    except BadTime as error:
        message = str(error).replace(EXAMPLES, "`2026-12-01`, `2026-12-01 09:00` or `+3d`")
        raise UsageError(message) from error
    if due <= now:
        raise InvalidInput(f"That due date ({typed}) has already passed.", field="due")
    return due


# Listeners


def register(app: App, services: Services, verbs: Verbs) -> None:
    """Register this feature's listeners and its `/incident` verbs."""
    policy, clock, gateway = services.policy, services.clock, services.gateway
    members_of = services.directory.members_of  # admins may be listed by user group

    def log_action(call: Invocation) -> None:
        incident_id = call.incident_here()
        parsed = parse_action(call.text, policy)
        with services.sessions.begin() as session:
            logged = containment.log_action(
                session,
                incident_id,
                parsed.kind,
                parsed.count,
                parsed.note,
                call.user,
                policy,
                clock,
                member_of=members_of,
            )
            current = incidents.load(session, incident_id, policy)
        call.ack()
        call.after_ack(partial(containment.publish_logged, gateway, current, logged))

    def show_actions(call: Invocation) -> None:
        incident_id = call.incident_here()
        with services.sessions() as session:
            overview = containment.overview(session, incident_id, policy)
        text = actions_text(overview)
        call.ack(text=text, blocks=section(text))

    def followup(call: Invocation) -> None:
        parsed = parse_followup(call.text)
        if isinstance(parsed, CompleteFollowUp):
            complete(call, parsed.followup_id)
            return
        incident_id = call.incident_here()
        due_at = None
        if parsed.due is not None:
            zone = ZoneInfo(services.directory.time_zone(call.user))
            due_at = due_time(parsed.due, zone, clock.now())
        with services.sessions.begin() as session:
            added = followups.add_followup(
                session,
                incident_id,
                parsed.title,
                parsed.owner,
                due_at,
                call.user,
                clock,
                policy=policy,
                member_of=members_of,
            )
            notice = followups.notice(session, added.id, "assigned", policy)
            current = incidents.load(session, incident_id, policy)
        call.ack()

        def publish() -> None:
            if current.channel_id is not None:
                gateway.post_followup(current, notice)
            if notice.owner is not None:
                gateway.send_followup(notice.owner, notice)

        call.after_ack(publish)

    def complete(call: Invocation, followup_id: int) -> None:
        require_visible_followup(services, call.client, call.user, followup_id)
        with services.sessions.begin() as session:
            done = followups.complete_followup(
                session, followup_id, call.user, clock, policy=policy, member_of=members_of
            )
        text = f":white_check_mark: Follow-up #{done.id} on INC-{done.incident_id} is done."
        call.ack(text=text, blocks=section(text))

    def list_followups(call: Invocation) -> None:
        with services.sessions() as session:
            found, total = followups.listed(session)
        text = followups_text(found, total, clock.now())
        call.ack(text=text, blocks=section(text))

    verbs["action"] = log_action
    verbs["actions"] = show_actions
    verbs["followup"] = followup
    verbs["followups"] = list_followups

    @app.action(ids.MARK_CONTAINED_BUTTON)
    def on_mark_contained(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        incident_id = button_number(action.get("value"), "an incident")

        def save() -> Answer:
            with services.sessions.begin() as session:
                change = containment.mark_contained(
                    session, incident_id, user, policy, clock, member_of=members_of
                )
                current = incidents.load(session, incident_id, policy)
            if change is None:
                return Answer(f"{current.reference} is already *{current.status_label}*.")
            return Answer(
                f":shield: <@{user}> marked {current.reference} *{current.status_label}*.",
                partial(publish_change, gateway, current, change),
            )

        answer_in_place(ack, services.after_ack, client, body, respond, save)

    @app.action(ids.FOLLOWUP_DONE_BUTTON)
    def on_done(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        followup_id = button_number(action.get("value"), "a follow-up")

        def save() -> Answer:
            with services.sessions.begin() as session:
                followups.complete_followup(
                    session, followup_id, user, clock, policy=policy, member_of=members_of
                )
            return Answer(f":white_check_mark: Done, marked by <@{user}>.")

        answer_in_place(ack, services.after_ack, client, body, respond, save)

    @app.action(ids.FOLLOWUP_SNOOZE_BUTTON)
    def on_snooze(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        user = acting_user(body)
        followup_id = button_number(action.get("value"), "a follow-up")

        def save() -> Answer:
            with services.sessions.begin() as session:
                _, until = followups.snooze_followup(
                    session, followup_id, user, clock, policy=policy, member_of=members_of
                )
            return Answer(f":zzz: Snoozed by <@{user}>; reminding again {slack_date(until)}.")

        answer_in_place(ack, services.after_ack, client, body, respond, save)


def reminder_handlers(services: Services) -> dict[str, ReminderHandler]:
    """This feature's reminder kinds and their handlers, for the runner."""
    handler = FollowUpReminders(services.sessions, services.gateway, services.policy)
    return {FOLLOWUP_DUE: handler}
