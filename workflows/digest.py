"""The weekly digest: the week's figures against the week before, and what needs attention.

Once a week, at the day and time the policy file names (in its time zone), the digest
channel gets the week's KPIs beside the previous week's, the trend chart, the open
incidents past an SLA, the overdue follow-ups and the incidents with the most
containment. It is a reminder row keyed by its date, so two replicas, a restart or a
late scheduler still post each week's digest once.

Everything is aggregated in SQL and the lists are capped, so building a digest reads a
bounded number of rows however long the history is. A restricted incident is named by
its reference only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.database import read_only
from storage.models import ContainmentAction, FollowUp, Incident, Reminder, TimelineEvent
from workflows.charts import render_trend_chart
from workflows.clock import Clock
from workflows.digest_data import MostContained, Overdue, OverdueFollowUp, WeeklyDigest
from workflows.gateway import SlackFailure, SlackGateway, reminder_tag
from workflows.kpi_models import Scope
from workflows.kpi_queries import severity_threshold
from workflows.kpis import compute_kpis
from workflows.periods import Period
from workflows.policy import Policy
from workflows.reminders import Due, reconcile
from workflows.rotations import next_weekly
from workflows.sql_time import seconds_between, utc_param
from workflows.trends import trend_title, weekly_trend

log = logging.getLogger(__name__)

DIGEST = "weekly_digest"
DIGEST_KINDS = (DIGEST,)
LIST_LIMIT = 10
WEEK = timedelta(days=7)
NEVER = float(10**12)
"""A threshold, in seconds, no open incident reaches."""


def build_digest(session: Session, policy: Policy, now: datetime) -> WeeklyDigest:
    """The digest of the seven days ending ``now``."""
    week = Period.between(now - WEEK, now)
    everything = Scope()
    past_sla, past_sla_total = _past_sla(session, policy, now)
    followups, followups_total = _overdue_followups(session, now)
    return WeeklyDigest(
        week=compute_kpis(session, policy, week, everything, now),
        previous=compute_kpis(session, policy, week.previous(), everything, now),
        past_sla=past_sla,
        past_sla_total=past_sla_total,
        overdue_followups=followups,
        overdue_followups_total=followups_total,
        most_contained=_most_contained(session, week, policy.digest.top_containment),
    )


def digest_chart(session: Session, policy: Policy, now: datetime) -> tuple[str, bytes]:
    """The digest's trend chart: its title and PNG."""
    trend = weekly_trend(session, policy, policy.digest.weeks_in_chart, "severity", now)
    title = trend_title(trend)
    return title, render_trend_chart(trend, title)


# Planning


def plan_digest(sessions: sessionmaker[Session], policy: Policy, clock: Clock) -> None:
    """Keep the next digest planned (none when the policy names no channel).

    A digest already due but not yet sent (the bot was down when it fell due) is kept, so
    the runner posts it late rather than skipping that week.
    """
    now = clock.now()
    desired: dict[str, tuple[str, int, datetime, dict[str, Any]]] = {}
    settings = policy.digest
    try:
        with sessions.begin() as session:
            if settings.channel is not None:
                for overdue in session.scalars(
                    select(Reminder).where(
                        Reminder.kind == DIGEST, Reminder.state == "pending", Reminder.due_at <= now
                    )
                ):
                    desired[overdue.key] = (DIGEST, 0, overdue.due_at, dict(overdue.data))
                due = next_weekly(settings.at, settings.zone, now)
                key = f"{DIGEST}:{due.astimezone(settings.zone).date().isoformat()}"
                desired[key] = (DIGEST, 0, due, {"series": DIGEST, "channel": settings.channel})
            reconcile(session, owner={"kind": DIGEST}, desired=desired, now=now)
    except IntegrityError:
        log.info("another replica planned the weekly digest first")


@dataclass(frozen=True)
class DigestReminders:
    """The reminder runner's handler for the weekly digest."""

    sessions: sessionmaker[Session]
    gateway: SlackGateway
    policy: Policy

    def send(self, due: Due) -> dict[str, Any] | None:
        channel = str(due.data.get("channel") or "")
        if not channel:
            return None
        # The week is the one ending when the digest was due, even when it is sent late.
        with read_only(self.sessions)() as session:
            digest = build_digest(session, self.policy, due.due_at)
            title, png = digest_chart(session, self.policy, due.due_at)
        self.gateway.post_digest(channel, digest, reminder_tag(due.id))
        # The post is what matters: a chart that fails is reported, not a reason to post twice.
        chart = "uploaded"
        try:
            self.gateway.upload_file(
                channel, "weekly-trend.png", png, title, "Incidents per week and time to resolve"
            )
        except SlackFailure as failure:
            log.warning("weekly digest posted, but its chart was not: %s", failure)
            chart = f"failed: {failure}"
        return {"channel": channel, "declared": digest.week.declared.total, "chart": chart}

    def find_sent(self, due: Due) -> dict[str, Any] | None:
        """``send``'s record when the digest, tagged with the reminder's id, is already posted.

        Its chart is then left out: a missing chart is better than risking a second digest.
        """
        channel = str(due.data.get("channel") or "")
        if not channel or self.gateway.find_posted(channel, reminder_tag(due.id)) is None:
            return None
        return {"channel": channel, "chart": "not sent: the digest's answer from Slack was lost"}

    def sent(self, session: Session, due: Due, record: dict[str, Any], now: datetime) -> None:
        """Nothing to add: the reminder row itself records when and where it went."""


