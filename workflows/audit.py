"""An incident's audit trail: who changed what, from what to what, when, and through where.

The trail is the timeline itself (the database refuses to update or delete its rows), read
in order as plain data. Events are streamed in batches, so a years-long incident with a
busy capture channel is printed as it is read, never held in memory whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Incident, TimelineEvent
from workflows.errors import IncidentNotFound
from workflows.export_tables import TIME_FORMAT

BATCH_ROWS = 500
NOTHING = "none"  # how a missing before/after value (no owner yet) reads in a line


@dataclass(frozen=True)
class AuditEntry:
    """One timeline event. ``data`` holds ``before``/``after`` where the change has them."""

    event_id: int
    incident_id: int
    occurred_at: datetime
    actor: str | None
    surface: str
    kind: str
    text: str
    data: dict[str, Any]

    @property
    def reference(self) -> str:
        return f"INC-{self.incident_id}"

    @property
    def change(self) -> tuple[Any, Any] | None:
        """``(before, after)`` when the event recorded both, else None."""
        if "before" in self.data and "after" in self.data:
            return self.data["before"], self.data["after"]
        return None


def trail(session: Session, incident_id: int, batch: int = BATCH_ROWS) -> Iterator[AuditEntry]:
    """Every event of the incident, oldest first; ``IncidentNotFound`` before any is read."""
    if session.scalar(select(Incident.id).where(Incident.id == incident_id)) is None:
        raise IncidentNotFound(incident_id)
    return _events(session, incident_id, batch)


def _events(session: Session, incident_id: int, batch: int) -> Iterator[AuditEntry]:
    e = TimelineEvent
    result = session.execute(
        select(e.id, e.incident_id, e.occurred_at, e.actor, e.surface, e.kind, e.text, e.data)
        .where(e.incident_id == incident_id)
        .order_by(e.occurred_at, e.id)
        .execution_options(yield_per=batch)
    )
    for row in result:
        yield AuditEntry(
            event_id=row.id,
            incident_id=row.incident_id,
            occurred_at=row.occurred_at,
            actor=row.actor,
            surface=row.surface,
            kind=row.kind,
            text=row.text,
            data=dict(row.data or {}),
        )


def moment(when: datetime) -> str:
    """``2026-11-16 09:05:00Z``: UTC to the second, marked as UTC."""
    return when.astimezone(UTC).strftime(TIME_FORMAT) + "Z"


def _value(value: Any) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def line(entry: AuditEntry) -> str:
    """``2026-11-16 09:05:00Z  U0BOB  button  severity_changed  sev3 → sev2  Severity …``.

    Fields are separated by two spaces; the before → after field is left out for events
    without one, and line breaks in the text are written as ``\\n`` to keep one event a line.
    """
    fields = [moment(entry.occurred_at), entry.actor or "-", entry.surface, entry.kind]
    if entry.change is not None:
        before, after = entry.change
        fields.append(f"{_one_line(_value(before))} → {_one_line(_value(after))}")
    fields.append(_one_line(entry.text))
    return "  ".join(fields)


def record(entry: AuditEntry) -> dict[str, Any]:
    """The entry as one JSON object (``jsonl``), with the export's timeline column names."""
    return {
        "reference": entry.reference,
        "event_id": entry.event_id,
        "occurred_at_utc": entry.occurred_at.astimezone(UTC).strftime(TIME_FORMAT),
        "actor": entry.actor,
        "surface": entry.surface,
        "kind": entry.kind,
        "text": entry.text,
        "data": entry.data,
    }
