"""Exports for spreadsheets and SQL: one statement per table, streamed, written row by row.

Memory stays flat however long the history is: rows are fetched in batches
(``yield_per``, a server-side cursor on PostgreSQL) and each is written to the sink
before the next is read. Nothing here knows Slack or the command line; both hand in a
sink (anything with ``write(str)``) and decide where the bytes go.

CSV cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab,
carriage return first) get a leading ``'``; JSONL is written as stored.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from storage.models import Incident
from workflows.export_tables import KINDS, Kind, Table, Value, table

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")

BATCH_ROWS = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_BOM = "\ufeff"

__all__ = [
    "FORMATS",
    "KINDS",
    "BadMoment",
    "ExportQuery",
    "Format",
    "Kind",
    "Sink",
    "csv_cell",
    "export",
    "parse_moment",
    "rows",
    "statement",
    "write_csv",
    "write_jsonl",
]


class Sink(Protocol):
    """Where an export goes: a text file, stdout, a size-limited buffer."""

    def write(self, text: str, /) -> int: ...


class BadMoment(ValueError):
    """A ``since``/``until`` that is not a date or time; the message says how to write one."""


def parse_moment(text: str) -> datetime:
    """``2026-11-01`` (midnight UTC), ``2026-11-01 09:00``, ``2026-11-01T09:00+01:00``.

    Without an offset a time is UTC, like every time in the export, so the bounds read the
    same as the columns they filter.
    """
    cleaned = text.strip()
    try:
        if len(cleaned) == len("2026-11-01"):
            day = date.fromisoformat(cleaned)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        shown = cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
        raise BadMoment(
            f"`{shown}` is not a date or time. Write `2026-11-01`, `2026-11-01 09:00` (UTC) "
            "or `2026-11-01T09:00+01:00`."
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@dataclass(frozen=True)
class ExportQuery:
    """Which rows: ``since`` inclusive, ``until`` exclusive, on the table's own time."""

    kind: Kind
    since: datetime | None = None
    until: datetime | None = None
    include_restricted: bool = False

    def __post_init__(self) -> None:
        if self.since and self.until and self.since >= self.until:
            raise BadMoment("The start (since) must be before the end (until).")


def statement(exported: Table, query: ExportQuery) -> Select[Any]:
    """The one SELECT behind an export, filtered and ordered in the database."""
    labelled: list[ColumnElement[Any]] = [
        column.sql.label(column.name) for column in exported.columns
    ]
    found: Select[Any] = select(*labelled)
    if exported.source is not Incident:
        found = found.select_from(exported.source)
        if not query.include_restricted:
            found = found.join(Incident, exported.incident_id == Incident.id)
    if not query.include_restricted:
        found = found.where(Incident.restricted.is_(False))
    if query.since is not None:
        found = found.where(exported.time >= query.since)
    if query.until is not None:
        found = found.where(exported.time < query.until)
    return found.order_by(exported.order)


def rows(
    session: Session, query: ExportQuery, owner_role: str, batch: int = BATCH_ROWS
) -> Iterator[dict[str, Value]]:
    """The export's rows as dicts in column order, fetched ``batch`` at a time."""
    exported = table(query.kind, owner_role)
    result = session.execute(statement(exported, query).execution_options(yield_per=batch))
    formatters = [(column.name, column.format) for column in exported.columns]
    for row in result:
        yield {name: shown(value) for (name, shown), value in zip(formatters, row, strict=True)}


def csv_cell(value: Value) -> str:
    """How one value reads in CSV: escaped text, true/false, whole numbers, JSON text."""
    if type(value) is str:  # most cells; checked first because exports run to millions
        # Excel and LibreOffice run a cell starting with these as a formula (CSV injection).
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write_csv(
    names: Sequence[str],
    found: Iterator[dict[str, Value]],
    sink: Sink,
    *,
    excel: bool = False,
) -> int:
    """A header line, then one line per row; returns the number of rows written."""
    if excel:
        sink.write(EXCEL_BOM)
    writer = csv.writer(sink, lineterminator="\n")
    writer.writerow(names)
    written = 0
    for row in found:
        writer.writerow([csv_cell(row[name]) for name in names])
        written += 1
    return written


def write_jsonl(found: Iterator[dict[str, Value]], sink: Sink) -> int:
    """One JSON object per line, keys in column order; returns the number of rows written."""
    written = 0
    for row in found:
        sink.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
        written += 1
    return written


def export(
    session: Session,
    query: ExportQuery,
    owner_role: str,
    sink: Sink,
    *,
    format: Format = "csv",
    excel: bool = False,
) -> int:
    """Write the whole export to ``sink``; returns the number of rows."""
    found = rows(session, query, owner_role)
    if format == "jsonl":
        return write_jsonl(found, sink)
    return write_csv(table(query.kind, owner_role).names, found, sink, excel=excel)
