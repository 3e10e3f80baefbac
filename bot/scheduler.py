"""The clock that wakes the domain. Jobs hold no state: what is due lives in the database.

Every replica runs the same jobs; the database decides who does the work (a row
claimed with SKIP LOCKED, a provisioning lease), so nothing is sent twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app import Firebreak
from storage.surfaces import on_surface
from workflows.digest import plan_digest
from workflows.handoffs import plan_handoffs

RESUME_PROVISIONING_EVERY_SECONDS = 60
FIRE_REMINDERS_EVERY_SECONDS = 15
PLAN_HANDOFFS_EVERY_MINUTES = 10


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
    scheduler.add_job(
        on_scheduler(firebreak.services.provisioner.resume_pending),
        "interval",
        seconds=RESUME_PROVISIONING_EVERY_SECONDS,
        next_run_time=datetime.now(UTC),
        id="resume-provisioning",
        replace_existing=True,
    )
    services = firebreak.services
    scheduler.add_job(
        on_scheduler(plan_handoffs),
        "interval",
        args=(services.sessions, services.policy, services.clock),
        minutes=PLAN_HANDOFFS_EVERY_MINUTES,
        next_run_time=datetime.now(UTC),
        id="plan-handoffs",
        replace_existing=True,
    )
    scheduler.add_job(
        on_scheduler(plan_digest),
        "interval",
        args=(services.sessions, services.policy, services.clock),
        minutes=PLAN_HANDOFFS_EVERY_MINUTES,
        next_run_time=datetime.now(UTC),
        id="plan-digest",
        replace_existing=True,
    )
    scheduler.add_job(
        on_scheduler(firebreak.reminders.run_due),
        "interval",
        seconds=FIRE_REMINDERS_EVERY_SECONDS,
        next_run_time=datetime.now(UTC),  # after downtime, catch up at once
        id="fire-reminders",
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
