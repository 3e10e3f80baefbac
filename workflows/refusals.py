"""Every refused attempt, for ``firebreak audit --refusals``: who tried what, when, from where.

Refusals of an incident's steps live on its timeline (kind ``refused``); refusals of steps
about the whole workspace live in the ``refusals`` table. Both are append-only; this reads
them as one stream in time order, fetched in batches, so years of them print as read.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Refusal, TimelineEvent
from workflows.audit import moment
from workflows.export_tables import TIME_FORMAT

BATCH_ROWS = 500
WORKSPACE = "workspace"  # where a refusal about no one incident happened


@dataclass(frozen=True)
class RefusalEntry:
    occurred_at: datetime
    actor: str | None
    surface: str
    action: str
    incident_id: int | None  # None: a workspace step (export, chart, stats, override)
    detail: str

    @property
    def where(self) -> str:
        return WORKSPACE if self.incident_id is None else f"INC-{self.incident_id}"


def refusals(
    session: Session, since: datetime | None = None, batch: int = BATCH_ROWS
) -> Iterator[RefusalEntry]:
    """Every refusal at or after ``since`` (all when None), oldest first."""
    return heapq.merge(
        _workspace(session, since, batch),
        _incidents(session, since, batch),
        key=lambda entry: entry.occurred_at,
    )


def _workspace(session: Session, since: datetime | None, batch: int) -> Iterator[RefusalEntry]:
    query = select(Refusal).order_by(Refusal.occurred_at, Refusal.id)
    if since is not None:
        query = query.where(Refusal.occurred_at >= since)
    for row in session.scalars(query.execution_options(yield_per=batch)):
        yield RefusalEntry(
            occurred_at=row.occurred_at,
            actor=row.actor,
            surface=row.surface,
            action=row.action,
            incident_id=None,
            detail=row.detail,
        )


def _incidents(session: Session, since: datetime | None, batch: int) -> Iterator[RefusalEntry]:
    e = TimelineEvent
    query = (
        select(e.incident_id, e.occurred_at, e.actor, e.surface, e.text, e.data)
        .where(e.kind == "refused")
        .order_by(e.occurred_at, e.id)
    )
    if since is not None:
        query = query.where(e.occurred_at >= since)
    for row in session.execute(query.execution_options(yield_per=batch)):
        data: dict[str, Any] = dict(row.data or {})
        yield RefusalEntry(
            occurred_at=row.occurred_at,
            actor=row.actor,
            surface=row.surface,
            action=str(data.get("action", "")),
            incident_id=row.incident_id,
            detail=row.text,
        )


def line(entry: RefusalEntry) -> str:
    """``2026-11-16 09:05:00Z  U0BOB  slash_command  export  workspace  /incident export …``."""
    detail = entry.detail.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    fields = [moment(entry.occurred_at), entry.actor or "-", entry.surface, entry.action]
    return "  ".join([*fields, entry.where, detail])


def record(entry: RefusalEntry) -> dict[str, Any]:
    """The entry as one JSON object (``jsonl``)."""
    return {
        "occurred_at_utc": entry.occurred_at.astimezone(UTC).strftime(TIME_FORMAT),
        "actor": entry.actor,
        "surface": entry.surface,
        "action": entry.action,
        "reference": None if entry.incident_id is None else entry.where,
        "detail": entry.detail,
    }