# What needs attention


def _past_sla(session: Session, policy: Policy, now: datetime) -> tuple[tuple[Overdue, ...], int]:
    """Unresolved incidents not acknowledged in time, owing an update, or past their deadline."""
    # A severity without a threshold never breaches it.
    acknowledge_within = severity_threshold(
        Incident.severity, policy.escalation.acknowledge_seconds(), otherwise=NEVER
    )
    update_every = severity_threshold(
        Incident.severity, policy.escalation.update_seconds(), otherwise=NEVER
    )
    last_update = (
        select(
            TimelineEvent.incident_id.label("incident_id"),
            func.max(TimelineEvent.occurred_at).label("at"),
        )
        .where(TimelineEvent.kind == "status_update")
        .group_by(TimelineEvent.incident_id)
        .subquery("last_update")
    )
    since_update = seconds_between(
        utc_param(now), func.coalesce(last_update.c.at, Incident.declared_at)
    )
    not_acknowledged = and_(
        Incident.acknowledged_at.is_(None),
        seconds_between(utc_param(now), Incident.declared_at) > acknowledge_within,
    )
    update_overdue = since_update > update_every
    deadline_passed = and_(Incident.due_at.is_not(None), Incident.due_at < now)
    open_and_late = and_(
        Incident.resolved_at.is_(None),
        Incident.closed_at.is_(None),
        or_(not_acknowledged, update_overdue, deadline_passed),
    )
    base = (
        select(Incident.id)
        .outerjoin(last_update, last_update.c.incident_id == Incident.id)
        .where(open_and_late)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.restricted,
            Incident.channel_id,
            Incident.severity,
            Incident.declared_at,
            Incident.due_at,
            not_acknowledged.label("not_acknowledged"),
            update_overdue.label("update_overdue"),
            deadline_passed.label("deadline_passed"),
        )
        .outerjoin(last_update, last_update.c.incident_id == Incident.id)
        .where(open_and_late)
        .order_by(Incident.declared_at, Incident.id)
        .limit(LIST_LIMIT)
    ).all()
    found = []
    for row in rows:
        reasons = [
            reason
            for flag, reason in (
                (row.not_acknowledged, "not acknowledged"),
                (row.update_overdue, "update overdue"),
                (row.deadline_passed, "deadline passed"),
            )
            if flag
        ]
        found.append(
            Overdue(
                incident_id=row.id,
                title=None if row.restricted else row.title,
                channel_id=row.channel_id,
                severity_label=policy.label("severity", row.severity),
                reasons=tuple(reasons),
                since=row.due_at if row.deadline_passed and row.due_at else row.declared_at,
            )
        )
    return tuple(found), total


def _overdue_followups(session: Session, now: datetime) -> tuple[tuple[OverdueFollowUp, ...], int]:
    late = and_(FollowUp.status == "open", FollowUp.due_at.is_not(None), FollowUp.due_at < now)
    total = session.scalar(select(func.count()).select_from(FollowUp).where(late)) or 0
    rows = session.execute(
        select(
            FollowUp.id,
            FollowUp.incident_id,
            FollowUp.title,
            FollowUp.owner,
            FollowUp.due_at,
            Incident.restricted,
        )
        .join(Incident, Incident.id == FollowUp.incident_id)
        .where(late)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(LIST_LIMIT)
    ).all()
    return (
        tuple(
            OverdueFollowUp(
                id=row.id,
                incident_id=row.incident_id,
                title=None if row.restricted else row.title,
                owner=None if row.restricted else row.owner,
                due_at=row.due_at,
            )
            for row in rows
        ),
        total,
    )


def _most_contained(session: Session, week: Period, limit: int) -> tuple[MostContained, ...]:
    totals = (
        select(
            ContainmentAction.incident_id.label("incident_id"),
            func.sum(ContainmentAction.count).label("total"),
            func.count().label("actions"),
        )
        .where(
            ContainmentAction.occurred_at >= week.start, ContainmentAction.occurred_at < week.end
        )
        .group_by(ContainmentAction.incident_id)
        .subquery("totals")
    )
    rows = session.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.restricted,
            Incident.channel_id,
            totals.c.total,
            totals.c.actions,
        )
        .join(totals, totals.c.incident_id == Incident.id)
        .order_by(totals.c.total.desc(), Incident.id)
        .limit(limit)
    ).all()
    return tuple(
        MostContained(
            incident_id=row.id,
            title=None if row.restricted else row.title,
            channel_id=row.channel_id,
            total=int(row.total),
            actions=int(row.actions),
        )
        for row in rows
    )
