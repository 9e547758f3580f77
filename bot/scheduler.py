"""The scheduler (APScheduler 3), run in the worker only; every job is idempotent per period.

APScheduler only decides *when*; what a job does and whether its period already
ran lives in bot/jobs and the job_runs table, so a restart, a catch-up or a second
worker never sends a period twice.

Several workers may run for availability; only the one holding the `scheduler` lease
fires jobs. It renews the lease every RENEW; a standby tries as often, so when the
holder dies its lease (TTL) runs out and a standby takes over within TTL + RENEW
(60 s). On a clean stop the holder waits for its running jobs and releases the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, ClassVar

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from bot.broadcasting import tick_runtime
from bot.jobs import JOBS, JobSpec, Trigger, catch_up, cron_trigger, run_job
from bot.liveness import gone_here
from bot.runtime import Runtime

log = logging.getLogger(__name__)

LEASE = "scheduler"
TTL = timedelta(seconds=45)
RENEW = timedelta(seconds=15)
STOP_WAIT = 30.0  # seconds a clean stop waits for running jobs


class Scheduler:
    """APScheduler's timing, active only while this process holds the scheduler lease."""

    here: ClassVar[set[str]] = set()  # holder names of this process's schedulers

    def __init__(self, runtime: Runtime, ttl: timedelta = TTL, renew: timedelta = RENEW) -> None:
        self.runtime = runtime
        self.ttl = ttl
        self.renew = renew
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        Scheduler.here.add(self.holder)
        self.active = False
        self.aps = _build(runtime, self._tracked)
        self._running: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start timing (paused) and the lease loop that activates it."""
        self.aps.start(paused=True)
        self._loop_task = asyncio.get_running_loop().create_task(self._lease_loop())

    async def tick(self) -> bool:
        """Take or renew the lease once; fire jobs while held. Returns whether we hold it."""
        try:
            async with self.runtime.store.tx() as tx:
                dead = None
                if not self.active:  # a holder of this host that was killed: take over now
                    current = await tx.lease_holder(LEASE)
                    if current is not None and current[0] not in Scheduler.here:
                        host, _, rest = current[0].partition(":")
                        pid = rest.partition(":")[0]
                        # Our pid but none of our schedulers: a former process (a container
                        # restarts with the same host name and pid).
                        former = host == socket.gethostname() and pid == str(os.getpid())
                        dead = current[0] if former or gone_here(host, pid) else None
                held = await tx.lease_take(LEASE, self.holder, self.ttl, replacing=dead)
        except Exception as exc:  # the database is unreachable: we cannot know, so stand down
            log.error("scheduler lease check failed error=%s", type(exc).__name__)
            held = False
        started = self.aps.state != STATE_STOPPED
        if held and not self.active:
            self.active = True
            log.info("scheduler active holder=%s", self.holder)
            if started:
                self.aps.resume()
            # Periods missed while no scheduler ran (the previous holder died) run now, once.
            self.aps.add_job(self._tracked, args=[catch_up_now, self.runtime], id="catch-up",
                             replace_existing=True)  # fmt: skip
        elif not held and self.active:
            self.active = False
            log.warning("scheduler lease lost holder=%s: standing by", self.holder)
            if started:
                self.aps.pause()
        return held

    async def _lease_loop(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self.renew.total_seconds())

    async def _tracked(self, func: Callable[..., Awaitable[None]], *args: Any) -> None:
        # A stop waits for running jobs instead of cancelling them mid-transaction.
        task = asyncio.ensure_future(func(*args))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        with contextlib.suppress(asyncio.CancelledError):  # APScheduler shut down: stop() waits
            await asyncio.shield(task)

    async def stop(self) -> None:
        """Stop firing, let running jobs finish, and hand the lease on."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        if self.aps.running:
            self.aps.shutdown(wait=False)
        if self._running:
            await asyncio.wait(set(self._running), timeout=STOP_WAIT)
        if self.active:
            self.active = False
            with contextlib.suppress(Exception):
                async with self.runtime.store.tx() as tx:
                    await tx.lease_release(LEASE, self.holder)
        Scheduler.here.discard(self.holder)


def start_scheduler(runtime: Runtime) -> Scheduler:
    """Start the scheduler with Prasan's jobs in the programme's time zone."""
    scheduler = Scheduler(runtime)
    scheduler.start()
    return scheduler


def _build(runtime: Runtime, tracked: Callable[..., Awaitable[None]]) -> AsyncIOScheduler:
    settings = runtime.settings
    aps = AsyncIOScheduler(
        timezone=settings.timezone,
        # APScheduler's default grace of 1 s silently skips a job that starts late.
        job_defaults={
            "misfire_grace_time": max(1, int(settings.job_grace.total_seconds())),
            "coalesce": True,
            "max_instances": 1,
        },
    )
    aps.add_job(
        tracked, "interval", seconds=60, id="inbox-recovery", args=[_recover, runtime],
        replace_existing=True,
    )  # fmt: skip
    # Broadcasts are expanded in chunks of their own transactions, not as one job period.
    aps.add_job(
        tracked, "interval", seconds=10, id="broadcasts", args=[tick_runtime, runtime],
        replace_existing=True,
    )  # fmt: skip
    for spec in JOBS.values():
        expr = getattr(settings, spec.cron_setting, "") if spec.cron_setting else ""
        if not expr:
            continue
        aps.add_job(
            tracked, cron_trigger(expr, settings.timezone), args=[fire, runtime, spec],
            id=f"job:{spec.name}", replace_existing=True,
        )  # fmt: skip
        log.info("job %s scheduled (%s)", spec.name, expr)
    return aps


async def _recover(runtime: Runtime) -> None:
    await runtime.inbound.recover(older_than=30.0)


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
