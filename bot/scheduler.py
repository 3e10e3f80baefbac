"""The clock that wakes the domain. Jobs hold no state: what is due lives in the database."""

from __future__ import annotations

from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from workflows.provisioning import Provisioner

RESUME_PROVISIONING_EVERY_SECONDS = 60


def start_scheduler(provisioner: Provisioner) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    scheduler.add_job(
        provisioner.resume_pending,
        "interval",
        seconds=RESUME_PROVISIONING_EVERY_SECONDS,
        id="resume-provisioning",
        replace_existing=True,
    )
    scheduler.start()
    return scheduler
