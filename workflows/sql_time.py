"""SQL the reports share, written once for SQLite and PostgreSQL.

Durations, week buckets and percentiles are computed in the database, so a report reads a
handful of aggregate rows however long the history is. Each construct compiles to each
dialect's own functions; nothing here loads incidents into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, String, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.selectable import Subquery

from storage.types import UTCDateTime


class seconds_between(FunctionElement[float]):
    """``later - earlier`` in seconds, as a float; NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"
    )


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"((julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)})) * 86400.0)"
    )


def utc_param(moment: datetime) -> ColumnElement[datetime]:
    """A time as a bound parameter stored the way the columns are (naive UTC on SQLite),
    so ``seconds_between`` compares like with like whatever zone ``moment`` is in."""
    return literal(moment, UTCDateTime())


def read_seconds(value: Any) -> float | None:
    """A ``seconds_between`` value as read back, rounded to the millisecond.

    PostgreSQL's EXTRACT gives a Decimal; SQLite's Julian-day arithmetic a float some
    microseconds off (5 minutes is 299.99998 s). Milliseconds are the same on both.
    """
    return None if value is None else round(float(value), 3)


class week_start(FunctionElement[str]):
    """The Monday (UTC) of the week a timestamp falls in, as ``'YYYY-MM-DD'`` text."""

    type = String()
    inherit_cache = True
    name = "week_start"


@compiles(week_start, "postgresql")
def _week_postgresql(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = list(element.clauses)
    return (
        f"to_char(date_trunc('week', {compiler.process(moment, **kw)} AT TIME ZONE 'UTC'), "
        "'YYYY-MM-DD')"
    )


@compiles(week_start, "sqlite")
def _week_sqlite(element: week_start, compiler: SQLCompiler, **kw: Any) -> str:
    # Back six days, then forward to the next Monday: the Monday on or before the day.
    (moment,) = list(element.clauses)
    return f"date({compiler.process(moment, **kw)}, '-6 days', 'weekday 1')"


def nearest_rank_percentiles(
    source: Subquery,
    value: str,
    percents: Sequence[int] = (50, 90),
    by: Sequence[str] = (),
) -> Select[Any]:
    """Per group of ``by``: the row count and, for each percent p, the nearest-rank value.

    Nearest rank: sort the n values; the p-th percentile is the value at rank ⌈p·n/100⌉.
    It is always a value that occurred (no interpolation), and it needs only window
    functions, which both databases have; PostgreSQL's ``percentile_cont`` has no SQLite
    counterpart. Columns: ``by``…, ``n``, ``p<percent>``…; NULL values are left out.
    """
    groups = [source.c[name] for name in by]
    measured = source.c[value]
    ranked = (
        select(
            *groups,
            measured.label("value"),
            func.row_number().over(partition_by=groups or None, order_by=measured).label("rank"),
            func.count().over(partition_by=groups or None).label("n"),
        )
        .where(measured.is_not(None))
        .subquery("ranked")
    )
    columns: list[ColumnElement[Any]] = [ranked.c[name] for name in by]
    columns.append(func.max(ranked.c.n).label("n"))
    for percent in percents:
        # ⌈p·n/100⌉ in integer arithmetic, the same on both databases.
        target = (percent * ranked.c.n + 99) // 100
        columns.append(
            func.max(case((ranked.c.rank == target, ranked.c.value))).label(f"p{percent}")
        )
    statement = select(*columns)
    if by:
        statement = statement.group_by(*[ranked.c[name] for name in by])
    return statement
