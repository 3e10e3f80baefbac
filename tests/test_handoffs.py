"""The weekend handoff and the Monday handback, on the manual clock.

The rotation (tests/support/policies.py) is in Europe/Berlin with the default weekend,
Friday 18:00 to Monday 09:00 local. The harness clock starts Friday 2026-11-20 10:30
Berlin (09:30 UTC), so this weekend's handoff is at 17:00 UTC and the handback Monday
2026-11-23 08:00 UTC. Carol takes the first weekend; Dave is her backup.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import Handoff
from tests.support.harness import CAROL, DAVE, Harness, running_firebreak
from tests.support.policies import ONCALL_CHANNEL, with_rotation
from workflows.handoffs import plan_handoffs
from workflows.reminders import RunReport

HANDOFF_AT = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
HANDBACK_AT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def oncall(database_url: str) -> Iterator[Harness]:
    with running_firebreak(database_url, with_rotation()) as harness:
        harness.standin.rate_limits = False
        harness.standin.add_channel(
            "trust-safety-oncall", channel_id=ONCALL_CHANNEL, members=["U0FIREBOT", CAROL, DAVE]
        )
        yield harness


def _plan(harness: Harness) -> None:
    services = harness.firebreak.services
    plan_handoffs(services.sessions, services.policy, services.clock)


def _at(harness: Harness, moment: datetime) -> RunReport:
    harness.clock.advance(moment - harness.clock.now())
    report = harness.firebreak.reminders.run_due()
    harness.settle()
    return report


def _handoff_keys(report: RunReport) -> list[str]:
    return [key for key in report.sent if key.startswith(("handoff", "handback"))]


def _oncall_posts(harness: Harness) -> list[str]:
    return [m.text for m in harness.standin.messages(ONCALL_CHANNEL)]


def test_the_weekend_handoff_posts_a_digest_and_asks_for_the_pager(oncall: Harness) -> None:
    channel = oncall.declare("--sev 2 Counterfeit wave")
    oncall.declare("--private --sev 1 Seller identity ring")
    _plan(oncall)

    assert _handoff_keys(_at(oncall, HANDOFF_AT - timedelta(seconds=1))) == []
    report = _at(oncall, HANDOFF_AT)

    assert _handoff_keys(report) == [f"handoff:trust-safety:{HANDOFF_AT.isoformat()}"]
    (digest,) = oncall.standin.messages(ONCALL_CHANNEL)
    assert digest.text.startswith(":handshake: *Weekend handoff for trust-safety*: <@U0CAROL>")
    listing = digest.blocks[-1]["text"]["text"]
    assert f"<#{channel.id}> *Counterfeit wave*" in listing
    assert ":lock: INC-2 (restricted)" in listing
    assert "Seller identity ring" not in listing
    (request,) = oncall.standin.dms(CAROL)
    assert "Please confirm you have the pager" in request.text


def test_without_confirmation_the_backup_is_paged(oncall: Harness) -> None:
    _plan(oncall)
    _at(oncall, HANDOFF_AT)

    assert _at(oncall, HANDOFF_AT + timedelta(minutes=29)).sent == []
    report = _at(oncall, HANDOFF_AT + timedelta(minutes=30))

    assert report.sent == [f"handoff_ack:trust-safety:{HANDOFF_AT.isoformat()}"]
    (page,) = oncall.standin.dms(DAVE)
    assert page.text.startswith(f":rotating_light: <@{DAVE}>: nobody confirmed")
    assert _oncall_posts(oncall)[-1] == page.text
    with oncall.sessions() as session:
        handoff = session.scalars(
            select(Handoff).where(Handoff.kind == "handoff", Handoff.window_starts_at == HANDOFF_AT)
        ).one()
    assert handoff.escalated_at == HANDOFF_AT + timedelta(minutes=30)


def test_confirming_the_pager_stops_the_backup_page(oncall: Harness) -> None:
    _plan(oncall)
    _at(oncall, HANDOFF_AT)
    (request,) = oncall.standin.dms(CAROL)

    oncall.click(CAROL, request.channel, request.ts, "handoff_acknowledge")

    answered = oncall.standin.dms(CAROL)[-1]
    assert answered.blocks[-1]["elements"][0]["text"] == (
        f":white_check_mark: <@{CAROL}> has the pager for *trust-safety*."
    )
    assert _at(oncall, HANDOFF_AT + timedelta(hours=1)).sent == []
    assert oncall.standin.dms(DAVE) == []


def test_the_handback_summarises_the_weekend(oncall: Harness) -> None:
    _plan(oncall)
    _at(oncall, HANDOFF_AT + timedelta(hours=2))
    channel = oncall.declare("--sev 1 Weekend scam")
    oncall.declare("--sev 3 Still going")
    oncall.standin.rate_limits = False
    oncall.click(CAROL, channel.id, oncall.card(1).ts, "incident_resolve")
    (form,) = oncall.standin.open_views(CAROL)
    oncall.submit(CAROL, form.id, {"resolution_summary": "Stopped", "root_cause": "bad_actor"})

    report = _at(oncall, HANDBACK_AT)

    assert f"handback:trust-safety:{HANDOFF_AT.isoformat()}" in report.sent
    handback = next(t for t in _oncall_posts(oncall) if t.startswith(":sunrise:"))
    assert handback.startswith(":sunrise: *Weekend handback for trust-safety*")
    assert "Declared: INC-1, INC-2" in handback
    assert "Resolved: INC-1" in handback


def test_planning_twice_plans_each_window_once(oncall: Harness) -> None:
    _plan(oncall)
    _plan(oncall)
    oncall.clock.advance(timedelta(minutes=10))
    _plan(oncall)

    with oncall.sessions() as session:
        rows = session.scalars(select(Handoff).order_by(Handoff.id)).all()
    assert [(h.kind, h.window_starts_at) for h in rows] == [
        ("handoff", HANDOFF_AT),
        ("handback", HANDOFF_AT),
        ("handoff", HANDOFF_AT + timedelta(days=7)),
        ("handback", HANDOFF_AT + timedelta(days=7)),
    ]


def test_a_handoff_across_the_spring_dst_change_keeps_local_times(oncall: Harness) -> None:
    # Berlin moves to summer time on Sunday 2027-03-28: the weekend starts Friday 18:00
    # CET (17:00 UTC) and ends Monday 09:00 CEST (07:00 UTC). It is the 19th weekend
    # since the rotation began, so Carol (18 mod 3 = 0) has it.
    oncall.clock.advance(datetime(2027, 3, 24, 12, 0, tzinfo=UTC) - oncall.clock.now())
    _plan(oncall)
    start = datetime(2027, 3, 26, 17, 0, tzinfo=UTC)

    assert _handoff_keys(_at(oncall, start - timedelta(minutes=1))) == []
    assert _handoff_keys(_at(oncall, start)) == [f"handoff:trust-safety:{start.isoformat()}"]
    request = oncall.standin.dms(CAROL)[-1]
    oncall.click(CAROL, request.channel, request.ts, "handoff_acknowledge")
    assert _handoff_keys(_at(oncall, datetime(2027, 3, 29, 6, 59, tzinfo=UTC))) == []
    assert _handoff_keys(_at(oncall, datetime(2027, 3, 29, 7, 0, tzinfo=UTC))) == [
        f"handback:trust-safety:{start.isoformat()}"
    ]
    assert oncall.standin.dms(DAVE) == []
