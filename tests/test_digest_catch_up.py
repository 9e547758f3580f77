"""A digest missed while no worker ran is caught up once within PRASAN_JOB_GRACE, not after."""

from __future__ import annotations

import pytest

from bot.jobs import RunStatus, catch_up
from bot.jobs.digests import DAILY
from bot.jobs.reminders import REMINDER
from bot.runtime import Runtime
from tests.proactive_support import bkk, pin, queued


async def test_the_daily_digest_and_the_reminder_are_caught_up_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.jobs.runner.JOBS", {"digest-daily": DAILY, "reminder": REMINDER})
    clock = pin(runtime, bkk(2026, 12, 3, 13, 59))  # Thursday; the 08:00 digest was missed
    [digest] = await catch_up(runtime.store, runtime.settings)
    assert digest.status == RunStatus.RAN and digest.queued == 2  # arunee and the admin
    assert await catch_up(runtime.store, runtime.settings) == []
    clock.set(bkk(2026, 12, 3, 20, 59))  # the 15:00 reminder was missed too: 5 h 59 min ago
    [reminder] = await catch_up(runtime.store, runtime.settings)
    assert reminder.period == "2026-12-03" and reminder.queued == 2  # somchai and fatimah
    clock.set(bkk(2026, 12, 4, 14, 1))  # Friday: 6 h 1 min after 08:00, too late for a digest
    assert await catch_up(runtime.store, runtime.settings) == []
    assert len(await queued(runtime.store, "digest:daily:")) == 2
    async with runtime.store.tx() as tx:
        run = await tx.job_run("digest-daily", "2026-12-03")
    assert run is not None and run.trigger == "catch-up"
