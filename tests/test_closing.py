"""Resolving (form from the command and the card), reopening, and closing with archiving."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import FollowUp, Reminder
from tests.slack_standin import Message
from tests.support.blocks import action_ids, field_texts
from tests.support.harness import (
    ALICE,
    BOB,
    BROADCAST_CHANNEL,
    CAROL,
    GENERAL,
    Harness,
    default_policy,
    running_firebreak,
)
from workflows.policy import Policy

TITLE = "Counterfeit chargers sold as branded"
SUMMARY = "Removed the listings & banned the seller <@U0BOB>"


def _declared(harness: Harness, title: str = TITLE) -> str:
    channel = harness.declare(title)
    harness.standin.rate_limits = False
    return channel.id


def _resolve_form(harness: Harness, channel: str, user: str = ALICE) -> str:
    harness.command("resolve", user=user, channel=channel)
    (view,) = harness.standin.open_views(user)
    return view.id


def _resolve(harness: Harness, channel: str, user: str = ALICE, **values: str) -> None:
    view_id = _resolve_form(harness, channel, user)
    response = harness.submit(
        user,
        view_id,
        {"resolution_summary": SUMMARY, "root_cause": "bad_actor", **values},
    )
    assert response.status == 200
    assert harness.standin.view(view_id).state == "closed", response.body


def _reminders(harness: Harness, kind: str | None = None) -> list[Reminder]:
    with harness.sessions() as session:
        query = select(Reminder).order_by(Reminder.id)
        if kind is not None:
            query = query.where(Reminder.kind == kind)
        return list(session.scalars(query))


def _bot_lines(harness: Harness, channel: str) -> list[str]:
    card_ts = harness.card().ts
    return [m.text for m in harness.standin.messages(channel) if m.ts != card_ts]


def _private(harness: Harness, user: str = ALICE) -> str:
    return harness.standin.ephemerals(user)[-1].text


# Resolving


def test_the_resolve_command_opens_the_form(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("resolve", channel=channel)

    (view,) = harness.standin.open_views(ALICE)
    assert view.view["callback_id"] == "incident_resolve_form"
    inputs = {b["block_id"]: b for b in view.view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["resolution_summary", "root_cause", "impact", "followups"]
    assert [inputs[k]["optional"] for k in inputs] == [False, False, True, True]
    causes = [o["value"] for o in inputs["root_cause"]["element"]["options"]]
    assert causes == [kind.key for kind in default_policy().lifecycle.root_causes]
    assert harness.incident().status == "investigating"


def test_the_form_starts_with_the_summary_typed_after_the_verb(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("resolve Seller banned", channel=channel)

    (view,) = harness.standin.open_views(ALICE)
    summary = next(b for b in view.view["blocks"] if b.get("block_id") == "resolution_summary")
    assert summary["element"]["initial_value"] == "Seller banned"


def test_the_summary_typed_after_the_verb_reads_mentions_as_names(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("resolve <@U0BOB|bob> banned the seller", channel=channel)

    (view,) = harness.standin.open_views(ALICE)
    summary = next(b for b in view.view["blocks"] if b.get("block_id") == "resolution_summary")
    assert summary["element"]["initial_value"] == "@bob banned the seller"


def test_resolve_outside_an_incident_channel_is_refused(harness: Harness) -> None:
    _declared(harness)

    harness.command("resolve", channel=GENERAL)

    assert harness.standin.open_views(ALICE) == []
    assert "works inside an incident channel" in _private(harness)


def test_a_blank_summary_is_refused_on_its_field(harness: Harness) -> None:
    channel = _declared(harness)
    view_id = _resolve_form(harness, channel)

    response = harness.submit(
        ALICE, view_id, {"resolution_summary": "   ", "root_cause": "policy_gap"}
    )

    assert response.json() == {
        "response_action": "errors",
        "errors": {"resolution_summary": "Say how it was resolved: the summary is required."},
    }
    assert harness.standin.view(view_id).state == "open"
    incident = harness.incident()
    assert (incident.status, incident.resolved_at, incident.resolution_summary) == (
        "investigating",
        None,
        None,
    )


def test_an_overlong_follow_up_is_refused_on_its_field(harness: Harness) -> None:
    channel = _declared(harness)
    view_id = _resolve_form(harness, channel)

    response = harness.submit(
        ALICE,
        view_id,
        {
            "resolution_summary": "Done",
            "root_cause": "other",
            "followups": "Short one\n" + "x" * 301,
        },
    )

    errors = response.json()["errors"]
    assert list(errors) == ["followups"]
    assert errors["followups"].startswith("Follow-up 2 is 301 characters")
    with harness.sessions() as session:
        assert session.scalars(select(FollowUp)).all() == []
    assert harness.incident().resolved_at is None


def test_submitting_the_form_resolves_and_tells_channel_and_broadcast(harness: Harness) -> None:
    channel = _declared(harness)
    assert {r.state for r in _reminders(harness)} == {"pending"}
    harness.clock.advance(timedelta(minutes=95))

    _resolve(
        harness,
        channel,
        impact="About 300 buyers | 2 marketplaces",
        followups="Add the brand to the watchlist\n\n  Review seller onboarding  \n",
    )

    incident = harness.incident()
    assert incident.status == "resolved"
    assert incident.resolved_at == harness.clock.now()
    assert incident.resolution_summary == SUMMARY
    assert (incident.root_cause, incident.impact) == (
        "bad_actor",
        "About 300 buyers | 2 marketplaces",
    )
    assert {r.state for r in _reminders(harness)} == {"cancelled"}
    with harness.sessions() as session:
        followups = session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
        assert [(f.title, f.owner, f.status, f.created_by) for f in followups] == [
            ("Add the brand to the watchlist", None, "open", ALICE),
            ("Review seller onboarding", None, "open", ALICE),
        ]
    events = harness.events()
    assert [e.kind for e in events] == [
        "declared",
        "status_changed",
        "resolved",
        "followup",
        "followup",
    ]
    resolved = events[2]
    assert (resolved.actor, resolved.text) == (ALICE, SUMMARY)
    assert resolved.data["root_cause"] == "bad_actor"

    line = _bot_lines(harness, channel)[-1]
    assert line.startswith(f":white_check_mark: *INC-1 resolved* by <@{ALICE}>.")
    assert "*Summary:* Removed the listings &amp; banned the seller &lt;@U0BOB&gt;" in line
    assert "*Root cause:* Bad actor" in line
    assert "*Impact:* About 300 buyers | 2 marketplaces" in line
    assert "*Follow-ups:* 2 recorded" in line
    broadcast = harness.standin.messages(BROADCAST_CHANNEL)[-1].text
    assert broadcast.startswith(":white_check_mark: INC-1 resolved (SEV3, Other): *Counterfeit")
    assert "Root cause: Bad actor." in broadcast
    assert field_texts(harness.card().blocks)["Status"] == "Resolved"
    assert "Resolved" in harness.standin.channel(channel).topic


def test_the_card_button_opens_the_same_form(harness: Harness) -> None:
    channel = _declared(harness)
    card = harness.card()
    assert "incident_resolve" in action_ids(card.blocks)
    assert not any(a.startswith("incident_status.resolved") for a in action_ids(card.blocks))

    harness.click(BOB, channel, card.ts, "incident_resolve")
    (view,) = harness.standin.open_views(BOB)
    harness.submit(BOB, view.id, {"resolution_summary": "Fixed", "root_cause": "detection_gap"})

    incident = harness.incident()
    assert (incident.status, incident.root_cause, incident.impact) == (
        "resolved",
        "detection_gap",
        None,
    )
    assert "incident_resolve" not in action_ids(harness.card().blocks)
    assert "*Impact:* _not recorded_" in _bot_lines(harness, channel)[-1]


def test_a_restricted_incident_is_resolved_without_details_in_the_broadcast(
    harness: Harness,
) -> None:
    channel = _declared(harness, f"--private {TITLE}")

    _resolve(harness, channel)

    assert harness.incident().status == "resolved"
    broadcast = harness.standin.messages(BROADCAST_CHANNEL)
    assert broadcast[-1].text == ":lock: INC-1 (restricted) was resolved."
    assert not any("Counterfeit" in m.text or "Bad actor" in m.text for m in broadcast)
    assert "*Root cause:* Bad actor" in _bot_lines(harness, channel)[-1]


def test_resolving_a_resolved_incident_is_refused(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)

    harness.command("resolve", channel=channel)

    assert harness.standin.open_views(ALICE) == []
    assert "INC-1 is already resolved" in _private(harness)


def test_only_the_commander_may_resolve_an_owned_incident(harness: Harness) -> None:
    channel = _declared(harness)
    harness.click(ALICE, channel, harness.card().ts, "incident_owner", selected_user=CAROL)

    harness.click(BOB, channel, harness.card().ts, "incident_resolve")

    assert harness.standin.open_views(BOB) == []
    assert "may resolve the incident" in _private(harness, BOB)
    assert harness.incident().status == "investigating"


# Reopening


def test_reopen_goes_back_to_the_first_status_and_replans_reminders(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.clock.advance(timedelta(minutes=10))

    harness.command("reopen", user=BOB, channel=channel)

    incident = harness.incident()
    assert (incident.status, incident.resolved_at) == ("investigating", None)
    reopened = harness.events()[-1]
    assert (reopened.kind, reopened.actor, reopened.text) == (
        "reopened",
        BOB,
        "Reopened (was Resolved)",
    )
    assert "pending" in {r.state for r in _reminders(harness, "status_update")}
    assert _bot_lines(harness, channel)[-1] == (
        f"<@{BOB}> changed status from *Resolved* to *Investigating*."
    )
    assert field_texts(harness.card().blocks)["Status"] == "Investigating"


def test_reopening_an_open_incident_is_refused(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("reopen", channel=channel)

    assert "INC-1 is not resolved or closed" in _private(harness)
    assert harness.events()[-1].kind == "declared"


# Closing


def test_closing_an_unresolved_incident_is_refused(harness: Harness) -> None:
    channel = _declared(harness)

    harness.command("close", channel=channel)

    assert "INC-1 is not resolved yet, so it cannot be closed" in _private(harness)
    assert _reminders(harness, "archive") == []
    assert harness.standin.calls_to("files.getUploadURLExternal") == []


def test_close_posts_the_report_then_archives_after_archive_after(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    closed_by_command_at = harness.clock.now()

    harness.command("close", channel=channel)

    incident = harness.incident()
    assert incident.report_posted_at == closed_by_command_at
    assert incident.status == "resolved"
    [report] = [m for m in harness.standin.messages(channel) if m.files]
    assert report.files[0]["name"] == "INC-1-report.md"
    content = harness.standin.uploaded(report.files[0]["id"])
    assert content is not None
    assert content.decode().startswith(f"# INC-1: {TITLE}\n")
    kinds = [e.kind for e in harness.events()]
    assert kinds[-2:] == ["close_scheduled", "report_posted"]
    lines = _bot_lines(harness, channel)
    assert lines[-1].startswith(f":file_cabinet: <@{ALICE}> closed INC-1.")
    (archive,) = _reminders(harness, "archive")
    assert archive.due_at == closed_by_command_at + timedelta(days=1)

    harness.clock.advance(timedelta(days=1) - timedelta(minutes=1))
    assert harness.firebreak.reminders.run_due().sent == []
    assert not harness.standin.channel(channel).is_archived

    harness.clock.advance(timedelta(minutes=1))
    report_run = harness.firebreak.reminders.run_due()

    assert report_run.sent == [archive.key]
    assert harness.standin.channel(channel).is_archived
    incident = harness.incident()
    assert incident.status == "closed"
    assert incident.closed_at == harness.clock.now()
    assert incident.channel_archived_at == harness.clock.now()
    assert incident.report_posted_at == closed_by_command_at  # posted once, before
    assert len([m for m in harness.standin.messages(channel) if m.files]) == 1
    closed = harness.events()[-1]
    assert (closed.kind, closed.actor, closed.data["requested_by"]) == ("closed", None, ALICE)
    assert harness.events()[-2].kind == "status_changed"
    last: Message = harness.standin.messages(channel)[-1]
    assert last.text.startswith(":file_cabinet: INC-1 is closed and this channel is archived")
    assert field_texts(harness.card().blocks)["Status"] == "Closed"


def test_archiving_follows_the_policys_archive_after(database_url: str) -> None:
    policy = Policy.model_validate(
        {"channels": {"broadcast": BROADCAST_CHANNEL}, "lifecycle": {"archive_after": "2h"}}
    )
    with running_firebreak(database_url, policy) as harness:
        channel = _declared(harness)
        _resolve(harness, channel)
        harness.command("close", channel=channel)

        harness.clock.advance(timedelta(hours=1, minutes=59))
        assert harness.firebreak.reminders.run_due().sent == []
        harness.clock.advance(timedelta(minutes=1))
        assert len(harness.firebreak.reminders.run_due().sent) == 1

        assert harness.standin.channel(channel).is_archived
        assert harness.incident().status == "closed"


def test_archiving_posts_the_report_first_when_close_could_not(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.standin.fail("files.getUploadURLExternal", error="internal_error", times=10)

    harness.command("close", channel=channel)

    assert harness.incident().report_posted_at is None
    assert "Slack did not take the update" in _private(harness)
    harness.standin.clear_faults()
    harness.clock.advance(timedelta(days=1))

    assert len(harness.firebreak.reminders.run_due().sent) == 1

    incident = harness.incident()
    assert incident.report_posted_at == harness.clock.now()
    assert incident.channel_archived_at == harness.clock.now()
    messages = harness.standin.messages(channel)
    report_index = next(i for i, m in enumerate(messages) if m.files)
    assert report_index < len(messages) - 1  # the report, then the closing line
    posted = next(e for e in harness.events() if e.kind == "report_posted")
    assert posted.actor is None


def test_closing_twice_says_when_the_channel_is_archived(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.command("close", channel=channel)

    harness.command("close", channel=channel)

    assert "INC-1 is already closing: its channel is archived at 2026-11-21 09:30 UTC" in (
        _private(harness)
    )
    assert len(_reminders(harness, "archive")) == 1


def test_reopening_cancels_a_pending_archive(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.command("close", channel=channel)

    harness.command("reopen", channel=channel)

    assert [r.state for r in _reminders(harness, "archive")] == ["cancelled"]
    harness.clock.advance(timedelta(days=2))
    assert "archive" not in " ".join(harness.firebreak.reminders.run_due().sent)
    assert not harness.standin.channel(channel).is_archived
    assert harness.incident().status == "investigating"


def test_moving_a_closing_incident_back_on_the_card_stops_the_archive(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.command("close", channel=channel)

    harness.click(ALICE, channel, harness.card().ts, "incident_status.mitigated")
    harness.clock.advance(timedelta(days=1))
    run = harness.firebreak.reminders.run_due()

    assert len(run.cancelled) == 1
    assert not harness.standin.channel(channel).is_archived
    assert harness.incident().status == "mitigated"


def test_a_closed_incident_is_reopened_by_reference_from_anywhere(harness: Harness) -> None:
    channel = _declared(harness)
    _resolve(harness, channel)
    harness.command("close", channel=channel)
    harness.clock.advance(timedelta(days=1))
    harness.firebreak.reminders.run_due()

    harness.command("reopen INC-1", user=BOB, channel=GENERAL)

    incident = harness.incident()
    assert (incident.status, incident.closed_at, incident.resolved_at) == (
        "investigating",
        None,
        None,
    )
    answer = _private(harness, BOB)
    assert answer.startswith(":arrows_counterclockwise: INC-1 is reopened (Investigating).")
    assert "is archived: unarchive it in Slack" in answer
    assert harness.events()[-1].kind == "reopened"


def test_the_archive_closes_even_when_the_closer_no_longer_owns_it(harness: Harness) -> None:
    """/incident close was authorised when typed; a later change of owner does not undo it."""
    channel = _declared(harness)
    harness.standin.rate_limits = False
    harness.click(ALICE, channel, harness.card().ts, "incident_owner", selected_user=ALICE)
    _resolve(harness, channel)
    harness.command("close", channel=channel)
    harness.click(ALICE, channel, harness.card().ts, "incident_owner", selected_user=BOB)

    harness.clock.advance(timedelta(days=1))
    report = harness.firebreak.reminders.run_due()

    (archive,) = _reminders(harness, "archive")
    assert report.sent == [archive.key]
    assert harness.standin.channel(channel).is_archived
    incident = harness.incident()
    assert incident.status == "closed"
    assert incident.closed_at == harness.clock.now()
    assert "refused" not in [e.kind for e in harness.events()]
