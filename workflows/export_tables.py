"""What each export contains, as data: for every column its name, SQL expression and formatter.

The column names are a public interface (spreadsheets and SQL loaders depend on them), so
they live here in one list per table, in output order, and README documents the same list.
Formatters turn what the database returns into plain values (str, int, bool, a JSON
object, or None); the writers in ``workflows.exports`` decide how each looks in CSV or JSONL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

from sqlalchemy import ColumnElement, SQLColumnExpression, select
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import ContainmentAction, FollowUp, Incident, RoleAssignment, TimelineEvent
from workflows.sql_time import seconds_between

Kind = Literal["incidents", "timeline", "actions", "followups"]
KINDS: tuple[Kind, ...] = ("incidents", "timeline", "actions", "followups")

Value: TypeAlias = str | int | bool | dict[str, Any] | None
"""One exported cell: text, a whole number, a boolean, a JSON object, or empty."""

Formatter = Callable[[Any], Value]

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def text(value: Any) -> Value:
    return value if value is None or type(value) is str else str(value)


def utc(value: Any) -> Value:
    """``2026-11-16 09:05:00``: UTC, to the second, a format Excel and SQL both parse."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {value!r}")
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime(TIME_FORMAT)


def seconds(value: Any) -> Value:
    # Rounded, not truncated: SQLite's julianday arithmetic gives 299.9999… for 300.
    return None if value is None else round(float(value))


def whole(value: Any) -> Value:
    return None if value is None else int(value)


def boolean(value: Any) -> Value:
    return None if value is None else bool(value)


def reference(value: Any) -> Value:
    return f"INC-{int(value)}"


def json_object(value: Any) -> Value:
    return dict(value) if isinstance(value, dict) else {"value": value}


@dataclass(frozen=True)
class Column:
    name: str
    sql: SQLColumnExpression[Any]
    format: Formatter


@dataclass(frozen=True)
class Table:
    """One export: its columns, the row's own time (what ``since``/``until`` filter), the
    incident each row belongs to (for the restricted filter), and the order rows come in."""

    kind: Kind
    columns: tuple[Column, ...]
    source: type[Incident | TimelineEvent | ContainmentAction | FollowUp]
    time: InstrumentedAttribute[datetime]
    incident_id: InstrumentedAttribute[int]
    order: InstrumentedAttribute[int]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


def _current_owner(owner_role: str) -> ColumnElement[str | None]:
    """The incident's current owner, as a correlated subquery: one statement, any history."""
    return (
        select(RoleAssignment.user_id)
        .where(
            RoleAssignment.incident_id == Incident.id,
            RoleAssignment.role == owner_role,
            RoleAssignment.ended_at.is_(None),
        )
        .order_by(RoleAssignment.id.desc())
        .limit(1)
        .correlate(Incident)
        .scalar_subquery()
    )


def _incidents(owner_role: str) -> Table:
    i = Incident
    return Table(
        kind="incidents",
        columns=(
            Column("reference", i.id, reference),
            Column("title", i.title, text),
            Column("description", i.description, text),
            Column("domain", i.domain, text),
            Column("severity", i.severity, text),
            Column("status", i.status, text),
            Column("restricted", i.restricted, boolean),
            Column("source", i.source, text),
            Column("external_ref", i.external_ref, text),
            Column("market", i.market, text),
            Column("declared_by", i.declared_by, text),
            Column("declared_at_utc", i.declared_at, utc),
            Column("due_utc", i.due_at, utc),
            Column("owner", _current_owner(owner_role), text),
            Column("acknowledged_by", i.acknowledged_by, text),
            Column("acknowledged_at_utc", i.acknowledged_at, utc),
            Column("contained_at_utc", i.contained_at, utc),
            Column("resolved_at_utc", i.resolved_at, utc),
            Column("closed_at_utc", i.closed_at, utc),
            Column(
                "seconds_to_acknowledge", seconds_between(i.acknowledged_at, i.declared_at), seconds
            ),
            Column("seconds_to_contain", seconds_between(i.contained_at, i.declared_at), seconds),
            Column("seconds_to_resolve", seconds_between(i.resolved_at, i.declared_at), seconds),
            Column("root_cause", i.root_cause, text),
            Column("resolution_summary", i.resolution_summary, text),
            Column("impact", i.impact, text),
            Column("channel_id", i.channel_id, text),
            Column("channel_name", i.channel_name, text),
        ),
        source=Incident,
        time=i.declared_at,
        incident_id=i.id,
        order=i.id,
    )


def _timeline() -> Table:
    e = TimelineEvent
    return Table(
        kind="timeline",
        columns=(
            Column("reference", e.incident_id, reference),
            Column("event_id", e.id, whole),
            Column("occurred_at_utc", e.occurred_at, utc),
            Column("actor", e.actor, text),
            Column("surface", e.surface, text),
            Column("kind", e.kind, text),
            Column("text", e.text, text),
            Column("data", e.data, json_object),
        ),
        source=TimelineEvent,
        time=e.occurred_at,
        incident_id=e.incident_id,
        order=e.id,
    )


def _actions() -> Table:
    a = ContainmentAction
    return Table(
        kind="actions",
        columns=(
            Column("reference", a.incident_id, reference),
            Column("action_id", a.id, whole),
            Column("occurred_at_utc", a.occurred_at, utc),
            Column("kind", a.kind, text),
            Column("count", a.count, whole),
            Column("note", a.note, text),
            Column("actor", a.actor, text),
        ),
        source=ContainmentAction,
        time=a.occurred_at,
        incident_id=a.incident_id,
        order=a.id,
    )


def _followups() -> Table:
    f = FollowUp
    return Table(
        kind="followups",
        columns=(
            Column("reference", f.incident_id, reference),
            Column("followup_id", f.id, whole),
            Column("title", f.title, text),
            Column("status", f.status, text),
            Column("owner", f.owner, text),
            Column("due_utc", f.due_at, utc),
            Column("done", f.done_at.is_not(None), boolean),
            Column("done_at_utc", f.done_at, utc),
            Column("created_by", f.created_by, text),
            Column("created_at_utc", f.created_at, utc),
        ),
        source=FollowUp,
        time=f.created_at,
        incident_id=f.incident_id,
        order=f.id,
    )


def table(kind: Kind, owner_role: str) -> Table:
    """The export ``kind``; ``owner_role`` is the policy's owner role key (for ``owner``)."""
    if kind == "incidents":
        return _incidents(owner_role)
    if kind == "timeline":
        return _timeline()
    if kind == "actions":
        return _actions()
    return _followups()
