"""What a weekly digest says, as plain data for the gateway to render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.kpi_models import Kpis


@dataclass(frozen=True)
class Overdue:
    """An open incident past one of its SLAs, or an open follow-up past its due date."""

    incident_id: int
    title: str | None  # None for a restricted incident: its reference only
    channel_id: str | None
    severity_label: str
    reasons: tuple[str, ...]  # "not acknowledged", "update overdue", "deadline passed"
    since: datetime  # when the oldest of those became due

    @property
    def reference(self) -> str:
        return f"INC-{self.incident_id}"


@dataclass(frozen=True)
class OverdueFollowUp:
    id: int
    incident_id: int
    title: str | None  # None on a restricted incident
    owner: str | None  # None on a restricted incident too: who works on it is not shown
    due_at: datetime


@dataclass(frozen=True)
class MostContained:
    incident_id: int
    title: str | None  # None for a restricted incident
    channel_id: str | None
    total: int
    actions: int


@dataclass(frozen=True)
class WeeklyDigest:
    """What one weekly digest says; ``week`` ends when the digest is due."""

    week: Kpis
    previous: Kpis
    past_sla: tuple[Overdue, ...]
    past_sla_total: int
    overdue_followups: tuple[OverdueFollowUp, ...]
    overdue_followups_total: int
    most_contained: tuple[MostContained, ...]
