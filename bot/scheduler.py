"""The scheduler (APScheduler 3), run in the worker only; every job is idempotent per period.

APScheduler only decides *when*; what a job does and whether its period already
ran lives in bot/jobs and the job_runs table, so a restart, a catch-up or a second
worker never sends a period twice.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.broadcasting import tick_runtime
from bot.jobs import JOBS, JobSpec, Trigger, catch_up, cron_trigger, run_job
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """Start the scheduler with Prasan's jobs in the programme's time zone."""
    settings = runtime.settings
    scheduler = AsyncIOScheduler(
        timezone=settings.timezone,
        # APScheduler's default grace of 1 s silently skips a job that starts late.
        job_defaults={
            "misfire_grace_time": max(1, int(settings.job_grace.total_seconds())),
            "coalesce": True,
            "max_instances": 1,
        },
    )
    scheduler.add_job(
        runtime.inbound.recover, "interval", seconds=60, id="inbox-recovery",
        kwargs={"older_than": 30.0}, replace_existing=True,
    )  # fmt: skip
    # Broadcasts are expanded in chunks of their own transactions, not as one job period.
    scheduler.add_job(
        tick_runtime, "interval", seconds=10, id="broadcasts", args=[runtime],
        replace_existing=True,
    )  # fmt: skip
    for spec in JOBS.values():
        expr = getattr(settings, spec.cron_setting, "") if spec.cron_setting else ""
        if not expr:
            continue
        scheduler.add_job(
            fire, cron_trigger(expr, settings.timezone), args=[runtime, spec],
            id=f"job:{spec.name}", replace_existing=True,
        )  # fmt: skip
        log.info("job %s scheduled (%s)", spec.name, expr)
    scheduler.add_job(catch_up_now, args=[runtime], id="catch-up")  # once, right away
    scheduler.start()
    return scheduler


async def fire(runtime: Runtime, spec: JobSpec) -> None:
    """A cron trigger fired: run the current period, then let the sender go."""
    outcome = await run_job(runtime.store, spec, runtime.settings, trigger=Trigger.CRON)
    if outcome.queued:
        runtime.sender.wake()


async def catch_up_now(runtime: Runtime) -> None:
    """Run the periods missed while no worker was running."""
    outcomes = await catch_up(runtime.store, runtime.settings)
    if any(o.queued for o in outcomes):
        runtime.sender.wake()
