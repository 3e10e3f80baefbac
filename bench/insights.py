"""Time and peak memory of the reports on a large history: stats, export, the digest.

    python -m bench.insights                       # 100,000 incidents, SQLite and PostgreSQL
    python -m bench.insights --incidents 10000,100000 --backends sqlite

For each backend and size it builds a fresh database (migrated, then filled by
``bench.history``), then runs each report in its own Python process, so the peak RSS it
prints is that report's alone. ``base`` is the process after imports and connecting;
``peak`` the most it held while running. Running two sizes shows whether memory grows
with history (it should not: every figure is aggregated in SQL and exports stream).
PostgreSQL is at ``FIREBREAK_BENCH_POSTGRES_URL`` (default the local server).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.history import generate
from storage import schema
from storage.database import create_database_engine, create_session_factory

POSTGRES_URL = os.environ.get(
    "FIREBREAK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # where bench.history ends
TASKS = (
    "stats 30d",
    "stats quarter",
    "stats 365d",
    "export incidents",
    "export timeline",
    "export actions",
    "digest",
    "chart",
    "similar",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", default="100000", help="comma-separated sizes")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated reports")
    parser.add_argument("measure", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # a child process: python -m bench.insights measure <url> <task>
        _measure(args.measure[1], args.measure[2])
        return 0
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for backend in args.backends.split(","):
        for size in (int(n) for n in args.incidents.split(",")):
            _bench(backend.strip(), size, [task.strip() for task in args.tasks.split(",")])
    return 0


def _bench(backend: str, incidents: int, tasks: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url, drop = _fresh_database(backend, Path(directory))
        try:
            engine = create_database_engine(url)
            schema.upgrade(engine)
            started = time.perf_counter()
            made = generate(engine, incidents)
            with engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            engine.dispose()
            print(
                f"\n{backend}: {made.incidents:,} incidents, {made.events:,} events, "
                f"{made.actions:,} actions, {made.followups:,} follow-ups "
                f"(generated in {time.perf_counter() - started:.0f} s)"
            )
            print(f"  {'report':<18} {'seconds':>8} {'rows':>10} {'base MB':>8} {'peak MB':>8}")
            for task in tasks:
                result = _child(url, task)
                print(
                    f"  {task:<18} {result['seconds']:>8.2f} {result['rows']:>10,} "
                    f"{result['base_mb']:>8.0f} {result['peak_mb']:>8.0f}"
                )
        finally:
            drop()


def _fresh_database(backend: str, directory: Path) -> tuple[str, Callable[[], None]]:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'bench.db'}", lambda: None
    if backend != "postgresql":
        raise SystemExit(f"unknown backend {backend!r}; use sqlite or postgresql")
    server = make_url(POSTGRES_URL)
    name = f"firebreak_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _child(url: str, task: str) -> dict[str, float]:
    answer = subprocess.run(
        [sys.executable, "-m", "bench.insights", "measure", url, task],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(answer.stdout.strip().splitlines()[-1])
    return result


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _measure(url: str, task: str) -> None:
    """Run one report in this process and print its figures as JSON."""
    from storage.models import Incident
    from workflows import digest, exports, similar
    from workflows.kpi_models import Scope
    from workflows.kpis import compute_kpis
    from workflows.periods import Period
    from workflows.policy import Policy

    policy = Policy()
    sessions = create_session_factory(create_database_engine(url))
    with sessions() as session:
        session.connection()  # connect before the baseline
        base = _rss_mb()
        started = time.perf_counter()
        rows = 0
        verb, _, argument = task.partition(" ")
        if verb == "stats":
            period = Period.parse(argument, NOW)
            kpis = compute_kpis(session, policy, period, Scope(), NOW)
            rows = kpis.declared.total
        elif verb == "export":
            sink = _Discard()
            query = exports.ExportQuery(kind=argument, include_restricted=True)  # type: ignore[arg-type]
            rows = exports.export(session, query, policy.owner_role.key, sink)
        elif verb == "digest":
            built = digest.build_digest(session, policy, NOW)
            rows = built.week.declared.total
        elif verb == "chart":
            _, png = digest.digest_chart(session, policy, NOW)
            rows = len(png)
        elif verb == "similar":  # what a declaration adds before its card: the newest incident
            newest = session.scalar(select(func.max(Incident.id)))
            rows = len(similar.suggest(session, int(newest or 0)))
        else:
            raise SystemExit(f"unknown task {task!r}")
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": rows, "base_mb": base, "peak_mb": _rss_mb()}))


class _Discard(io.StringIO):
    """A sink that counts what it is given and keeps none of it."""

    def write(self, text: str) -> int:
        return len(text)


if __name__ == "__main__":
    sys.exit(main())
