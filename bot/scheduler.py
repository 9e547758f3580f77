"""The scheduler (APScheduler 3), run in exactly one process; every job is idempotent."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime

log = logging.getLogger(__name__)


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the scheduler with Prasan's jobs in the programme's time zone."""
    scheduler = AsyncIOScheduler(
        timezone=runtime.settings.timezone,
        # APScheduler's default grace of 1 s silently skips a job that starts late.
        job_defaults={"misfire_grace_time": 3600, "coalesce": True, "max_instances": 1},
    )
    scheduler.add_job(
        runtime.inbound.recover, "interval", seconds=60, id="inbox-recovery",
        kwargs={"older_than": 30.0}, replace_existing=True,
    )  # fmt: skip
    scheduler.start()
    return scheduler
