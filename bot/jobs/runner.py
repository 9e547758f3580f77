"""Running a job period exactly once, previewing it, and catching up missed runs."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import Settings
from bot.i18n import translator
from bot.jobs.base import JOBS, JobRun, JobSpec, Trigger, cron_trigger
from bot.messages import Outgoing
from bot.notify import NotifyResult, notify
from storage.store import Store

log = logging.getLogger(__name__)


class RunStatus(StrEnum):
    """What `run_job` did."""

    RAN = "ran"
    SKIPPED = "skipped"  # the period is done, or another process is running it
    FAILED = "failed"


@dataclass(frozen=True)
class RunOutcome:
    """A job period's result: how many notices were queued, deduped, unreachable."""

    job: str
    period: str
    status: RunStatus
    results: Counter[NotifyResult] = field(default_factory=Counter)

    @property
    def queued(self) -> int:
        """Notices newly put in the outbox."""
        return self.results[NotifyResult.QUEUED]


@dataclass(frozen=True)
class Preview:
    """What one person would receive."""

    person_id: int
    key: str
    messages: list[Outgoing]


async def run_job(
    store: Store,
    spec: JobSpec,
    settings: Settings,
    *,
    at: datetime | None = None,
    trigger: Trigger = Trigger.CRON,
) -> RunOutcome:
    """Run the period that `at` (default: now) belongs to, unless it already ran."""
    now = store.clock()
    at = at or now
    period = spec.period(at.astimezone(settings.timezone))
    async with store.tx() as tx:
        run_id = await tx.job_run_begin(spec.name, period, trigger)
    if run_id is None:
        log.info("job period already handled job=%s period=%s", spec.name, period)
        return RunOutcome(spec.name, period, RunStatus.SKIPPED)
    run = JobRun(spec.name, period, at, now, settings, trigger)
    results: Counter[NotifyResult] = Counter()
    try:
        if spec.prepare is not None:
            run = replace(run, prepared=await spec.prepare(store, run))
        async with store.tx() as tx:
            for notice in await spec.func(tx, run):
                results[
                    await notify(
                        tx, notice.person_id, notice.compose, notice.key, send_at=notice.send_at,
                        not_after=notice.not_after, tag=notice.tag,
                    )
                ] += 1  # fmt: skip
            await tx.job_run_finish(run_id, results[NotifyResult.QUEUED])
    except Exception as exc:
        # The type only: a data error's message can carry report text.
        log.error("job failed job=%s period=%s error=%s", spec.name, period, type(exc).__name__)
        async with store.tx() as tx:
            await tx.job_run_finish(run_id, 0, error=type(exc).__name__)
        return RunOutcome(spec.name, period, RunStatus.FAILED)
    log.info("job ran job=%s period=%s trigger=%s queued=%d", spec.name, period, trigger,
             results[NotifyResult.QUEUED])  # fmt: skip
    return RunOutcome(spec.name, period, RunStatus.RAN, results)


class _Rollback(Exception):
    pass


async def preview_job(
    store: Store, spec: JobSpec, settings: Settings, *, at: datetime | None = None
) -> list[Preview]:
    """What a run would send, rendered in each person's language; nothing is kept."""
    now = store.clock()
    at = at or now
    period = spec.period(at.astimezone(settings.timezone))
    run = JobRun(spec.name, period, at, now, settings, Trigger.CLI)
    if spec.prepare is not None:
        run = replace(run, prepared=await spec.prepare(store, run))
    previews: list[Preview] = []
    try:
        async with store.tx() as tx:
            for notice in await spec.func(tx, run):
                to = await tx.reachable(notice.person_id)
                lang = to.language if to is not None else settings.PRASAN_LANGUAGE
                previews.append(
                    Preview(notice.person_id, notice.key, notice.compose(translator(lang)))
                )
            raise _Rollback  # a preview writes nothing (not even a chart it stored)
    except _Rollback:
        pass
    return previews


def last_fire_time(
    expr: str, settings: Settings, now: datetime, within: timedelta
) -> datetime | None:
    """The latest moment at or before `now` (and no older than `within`) a crontab fired."""
    trigger = cron_trigger(expr, settings.timezone)
    tz = settings.timezone
    moment = trigger.get_next_fire_time(None, (now - within).astimezone(tz))
    last = None
    while moment is not None and moment <= now:
        last = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return last


async def catch_up(store: Store, settings: Settings) -> list[RunOutcome]:
    """Run, once, each scheduled period missed while no worker was running (within the grace)."""
    now = store.clock()
    outcomes = []
    for spec in list(JOBS.values()):
        expr = getattr(settings, spec.cron_setting, None) if spec.cron_setting else None
        if not expr:
            continue
        fired = last_fire_time(expr, settings, now, settings.job_grace)
        if fired is None:
            continue
        period = spec.period(fired.astimezone(settings.timezone))
        async with store.tx() as tx:
            done = await tx.job_run(spec.name, period)
        if done is not None and done.status == "done":
            continue
        outcomes.append(await run_job(store, spec, settings, at=fired, trigger=Trigger.CATCH_UP))
    return outcomes
