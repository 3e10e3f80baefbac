"""The clock that wakes the domain. Jobs hold no state: what is due lives in the database.

Every replica runs the same jobs; the database decides who does the work (a row
claimed with SKIP LOCKED, a provisioning lease), so nothing is sent twice.
"""

from __future__ import annotations

import functools
import logging
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

log = logging.getLogger(__name__)


def on_scheduler(job: Callable[..., Any]) -> Callable[..., Any]:
    """``job``, with what it writes to timelines attributed to the scheduler."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        with on_surface("scheduler"):
            return job(*args, **kwargs)

    return run


Job = tuple[str, Callable[..., Any], tuple[Any, ...], timedelta]
"""(id, function, its arguments, how often): one row of the table below."""


def scheduled_jobs(
    firebreak: Firebreak,
    resume_every: timedelta = timedelta(seconds=RESUME_PROVISIONING_EVERY_SECONDS),
) -> tuple[Job, ...]:
    """Every job the scheduler runs, in the order a catch-up runs them (plan, then fire).

    Unfinished provisioning is retried every ``resume_every``, once the incident is half
    that old (younger ones may still be in their first attempt).
    """
    services = firebreak.services
    planning = (services.sessions, services.policy, services.clock)
    return (
        (
            "resume-provisioning",
            services.provisioner.resume_pending,
            (resume_every / 2,),
            resume_every,
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


def run_jobs_now(firebreak: Firebreak) -> None:
    """Run every job once, at once: for a caller that moved the clock (the sandbox).

    Like the scheduler, a failing job is logged and the others still run.
    """
    for job_id, job, args, _every in scheduled_jobs(firebreak):
        try:
            on_scheduler(job)(*args)
        except Exception:
            log.exception("job %s failed", job_id)


def start_scheduler(
    firebreak: Firebreak,
    resume_every: timedelta = timedelta(seconds=RESUME_PROVISIONING_EVERY_SECONDS),
) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        # After downtime run each job once, not once per missed tick; the runner itself
        # sends what was missed once and says it is late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
    )
    for job_id, job, args, every in scheduled_jobs(firebreak, resume_every):
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
