"""Jobs run each period once: twice, racing, after a crash, caught up within the grace only."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import MovableClock
from bot.jobs import (
    JobRun,
    JobSpec,
    Notice,
    RunStatus,
    Trigger,
    catch_up,
    daily,
    preview_job,
    run_job,
)
from bot.jobs.base import cron_trigger
from bot.messages import Outgoing
from bot.runtime import Runtime
from storage.schema import job_runs, people
from storage.store import Store, Tx

BKK = ZoneInfo("Asia/Bangkok")
calls: list[str] = []


async def greet_supervisors(tx: Tx, run: JobRun) -> list[Notice]:
    calls.append(run.period)
    rows = await tx.conn.execute(select(people.c.id).where(people.c.role != "coordinator"))
    return [
        Notice(
            pid, lambda t: [Outgoing(t("There is nothing to cancel."))], f"probe:{pid}:{run.period}"
        )
        for (pid,) in rows
    ]


async def broken(tx: Tx, run: JobRun) -> list[Notice]:
    raise ValueError("report text that must not reach the job log")


SPEC = JobSpec("probe", greet_supervisors, daily, cron_setting="PRASAN_DAILY_DIGEST_CRON")


@pytest.fixture
def clock(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    calls.clear()
    monkeypatch.setattr("bot.jobs.runner.JOBS", {"probe": SPEC})
    moving = MovableClock(datetime(2026, 12, 1, 8, 0, tzinfo=BKK))
    runtime.store.clock = moving
    return moving


async def probe_rows(store: Store) -> list[str]:
    async with store.tx() as tx:
        return sorted(
            r["dedupe_key"] for r in await tx.outbox_rows() if r["dedupe_key"].startswith("probe:")
        )


async def test_a_period_runs_once_however_often_it_is_asked(
    runtime: Runtime, clock: MovableClock
) -> None:
    first = await run_job(runtime.store, SPEC, runtime.settings)
    assert first.status == RunStatus.RAN and first.period == "2026-12-01" and first.queued == 2
    clock.advance(timedelta(hours=3))
    again = await run_job(runtime.store, SPEC, runtime.settings, trigger=Trigger.CLI)
    assert again.status == RunStatus.SKIPPED and calls == ["2026-12-01"]
    assert len(await probe_rows(runtime.store)) == 2
    clock.advance(timedelta(days=1))
    assert (await run_job(runtime.store, SPEC, runtime.settings)).period == "2026-12-02"
    assert len(await probe_rows(runtime.store)) == 4


async def test_two_workers_racing_send_once(runtime: Runtime, clock: MovableClock) -> None:
    other = await Store.open(runtime.settings.DATABASE_URL)  # a second process's connection
    other.clock = clock
    try:
        results = await asyncio.gather(
            run_job(runtime.store, SPEC, runtime.settings), run_job(other, SPEC, runtime.settings)
        )
    finally:
        await other.close()
    assert sorted(r.status for r in results) == [RunStatus.RAN, RunStatus.SKIPPED]
    assert len(await probe_rows(runtime.store)) == 2


async def test_a_run_left_behind_by_a_dead_process_is_taken_over_without_duplicates(
    runtime: Runtime, clock: MovableClock
) -> None:
    assert (await run_job(runtime.store, SPEC, runtime.settings)).queued == 2
    async with runtime.store.tx() as tx:  # the process died before recording the end
        await tx.conn.execute(job_runs.update().values(status="running", finished_at=None))
    clock.advance(timedelta(minutes=5))
    assert (await run_job(runtime.store, SPEC, runtime.settings)).status == RunStatus.SKIPPED
    clock.advance(timedelta(minutes=20))  # now clearly stale
    retried = await run_job(runtime.store, SPEC, runtime.settings)
    assert retried.status == RunStatus.RAN and retried.queued == 0
    assert len(await probe_rows(runtime.store)) == 2


async def test_a_failed_run_is_recorded_by_type_and_retried(
    runtime: Runtime, clock: MovableClock, caplog: pytest.LogCaptureFixture
) -> None:
    bad = JobSpec("probe", broken, daily)
    assert (await run_job(runtime.store, bad, runtime.settings)).status == RunStatus.FAILED
    assert "report text" not in caplog.text and "ValueError" in caplog.text
    async with runtime.store.tx() as tx:
        run = await tx.job_run("probe", "2026-12-01")
    assert run is not None and run.status == "failed" and run.error == "ValueError"
    assert (await run_job(runtime.store, SPEC, runtime.settings)).queued == 2


async def test_a_missed_run_is_caught_up_once_within_the_grace_and_not_after(
    runtime: Runtime, clock: MovableClock
) -> None:
    clock.set(datetime(2026, 12, 1, 13, 59, tzinfo=BKK))  # the 08:00 run was missed
    [outcome] = await catch_up(runtime.store, runtime.settings)
    assert outcome.status == RunStatus.RAN and outcome.period == "2026-12-01"
    assert await catch_up(runtime.store, runtime.settings) == []
    async with runtime.store.tx() as tx:
        run = await tx.job_run("probe", "2026-12-01")
    assert run is not None and run.trigger == "catch-up"
    clock.set(datetime(2026, 12, 2, 14, 1, tzinfo=BKK))  # 6 h 1 min after 08:00: too late
    assert await catch_up(runtime.store, runtime.settings) == []
    assert calls == ["2026-12-01"]


async def test_a_preview_writes_nothing(runtime: Runtime, clock: MovableClock) -> None:
    previews = await preview_job(runtime.store, SPEC, runtime.settings)
    assert len(previews) == 2 and all(p.messages[0].text for p in previews)
    assert await probe_rows(runtime.store) == []
    async with runtime.store.tx() as tx:
        assert await tx.job_runs_recent() == []


def test_crontab_weekdays_are_read_as_operators_write_them() -> None:
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=BKK)
    thursday = cron_trigger("0 15 * * 4", BKK).get_next_fire_time(None, monday)
    assert thursday == datetime(2026, 12, 3, 15, 0, tzinfo=BKK)
    assert cron_trigger("0 8 * * 1-5", BKK).get_next_fire_time(None, monday) == datetime(
        2026, 12, 1, 8, 0, tzinfo=BKK
    )
    sunday = cron_trigger("0 8 * * 0", BKK).get_next_fire_time(None, monday)
    assert sunday == cron_trigger("0 8 * * 7", BKK).get_next_fire_time(None, monday)
    assert sunday is not None and sunday.weekday() == 6
    every_two = cron_trigger("*/2 * * * *", BKK).get_next_fire_time(None, monday)
    assert every_two == monday
