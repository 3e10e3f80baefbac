"""The clock that wakes the domain. Jobs hold no state: what is due lives in the database.

Every replica runs the same jobs; the database decides who does the work (a row
claimed with SKIP LOCKED, a provisioning lease), so nothing is sent twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Firebreak
from storage.surfaces import on_surface
from workflows.digest import plan_digest
from workflows.handoffs import plan_handoffs

RESUME_PROVISIONING_EVERY_SECONDS = 60
FIRE_REMINDERS_EVERY_SECONDS = 15
PLAN_EVERY_MINUTES = 10  # handoffs and the digest


def on_scheduler(job: Callable[..., Any]) -> Callable[..., Any]:
    """``job``, with what it writes to timelines attributed to the scheduler."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        with on_surface("scheduler"):
            return job(*args, **kwargs)

    return run


def start_scheduler(firebreak: Firebreak) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # After downtime run each job once, not once per missed tick; the runner itself
        # sends what was missed once and says it is late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    services = firebreak.services
    planning = (services.sessions, services.policy, services.clock)
    jobs: tuple[tuple[str, Callable[..., Any], tuple[Any, ...], timedelta], ...] = (
        (
            "resume-provisioning",
            services.provisioner.resume_pending,
            (),
            timedelta(seconds=RESUME_PROVISIONING_EVERY_SECONDS),
        ),
        ("plan-handoffs", plan_handoffs, planning, timedelta(minutes=PLAN_EVERY_MINUTES)),
        ("plan-digest", plan_digest, planning, timedelta(minutes=PLAN_EVERY_MINUTES)),
        (
            "fire-reminders",
            firebreak.reminders.run_due,
            (),
            timedelta(seconds=FIRE_REMINDERS_EVERY_SECONDS),
        ),
    )
    for job_id, job, args, every in jobs:
        scheduler.add_job(
            on_scheduler(job),
            "interval",
            args=args,
            seconds=every.total_seconds(),
            next_run_time=datetime.now(UTC),  # at start, and at once after downtime
            id=job_id,
            replace_existing=True,
        )
    scheduler.start()
    return scheduler
