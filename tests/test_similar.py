"""Similar past incidents on a new incident's card: explainable, resolved, never restricted."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from storage.database import create_database_engine, create_session_factory
from storage.models import Incident
from tests.support.blocks import block, field_texts, mrkdwn_text
from tests.support.harness import ALICE, Harness
from tests.support.history import MONDAY, add_event, add_incident
from workflows.similar import suggest, words_of

DAY = timedelta(days=1)


def test_words_are_content_words_without_plurals() -> None:
    assert words_of("The counterfeit SNEAKERS are sold via 3 new shops in DE!") == {
        "counterfeit",
        "sneaker",
        "sold",
        "shop",
    }


def _past(session: Session, title: str, **fields: object) -> int:
    fields.setdefault("resolved_at", MONDAY + DAY)
    return add_incident(session, declared_at=MONDAY, title=title, **fields).id  # type: ignore[arg-type]


def test_suggestions_rank_by_shared_words_and_domain(database_url: str) -> None:
    sessions = create_session_factory(create_database_engine(database_url))
    with sessions.begin() as session:
        best = _past(session, "Counterfeit sneakers sold by new sellers", root_cause="bad_actor")
        other_domain = _past(session, "Sneakers listed at fake discount", domain="fraud_scam")
        _past(session, "Counterfeit sneakers in DE", restricted=True)  # never offered
        _past(session, "Counterfeit sneakers again", resolved_at=None)  # still open
        _past(session, "Payment outage in checkout", domain="platform_outage")  # nothing shared
        new = add_incident(
            session, declared_at=MONDAY + 10 * DAY, title="Counterfeit sneakers from new sellers"
        ).id

    with sessions() as session:
        found = suggest(session, new)

    assert [s.incident_id for s in found] == [best, other_domain]
    assert found[0].same_domain
    assert found[0].shared_words[:3] == ("counterfeit", "sneaker", "seller")
    assert not found[1].same_domain
    assert found[1].shared_words == ("sneaker",)
    assert found[0].score > found[1].score


def test_the_card_offers_similar_incidents_with_cause_and_report(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        past = add_incident(
            session,
            declared_at=MONDAY - 30 * DAY,
            title="Counterfeit chargers sold as branded",
            resolved_at=MONDAY - 29 * DAY,
            root_cause="bad_actor",
        )
        add_event(
            session,
            past,
            MONDAY - 28 * DAY,
            "report_posted",
            {"file": "F1", "permalink": "https://example.slack.com/files/U1/F1/report.md"},
        )

    harness.declare("--domain counterfeit Counterfeit chargers again, new sellers")

    similar = block(harness.card(2).blocks, "similar")["text"]["text"]
    assert similar.startswith("*Similar past incidents*")
    assert "*INC-1* Counterfeit chargers sold as branded" in similar
    assert "root cause: Bad actor" in similar
    assert "<https://example.slack.com/files/U1/F1/report.md|report>" in similar
    assert "same domain; shares “counterfeit”, “charger”" in similar
    assert harness.incident(2).similar[0]["id"] == 1


def test_a_restricted_incident_is_never_offered_on_a_card(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        # The closer match, and restricted: it must not reach the new incident's card.
        add_incident(
            session,
            declared_at=MONDAY - 30 * DAY,
            title="Counterfeit chargers from new sellers, leaked ledger",
            resolved_at=MONDAY - 29 * DAY,
            restricted=True,
        )
        add_incident(
            session,
            declared_at=MONDAY - 20 * DAY,
            title="Counterfeit chargers sold as branded",
            resolved_at=MONDAY - 19 * DAY,
        )

    channel = harness.declare("--domain counterfeit Counterfeit chargers from new sellers")

    assert [item["id"] for item in harness.incident(3).similar] == [2]
    similar = block(harness.card(3).blocks, "similar")["text"]["text"]
    assert "*INC-2* Counterfeit chargers sold as branded" in similar
    assert "INC-1" not in similar
    assert "leaked ledger" not in mrkdwn_text(harness.card(3).blocks)

    # INC-2 is restricted after it was suggested: the next card no longer shows it.
    with harness.sessions.begin() as session:
        session.get_one(Incident, 2).restricted = True
    harness.standin.rate_limits = False
    card_ts = harness.card(3).ts
    harness.click(ALICE, channel.id, card_ts, "incident_severity", selected_option="sev2")

    card = harness.card(3).blocks
    assert field_texts(card)["Severity"].startswith("*SEV2*")  # the card was redrawn
    assert [item["id"] for item in harness.incident(3).similar] == [2]  # still stored
    assert not [b for b in card if b["block_id"].endswith(".similar")]
    assert "Counterfeit chargers sold as branded" not in mrkdwn_text(card)


def test_no_similar_section_when_nothing_matches(harness: Harness) -> None:
    harness.declare("Checkout latency spike")

    assert not [b for b in harness.card().blocks if b["block_id"].endswith(".similar")]


def test_a_shared_domain_alone_is_no_likeness(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        # Same domain as the new incident, resolved, and its title even contains "spike"
        # (so the database offers it as a candidate), but it shares no word.
        add_incident(
            session,
            declared_at=MONDAY - 30 * DAY,
            title="Spiked drinks sold to minors",
            domain="other",
            resolved_at=MONDAY - 29 * DAY,
        )

    harness.declare("--domain other Checkout latency spike")

    assert harness.incident(2).similar == []
    assert not [b for b in harness.card(2).blocks if b["block_id"].endswith(".similar")]
