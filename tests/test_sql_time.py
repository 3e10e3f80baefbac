"""The shared report SQL gives the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import literal, select, union_all

from storage.database import create_database_engine
from workflows.sql_time import nearest_rank_percentiles, seconds_between, week_start


def test_seconds_between_counts_seconds_across_days(database_url: str) -> None:
    engine = create_database_engine(database_url)
    start = datetime(2026, 11, 20, 23, 59, 30, tzinfo=UTC)
    with engine.connect() as connection:
        seconds = connection.scalar(
            select(seconds_between(literal(start + timedelta(hours=2, seconds=45)), literal(start)))
        )
    engine.dispose()

    assert seconds is not None
    assert abs(float(seconds) - 7245.0) < 0.01


def test_week_start_is_the_monday_on_or_before_the_day(database_url: str) -> None:
    engine = create_database_engine(database_url)
    days = {
        datetime(2026, 11, 16, 0, 0, tzinfo=UTC): "2026-11-16",  # a Monday
        datetime(2026, 11, 22, 23, 59, tzinfo=UTC): "2026-11-16",  # the Sunday after
        datetime(2026, 11, 23, 0, 1, tzinfo=UTC): "2026-11-23",
        datetime(2027, 1, 1, 12, 0, tzinfo=UTC): "2026-12-28",  # across a new year
    }
    with engine.connect() as connection:
        found = {day: connection.scalar(select(week_start(literal(day)))) for day in days}
    engine.dispose()

    assert found == days


def test_nearest_rank_percentiles_per_group(database_url: str) -> None:
    # Group a: 1..10 → p50 is the 5th value (5), p90 the 9th (9).
    # Group b: 10, 20, 30 → p50 at rank ⌈1.5⌉ = 2 (20), p90 at rank ⌈2.7⌉ = 3 (30).
    rows: list[tuple[str, float | None]] = [("a", float(v)) for v in range(10, 0, -1)]
    rows += [("b", 30.0), ("b", 10.0), ("b", 20.0)]
    rows.append(("b", None))  # NULLs are not measured
    values = union_all(
        *[select(literal(g).label("g"), literal(v).label("v")) for g, v in rows]
    ).subquery()
    engine = create_database_engine(database_url)
    with engine.connect() as connection:
        result = connection.execute(
            nearest_rank_percentiles(values, "v", by=["g"]).order_by("g")
        ).all()
        overall = connection.execute(nearest_rank_percentiles(values, "v", (50, 90, 100))).one()
    engine.dispose()

    assert [(r.g, r.n, float(r.p50), float(r.p90)) for r in result] == [
        ("a", 10, 5.0, 9.0),
        ("b", 3, 20.0, 30.0),
    ]
    # All 13 values: 1..10, 10, 20, 30 → p50 at rank 7 (7), p90 at rank 12 (20), p100 = 30.
    assert (overall.n, float(overall.p50), float(overall.p90), float(overall.p100)) == (
        13,
        7.0,
        20.0,
        30.0,
    )
