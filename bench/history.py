"""A realistic incident history, written in bulk, for the report benchmarks.

Two years of incidents with the shape a Trust & Safety team's history has: mostly minor
ones, a few severe; most acknowledged within minutes, some late or never; most resolved,
a few reopened; regulator escalations with deadlines; status updates, notes, severity
and status changes on the timeline; containment actions counted in the thousands;
follow-ups, some overdue. About ten timeline events and two containment actions per
incident, so 100,000 incidents make about a million events and 200,000 actions.

Rows are generated and inserted in batches (Core ``insert`` with executemany), so the
generator's own memory stays flat however large the history.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from storage.models import ContainmentAction, FollowUp, Incident, TimelineEvent

BATCH = 2_000
SEVERITIES = (("sev1", 0.04), ("sev2", 0.16), ("sev3", 0.45), ("sev4", 0.35))
DOMAINS = (
    "counterfeit",
    "prohibited_item",
    "product_safety",
    "fraud_scam",
    "harmful_content",
    "ip_infringement",
    "seller_identity",
    "regulatory_request",
    "data_privacy",
    "platform_outage",
    "other",
)
SOURCES = (
    None,
    "regulator",
    "law_enforcement",
    "legal",
    "policy",
    "pr_media",
    "user_reports",
    "internal_detection",
    "vendor",
)
MARKETS = (None, "DE", "FR", "GB", "US", "US-CA", "ES", "IT", "NL", "PL", "EU", "JP")
ROOT_CAUSES = ("bad_actor", "policy_gap", "detection_gap")
ACTIONS = ("listing_removed", "account_suspended", "content_removed", "payout_held")
_WORD_TEXT = """
counterfeit sneakers chargers perfume toys heaters listings sellers refund scam phishing
reviews payout accounts takedown regulator request recall unsafe batteries outage checkout
search ranking spam harassment impersonation brand trademark
"""
WORDS = tuple(_WORD_TEXT.split())
PEOPLE = tuple(f"U0{name}" for name in ("ALICE", "BOB", "CAROL", "DAVE", "ERIN", "FRANK"))


@dataclass(frozen=True)
class Generated:
    incidents: int
    events: int
    actions: int
    followups: int
    end: datetime  # the moment the history reaches: "now" for the reports


def generate(engine: Engine, incidents: int, *, seed: int = 42) -> Generated:
    """Write ``incidents`` incidents and their events, actions and follow-ups."""
    rng = random.Random(seed)
    end = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    span = timedelta(days=730)
    counts = {"events": 0, "actions": 0, "followups": 0}
    for first in range(1, incidents + 1, BATCH):
        numbers = range(first, min(first + BATCH, incidents + 1))
        batch = [_incident(rng, number, end, span, incidents) for number in numbers]
        events: list[dict[str, Any]] = []
        actions: list[dict[str, Any]] = []
        followups: list[dict[str, Any]] = []
        for row in batch:
            events.extend(_events(rng, row, end))
            actions.extend(_actions(rng, row, end))
            followups.extend(_followups(rng, row, end))
        with engine.begin() as connection:
            connection.execute(insert(Incident), batch)
            for chunk in _chunks(events):
                connection.execute(insert(TimelineEvent), chunk)
            if actions:
                connection.execute(insert(ContainmentAction), actions)
            if followups:
                connection.execute(insert(FollowUp), followups)
        counts["events"] += len(events)
        counts["actions"] += len(actions)
        counts["followups"] += len(followups)
    return Generated(incidents, counts["events"], counts["actions"], counts["followups"], end)


def _chunks(rows: list[dict[str, Any]], size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _incident(
    rng: random.Random, number: int, end: datetime, span: timedelta, total: int
) -> dict[str, Any]:
    # Evenly spread over the span, in declaration order, with a little jitter.
    declared = end - span + span * (number / (total + 1)) + timedelta(minutes=rng.uniform(-30, 30))
    declared = min(declared, end - timedelta(minutes=1))
    severity = rng.choices([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])[0]
    acknowledged = _after(rng, declared, end, minutes=rng.lognormvariate(2.5, 1.0), chance=0.93)
    contained = _after(rng, declared, end, minutes=rng.lognormvariate(4.5, 1.2), chance=0.7)
    resolved = _after(rng, declared, end, minutes=rng.lognormvariate(7.0, 1.3), chance=0.9)
    if contained and resolved and contained > resolved:
        contained = resolved
    source = rng.choice(SOURCES)
    due = None
    if source in ("regulator", "law_enforcement", "legal") and rng.random() < 0.8:
        due = declared + timedelta(days=rng.choice((1, 3, 7, 14)))
    status = "resolved" if resolved else ("contained" if contained else "investigating")
    title = " ".join(rng.sample(WORDS, 4)).capitalize()
    return {
        "id": number,
        "title": title,
        "description": " ".join(rng.sample(WORDS, 10)),
        "domain": rng.choice(DOMAINS),
        "severity": severity,
        "status": status,
        "restricted": rng.random() < 0.05,
        "source": source,
        "external_ref": f"REF-{number}" if source else None,
        "market": rng.choice(MARKETS),
        "similar": [],
        "due_at": due,
        "declared_by": rng.choice(PEOPLE),
        "declared_at": declared,
        "acknowledged_at": acknowledged,
        "acknowledged_by": rng.choice(PEOPLE) if acknowledged else None,
        "contained_at": contained,
        "resolved_at": resolved,
        "closed_at": resolved + timedelta(days=1)
        if resolved and resolved < end - timedelta(days=1)
        else None,
        "updated_at": resolved or declared,
        "root_cause": rng.choice(("bad_actor", "policy_gap", "detection_gap"))
        if resolved
        else None,
        "declare_key": f"bench:{number}",
        "channel_id": f"C{number:09d}",
        "channel_name": f"inc-{number}",
        "declarer_invited": True,
        "card_ts": f"{number}.000100",
        "card_pinned": True,
        "topic_set": True,
        "provisioned_at": declared,
        "provision_attempts": 1,
    }


def _closed(resolved: datetime | None, end: datetime) -> datetime | None:
    """Closed a day after resolution, when that day has passed."""
    if resolved is None or resolved + timedelta(days=1) >= end:
        return None
    return resolved + timedelta(days=1)


def _after(
    rng: random.Random, start: datetime, end: datetime, *, minutes: float, chance: float
) -> datetime | None:
    if rng.random() > chance:
        return None
    moment = start + timedelta(minutes=max(minutes, 0.5))
    return moment if moment < end else None


def _event(row: dict[str, Any], at: datetime, kind: str, **data: Any) -> dict[str, Any]:
    return {
        "incident_id": row["id"],
        "occurred_at": at,
        "actor": row["declared_by"],
        "kind": kind,
        "text": kind.replace("_", " "),
        "data": data,
        "surface": "slash_command",
    }


def _events(rng: random.Random, row: dict[str, Any], end: datetime) -> list[dict[str, Any]]:
    declared: datetime = row["declared_at"]
    stop: datetime = row["resolved_at"] or end
    events = [_event(row, declared, "declared", severity=row["severity"])]
    if row["acknowledged_at"]:
        events.append(_event(row, row["acknowledged_at"], "acknowledged"))
    for _ in range(rng.randint(3, 10)):  # status updates and notes over the life
        at = declared + (stop - declared) * rng.random()
        events.append(_event(row, at, rng.choice(("status_update", "note", "reminder_sent"))))
    if rng.random() < 0.2:
        events.append(_event(row, declared + timedelta(minutes=20), "severity_changed"))
    if row["contained_at"]:
        events.append(_event(row, row["contained_at"], "status_changed", after="contained"))
    if row["resolved_at"]:
        if rng.random() < 0.05:
            reopened = row["resolved_at"] - timedelta(minutes=30)
            events.append(_event(row, reopened, "reopened"))
        events.append(_event(row, row["resolved_at"], "status_changed", after="resolved"))
    return events


def _actions(rng: random.Random, row: dict[str, Any], end: datetime) -> list[dict[str, Any]]:
    declared: datetime = row["declared_at"]
    stop: datetime = row["resolved_at"] or end
    return [
        {
            "incident_id": row["id"],
            "kind": rng.choice(ACTIONS),
            "count": int(rng.lognormvariate(3.0, 1.5)) + 1,
            "note": "",
            "actor": row["declared_by"],
            "occurred_at": declared + (stop - declared) * rng.random(),
        }
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4)))
    ]


def _followups(rng: random.Random, row: dict[str, Any], end: datetime) -> list[dict[str, Any]]:
    if row["resolved_at"] is None or rng.random() > 0.3:
        return []
    created: datetime = row["resolved_at"]
    done = created + timedelta(days=rng.uniform(1, 40))
    return [
        {
            "incident_id": row["id"],
            "title": "Close the gap: " + " ".join(rng.sample(WORDS, 3)),
            "owner": rng.choice(PEOPLE),
            "due_at": created + timedelta(days=14),
            "status": "done" if done < end else "open",
            "created_by": row["declared_by"],
            "created_at": created,
            "done_at": done if done < end else None,
        }
    ]
