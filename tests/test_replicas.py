"""Two replicas on one PostgreSQL, behind one address: changes to the same incident, made
at once through both, serialize; no count is lost and the card ends at the final state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from commands.blocks.card import card_blocks, card_fallback_text
from storage.models import ContainmentAction, TimelineEvent
from tests.slack_standin import InboundResponse
from tests.support.consistency import assert_consistent
from tests.support.harness import ALICE, BOB, CAROL, DAVE, Harness
from tests.support.load_balancer import Replicas, running_replicas
from workflows import incidents
from workflows.policy import Policy

ROUNDS = 3
OPEN_RULES = Policy.model_validate(
    {
        "channels": {"broadcast": "C0INCIDENTS"},
        "lifecycle": {"authorisation": {"downgrade": "anyone", "resolve": "anyone"}},
    }
)


@pytest.fixture
def replicas(database_url: str) -> Iterator[Replicas]:
    if make_url(database_url).get_backend_name() == "sqlite":
        pytest.skip("SQLite is the one-process deployment; replicas share a PostgreSQL")
    with running_replicas(database_url, OPEN_RULES) as running:
        running.harness.standin.rate_limits = False
        yield running


def test_changes_through_both_replicas_at_once_serialize(replicas: Replicas) -> None:
    harness = replicas.harness
    channel = harness.declare("Counterfeit sneakers")
    card = harness.card().ts
    logged = 0
    notes: list[str] = []
    for round_ in range(ROUNDS):
        counts = {ALICE: 11 + round_, BOB: 200 + round_, CAROL: 3000 + round_, DAVE: 7}
        acts: list[Callable[[], InboundResponse]] = []
        for user, count in counts.items():
            note = f"round {round_} note by {user}"
            notes.append(note)
            logged += count
            acts += [
                _command(harness, user, channel.id, f"action listing_removed {count}"),
                _command(harness, user, channel.id, f"note {note}"),
            ]
        acts += [
            _click(harness, ALICE, channel.id, card, "incident_severity", "sev1"),
            _click(harness, BOB, channel.id, card, "incident_severity", "sev2"),
            _click(harness, CAROL, channel.id, card, "incident_severity", "sev4"),
            _click(harness, ALICE, channel.id, card, "incident_owner", chosen=BOB),
            _click(harness, BOB, channel.id, card, "incident_owner", chosen=CAROL),
            _click(harness, DAVE, channel.id, card, "incident_owner", chosen=DAVE),
            *(_status_clicks(harness, channel.id, card)),
        ]
        answers = _all_at_once(replicas, acts)
        assert all(a.status == 200 and a.problems == () for a in answers)

    assert min(replicas.balancer.forwarded) > 0, "one replica served nothing"
    with harness.sessions() as session:
        total = session.scalar(
            select(func.sum(ContainmentAction.count)).where(ContainmentAction.incident_id == 1)
        )
        kinds = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.incident_id == 1)
        ).all()
        texts = session.scalars(
            select(TimelineEvent.text).where(TimelineEvent.kind == "note")
        ).all()
        final = incidents.load(session, 1, OPEN_RULES)
        assert_consistent(session)  # severity, status, owner histories chain: no lost update
    assert total == logged
    assert kinds.count("action_logged") == 4 * ROUNDS
    told = [m.text for u in (ALICE, BOB, CAROL, DAVE) for m in harness.standin.ephemerals(u)]
    assert sorted(texts) == sorted(notes), told  # every note once
    shown = harness.card()
    assert shown.blocks == card_blocks(final, OPEN_RULES)
    assert shown.text == card_fallback_text(final)
    assert "Counterfeit sneakers" in shown.text


def test_a_late_card_update_is_followed_by_the_latest(database_url: str) -> None:
    """A chat.update lost on the wire and retried lands after a newer card.

    Replica A's card update for the first change is held and dropped (its client sends
    it again); meanwhile replica B saves a second change and shows its card. A must not
    leave its older card on top. Any backend: two apps on one SQLite file work too.
    """
    with running_replicas(database_url, OPEN_RULES) as replicas:
        harness = replicas.harness
        channel = harness.declare("Fake chargers")
        card = harness.card().ts
        held = harness.standin.hold("chat.update", carry_out=False)
        first = threading.Thread(
            target=harness.standin.click,
            args=(ALICE, channel.id, card, "incident_severity"),
            kwargs={"selected_option": "sev1"},
        )
        first.start()
        held.wait_held()
        harness.standin.click(BOB, channel.id, card, "incident_severity", selected_option="sev2")
        _wait_until(lambda: "SEV2" in str(harness.card().blocks), "the second card")
        held.release()
        first.join(timeout=30)
        replicas.settle()

        with harness.sessions() as session:
            final = incidents.load(session, 1, OPEN_RULES)
        assert final.severity == "sev2"
        assert min(replicas.balancer.forwarded) > 0
        shown = harness.card()
        assert shown.blocks == card_blocks(final, OPEN_RULES)


def _wait_until(done: Callable[[], bool], what: str) -> None:
    """Wait for another replica's thread to get there."""
    pause = threading.Event()
    for _ in range(600):
        if done():
            return
        pause.wait(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _status_clicks(
    harness: Harness, channel_id: str, card: str
) -> list[Callable[[], InboundResponse]]:
    """Click every status button the card shows now, each by someone else."""
    message = harness.card()
    ids = [
        str(element["action_id"])
        for block in message.blocks
        if block.get("type") == "actions"
        for element in block.get("elements", [])
        if str(element.get("action_id", "")).startswith("incident_status.")
    ]
    users = [CAROL, DAVE, ALICE, BOB]
    return [
        _click(harness, users[i % len(users)], channel_id, card, action_id)
        for i, action_id in enumerate(ids[:2])
    ]


def _command(
    harness: Harness, user: str, channel_id: str, text: str
) -> Callable[[], InboundResponse]:
    return lambda: harness.standin.slash_command(user, channel_id, "/incident", text)


def _click(
    harness: Harness,
    user: str,
    channel_id: str,
    card: str,
    action_id: str,
    option: str | None = None,
    *,
    chosen: str | None = None,
) -> Callable[[], InboundResponse]:
    return lambda: harness.standin.click(
        user, channel_id, card, action_id, selected_option=option, selected_user=chosen
    )


def _all_at_once(
    replicas: Replicas, acts: list[Callable[[], InboundResponse]]
) -> list[InboundResponse]:
    start = threading.Barrier(len(acts))
    answers: list[InboundResponse | None] = [None] * len(acts)

    def run(index: int, act: Callable[[], InboundResponse]) -> None:
        start.wait()
        answers[index] = act()

    threads = [threading.Thread(target=run, args=(i, act)) for i, act in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    replicas.settle()
    assert None not in answers, "a request was never answered"
    return [answer for answer in answers if answer is not None]
