"""Plain, immutable views of an incident handed out of the domain (to renderers, to jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal


@dataclass(frozen=True)
class IncidentSnapshot:
    id: int
    title: str
    description: str
    domain: str
    domain_label: str
    severity: str
    severity_label: str
    severity_description: str
    status: str
    status_label: str
    restricted: bool
    declared_by: str
    declared_at: datetime
    updated_at: datetime
    owner: str | None
    channel_id: str | None
    channel_name: str | None
    card_ts: str | None

    @property
    def reference(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True)
class StateChange:
    """One change made to an incident, as the channel line and the timeline describe it."""

    field: Literal["severity", "status", "owner"]
    actor: str
    before: str | None
    after: str
    before_label: str | None
    after_label: str


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]
