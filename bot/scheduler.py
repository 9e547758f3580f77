"""The scheduler (APScheduler 3), run in the worker only; every job is idempotent per period.

APScheduler only decides *when*; what a job does and whether its period already
ran lives in bot/jobs and the job_runs table, so a restart, a catch-up or a second
worker never sends a period twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.broadcasting import tick_runtime
from bot.jobs import JOBS, JobSpec, Trigger, catch_up, cron_trigger, run_job
from bot.runtime import Runtime

log = logging.getLogger(__name__)
STOP_WAIT = 20.0  # seconds a running job gets to finish when the process stops

# Job runs in progress: stopping waits for them, because a run cancelled inside a
# transaction leaves the database driver's thread behind and the process never exits.
_running: set[asyncio.Task[Any]] = set()


def _tracked(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(fn)
    async def run(*args: Any, **kw: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        _running.add(task)
        try:
            return await fn(*args, **kw)
        finally:
            _running.discard(task)

    return run


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Start nothing new, let running jobs finish (bounded), then shut down."""
    scheduler.pause()
    if _running:
        await asyncio.wait(list(_running), timeout=STOP_WAIT)
    scheduler.shutdown(wait=False)


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
        _tracked(runtime.inbound.recover), "interval", seconds=60, id="inbox-recovery",
        kwargs={"older_than": 30.0}, replace_existing=True,
    )  # fmt: skip
    # Broadcasts are expanded in chunks of their own transactions, not as one job period.
    scheduler.add_job(
        _tracked(tick_runtime), "interval", seconds=10, id="broadcasts", args=[runtime],
        replace_existing=True,
    )  # fmt: skip
    for spec in JOBS.values():
        expr = getattr(settings, spec.cron_setting, "") if spec.cron_setting else ""
        if not expr:
            continue
        scheduler.add_job(
            _tracked(fire), cron_trigger(expr, settings.timezone), args=[runtime, spec],
            id=f"job:{spec.name}", replace_existing=True,
        )  # fmt: skip
        log.info("job %s scheduled (%s)", spec.name, expr)
    scheduler.add_job(_tracked(catch_up_now), args=[runtime], id="catch-up")  # once, right away
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
