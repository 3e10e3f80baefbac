"""Slack failing midway: the incident is never lost, and retrying finishes without duplicates."""

from __future__ import annotations

from datetime import timedelta

from tests.support.harness import ALICE, BROADCAST_CHANNEL, GENERAL, Harness, running_firebreak
from workflows.policy import Policy


def _resume(harness: Harness) -> int:
    harness.clock.advance(timedelta(minutes=5))
    return harness.firebreak.services.provisioner.resume_pending()


def test_a_failed_pin_leaves_the_incident_and_resumes_where_it_stopped(harness: Harness) -> None:
    harness.standin.fail("pins.add", status=500, times=10)

    harness.command("declare Fraud ring")

    (incident,) = harness.incidents()
    assert incident.channel_id is not None
    assert incident.card_ts is not None
    assert not incident.card_pinned
    assert incident.provisioned_at is None
    assert incident.provision_error is not None
    assert incident.provision_error.startswith("Slack pins.add failed")
    warning = harness.standin.ephemerals(ALICE, GENERAL)[-1]
    assert "INC-1 is recorded, but Slack failed" in warning.text

    harness.standin.clear_faults()
    assert _resume(harness) == 1

    incident = harness.incident()
    assert incident.card_pinned
    assert incident.provisioned_at is not None
    assert len(harness.standin.calls_to("conversations.create")) == 1
    cards = [m for m in harness.standin.messages(str(incident.channel_id)) if m.blocks]
    assert len(cards) == 1
    assert len(harness.standin.messages(BROADCAST_CHANNEL)) == 1


def test_slack_down_at_declare_time_still_records_the_incident(harness: Harness) -> None:
    harness.standin.fail("conversations.create", status=503, times=100)

    response = harness.command("declare Checkout outage")

    assert response.status == 200
    (incident,) = harness.incidents()
    assert incident.channel_id is None
    assert incident.provision_attempts == 1
    assert [e.kind for e in harness.events()] == ["declared"]

    harness.standin.clear_faults()
    assert _resume(harness) == 1
    incident = harness.incident()
    assert incident.channel_id is not None
    assert incident.provisioned_at is not None


def test_transient_errors_are_retried_by_the_client(harness: Harness) -> None:
    harness.standin.fail("chat.postMessage", status=500, times=1)
    harness.standin.fail("conversations.invite", status=429, retry_after=1, times=1)

    harness.command("declare Flaky Slack")

    incident = harness.incident()
    assert incident.provisioned_at is not None
    statuses = [c.status for c in harness.standin.calls_to("conversations.invite")]
    assert statuses == [429, 200]


def test_resume_does_not_touch_incidents_being_provisioned(harness: Harness) -> None:
    harness.declare("Done already")

    assert _resume(harness) == 0
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_a_slack_failure_after_a_change_keeps_the_change(harness: Harness) -> None:
    channel = harness.declare("Card update fails")
    ts = harness.card().ts
    harness.standin.fail("chat.update", status=500, times=10)

    harness.click(ALICE, channel.id, ts, "incident_severity", selected_option="sev1")

    assert harness.incident().severity == "sev1"
    assert harness.events()[-1].kind == "severity_changed"
    told = harness.standin.ephemerals(ALICE, channel.id)[-1]
    assert "Saved, but Slack did not take the update" in told.text


def test_the_bot_joins_a_public_broadcast_channel_it_was_not_invited_to(
    database_url: str,
) -> None:
    policy = Policy.model_validate({"channels": {"broadcast": "C0ANNOUNCE"}})
    with running_firebreak(database_url, policy) as harness:
        harness.standin.add_channel("announcements", channel_id="C0ANNOUNCE", members=[ALICE])

        harness.command("declare Announced anyway")

        (announcement,) = harness.standin.messages("C0ANNOUNCE")
        assert "INC-1" in announcement.text
        assert "U0FIREBOT" in harness.standin.channel("C0ANNOUNCE").members
        assert harness.incident().provisioned_at is not None


def test_an_unreachable_database_is_reported_and_nothing_reaches_slack() -> None:
    with running_firebreak("postgresql+psycopg://postgres@127.0.0.1:1/nowhere") as harness:
        response = harness.command("declare Lost to the void")

        assert response.status == 200
        (reply,) = harness.standin.ephemerals(ALICE, GENERAL)
        assert "I couldn't save that: the database is unreachable" in reply.text
        assert "Nothing was changed" in reply.text
        assert harness.standin.calls_to("conversations.create") == []


def test_a_fast_slack_error_after_the_ack_keeps_the_ack_and_is_reported(harness: Harness) -> None:
    channel = harness.declare("Card update refused")
    ts = harness.card().ts
    harness.standin.fail("chat.update", status=200, error="channel_not_found", times=5)

    response = harness.click(ALICE, channel.id, ts, "incident_severity", selected_option="sev2")

    assert response.status == 200
    assert response.problems == ()  # acknowledged in time: Bolt did not drop the ack
    assert harness.incident().severity == "sev2"
    told = harness.standin.ephemerals(ALICE, channel.id)[-1]
    assert "Saved, but Slack did not take the update (channel_not_found)" in told.text
