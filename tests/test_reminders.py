"""Reminders: only coordinators missing a report, moved off holidays, once per period."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.i18n import translator
from bot.jobs import RunStatus, run_job
from bot.jobs.manual import send_now
from bot.jobs.reminders import LAST_CALL, REMINDER
from bot.runtime import Runtime
from storage.store import Store
from tests.proactive_support import (
    add_area,
    bkk,
    data_of,
    join,
    person_id,
    pin,
    queued,
    report,
    text_of,
)

TH = translator("th")


@pytest.fixture
async def demo_ids(runtime: Runtime) -> dict[str, int]:
    """somchai (PTN01, PTN02) and fatimah (YLA01), the demo coordinators."""
    return {
        name: await person_id(runtime.store, "console", name) for name in ("somchai", "fatimah")
    }


async def test_goes_only_to_those_missing_a_report_naming_those_areas(
    runtime: Runtime, demo_ids: dict[str, int]
) -> None:
    clock = pin(runtime, bkk(2026, 12, 3, 15, 0))  # Thursday of week 49
    somchai, fatimah = demo_ids["somchai"], demo_ids["fatimah"]
    await report(runtime.store, somchai, "PTN01", bkk(2026, 12, 1, 10))
    await report(runtime.store, fatimah, "YLA01", bkk(2026, 11, 29, 10))  # the week before
    outcome = await run_job(runtime.store, REMINDER, runtime.settings)
    assert outcome.status == RunStatus.RAN and outcome.queued == 2
    sent = await queued(runtime.store, "remind:")
    mine = sent[f"remind:first:{somchai}:2026-W49"]
    assert "บ้านตะโละกาโปร์" in text_of(mine) and "บ้านบางปู" not in text_of(mine)
    assert data_of(mine) == ["remind:report:PTN02", "leave:week", "leave:ask"]
    assert TH("🏖️ On leave this week") in [b.label for b in mine[0].buttons]
    assert "บ้านบันนังสตา" in text_of(sent[f"remind:first:{fatimah}:2026-W49"])

    # Somchai reports PTN02 on Friday morning: no last call for him, one for Fatimah.
    clock.set(bkk(2026, 12, 4, 15, 30))
    await report(runtime.store, somchai, "PTN02", bkk(2026, 12, 4, 9))
    assert (await run_job(runtime.store, LAST_CALL, runtime.settings)).queued == 1
    last = await queued(runtime.store, "remind:last:")
    assert list(last) == [f"remind:last:{fatimah}:2026-W49"]
    assert TH("⏰ Last call for this week: the progress report is still missing for:") in text_of(
        last[f"remind:last:{fatimah}:2026-W49"]
    )


async def test_not_before_it_is_due_and_not_to_those_on_leave(
    runtime: Runtime, demo_ids: dict[str, int]
) -> None:
    clock = pin(runtime, bkk(2026, 12, 2, 15, 0))  # Wednesday: the reminder is Thursday's
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 0
    async with runtime.store.tx() as tx:
        await tx.set_leave(demo_ids["fatimah"], bkk(2026, 12, 2).date(), bkk(2026, 12, 6).date())
    clock.set(bkk(2026, 12, 3, 15, 0))
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 1
    assert list(await queued(runtime.store, "remind:")) == [
        f"remind:first:{demo_ids['somchai']}:2026-W49"
    ]


async def test_a_national_holiday_moves_it_to_the_next_working_day_once(
    runtime: Runtime, demo_ids: dict[str, int]
) -> None:
    clock = pin(runtime, bkk(2026, 12, 10, 15, 0))  # Thursday, Constitution Day
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 0
    clock.set(bkk(2026, 12, 11, 15, 0))  # Friday
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 2
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).status == RunStatus.SKIPPED
    clock.set(bkk(2026, 12, 12, 15, 0))  # Saturday: a new daily period, but nothing new
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 0
    assert len(await queued(runtime.store, "remind:first:")) == 2


async def test_hari_raya_is_off_in_narathiwat_but_not_in_hat_yai(runtime: Runtime) -> None:
    # Aidilfitri 1448 is estimated on Tuesday 9 March 2027 (Umm al-Qura).
    runtime.settings = runtime.settings.model_copy(update={"PRASAN_REMINDER_CRON": "0 15 * * tue"})
    await add_area(runtime, "HYI01", "บ้านคลองแห", ("หาดใหญ่", "Hat Yai"), "สงขลา")
    _, narathiwat = await join(runtime, "nwt", areas=("NWT01",))
    _, hat_yai = await join(runtime, "hyi", areas=("HYI01",))
    _, chana = await join(runtime, "chana", areas=("SKA01",))  # one of the four districts
    clock = pin(runtime, bkk(2027, 3, 9, 15, 0))
    await run_job(runtime.store, REMINDER, runtime.settings)
    sent = set(await queued(runtime.store, "remind:"))
    assert f"remind:first:{hat_yai}:2027-W10" in sent
    assert not {f"remind:first:{p}:2027-W10" for p in (narathiwat, chana)} & sent
    clock.set(bkk(2027, 3, 10, 15, 0))  # Wednesday: the moved reminders go
    await run_job(runtime.store, REMINDER, runtime.settings)
    sent = set(await queued(runtime.store, "remind:"))
    assert {f"remind:first:{p}:2027-W10" for p in (narathiwat, chana, hat_yai)} <= sent


async def test_an_admin_can_correct_hari_raya_and_close_an_office(
    runtime: Runtime, demo_ids: dict[str, int]
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"PRASAN_REMINDER_CRON": "0 15 * * tue"})
    async with runtime.store.tx() as tx:  # the moon was sighted a day later
        await tx.set_holiday_override(bkk(2027, 3, 9).date(), "remove", "regional", 0, None)
        await tx.set_holiday_override(bkk(2027, 3, 10).date(), "add", "regional", 0, "ฮารีรายอ")
    pin(runtime, bkk(2027, 3, 9, 15, 0))
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 2

    # A closure of every Pattani office on Friday 12th, the last working day of the week:
    # Somchai's last call has no working day left and is skipped; Fatimah's goes.
    async with runtime.store.tx() as tx:
        pattani = await tx.find_province("ปัตตานี")
        assert pattani is not None
        await tx.set_holiday_override(bkk(2027, 3, 12).date(), "add", "province", pattani, "น้ำท่วม")
    clock = pin(runtime, bkk(2027, 3, 12, 15, 30))
    await run_job(runtime.store, LAST_CALL, runtime.settings)
    clock.set(bkk(2027, 3, 13, 15, 30))
    await run_job(runtime.store, LAST_CALL, runtime.settings)
    assert list(await queued(runtime.store, "remind:last:")) == [
        f"remind:last:{demo_ids['fatimah']}:2027-W10"
    ]


async def test_monthly_periods(runtime: Runtime, demo_ids: dict[str, int]) -> None:
    runtime.settings = runtime.settings.model_copy(update={"PRASAN_REPORT_PERIOD": "month"})
    pin(runtime, bkk(2026, 12, 17, 15, 0))
    await report(runtime.store, demo_ids["fatimah"], "YLA01", bkk(2026, 12, 1, 10))
    assert (await run_job(runtime.store, REMINDER, runtime.settings)).queued == 1
    [(key, messages)] = (await queued(runtime.store, "remind:")).items()
    assert key == f"remind:first:{demo_ids['somchai']}:2026-12"
    assert text_of(messages).startswith(
        TH("🔔 A gentle reminder: this month's progress report is not in yet for:")
    )


async def test_reruns_restarts_racing_workers_and_the_cli_send_nothing_twice(
    runtime: Runtime, demo_ids: dict[str, int]
) -> None:
    clock = pin(runtime, bkk(2026, 12, 10, 15, 0))  # a holiday: only the CLI sends today
    other = await Store.open(runtime.settings.DATABASE_URL)  # a second worker's connection
    other.clock = clock
    try:
        raced = await asyncio.gather(
            run_job(runtime.store, REMINDER, runtime.settings),
            run_job(other, REMINDER, runtime.settings),
        )
        assert sorted(r.status for r in raced) == [RunStatus.RAN, RunStatus.SKIPPED]
        assert await queued(runtime.store, "remind:") == {}  # holiday
        forced = await asyncio.gather(
            send_now(runtime.store, REMINDER, runtime.settings),
            send_now(other, REMINDER, runtime.settings),
        )
    finally:
        await other.close()
    assert sum(o.queued for o in forced) == 2  # the admin's explicit choice, once each
    clock.advance(timedelta(days=1))  # Friday's run finds them sent already
    again = await run_job(runtime.store, REMINDER, runtime.settings)
    assert again.status == RunStatus.RAN and again.queued == 0
    assert len(await queued(runtime.store, "remind:")) == 2
