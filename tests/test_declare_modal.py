"""`/incident declare` with no text opens a form; its errors show on the fields."""

from __future__ import annotations

from tests.support.harness import ALICE, BROADCAST_CHANNEL, GENERAL, Harness


def test_declare_without_text_opens_the_form(harness: Harness) -> None:
    harness.command("declare")

    (view,) = harness.standin.open_views(ALICE)
    assert view.view["callback_id"] == "incident_declare"
    inputs = [b["block_id"] for b in view.view["blocks"] if b["type"] == "input"]
    assert inputs == [
        "title",
        "description",
        "domain",
        "severity",
        "restricted",
        "source",
        "external_ref",
        "market",
        "due_at",
    ]
    assert harness.incidents() == []


def test_an_empty_title_is_refused_on_its_field(harness: Harness) -> None:
    harness.command("declare")
    (view,) = harness.standin.open_views(ALICE)

    response = harness.submit(ALICE, view.id, {"title": "   ", "severity": "sev2"})

    assert response.json() == {
        "response_action": "errors",
        "errors": {"title": "Give the incident a title of 1 to 150 characters."},
    }
    assert harness.standin.view(view.id).state == "open"
    assert harness.incidents() == []


def test_submitting_the_form_declares_with_every_field(harness: Harness) -> None:
    harness.command("declare")
    (view,) = harness.standin.open_views(ALICE)

    harness.submit(
        ALICE,
        view.id,
        {
            "title": "Regulator asks about unsafe heaters",
            "description": "DSA request; 40 listings",
            "domain": "product_safety",
            "severity": "sev1",
            "restricted": ["restricted"],
        },
    )

    (incident,) = harness.incidents()
    assert incident.title == "Regulator asks about unsafe heaters"
    assert (incident.description, incident.domain, incident.severity) == (
        "DSA request; 40 listings",
        "product_safety",
        "sev1",
    )
    assert incident.restricted
    channel = harness.standin.channel(str(incident.channel_id))
    assert channel.is_private
    assert harness.standin.view(view.id).state == "closed"
    (confirmation,) = harness.standin.ephemerals(ALICE, GENERAL)
    assert f"<#{channel.id}>" in confirmation.text
    (announcement,) = harness.standin.messages(BROADCAST_CHANNEL)
    assert "unsafe heaters" not in announcement.text


def test_submitting_the_same_form_twice_declares_once(harness: Harness) -> None:
    harness.command("declare")
    (view,) = harness.standin.open_views(ALICE)
    payload = {"title": "Double submit", "severity": "sev3", "domain": "other"}
    harness.submit(ALICE, view.id, payload)

    harness.standin.reopen_view_for_test(view.id)
    harness.submit(ALICE, view.id, payload)

    assert len(harness.incidents()) == 1
    assert len(harness.standin.calls_to("conversations.create")) == 1


def test_form_text_is_stored_exactly_as_typed(harness: Harness) -> None:
    harness.command("declare")
    (view,) = harness.standin.open_views(ALICE)

    harness.submit(ALICE, view.id, {"title": "R&D <test> &amp; co", "severity": "sev3"})

    assert harness.incidents()[0].title == "R&D <test> &amp; co"
    header = harness.card().blocks[0]["text"]["text"]
    assert header == "INC-1 · R&D <test> &amp; co"
