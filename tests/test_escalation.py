"""Escalation of unacknowledged high-urgency problems, with a controlled clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import MovableClock
from bot.jobs import run_job
from bot.jobs.escalation import SPEC, working_time
from bot.messages import load_messages
from bot.runtime import Runtime
from bot.workdays import load_calendar
from tests.helpers import Chat
from tests.search_support import add_report

BKK = ZoneInfo("Asia/Bangkok")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=BKK)


def test_working_time_counts_office_hours_on_weekdays_only() -> None:
    assert working_time(MONDAY, MONDAY + timedelta(hours=3), BKK) == timedelta(hours=3)
    # Monday 10:00 → Tuesday 10:00: 6.5 h on Monday, 1.5 h on Tuesday.
    assert working_time(MONDAY, MONDAY + timedelta(days=1), BKK) == timedelta(hours=8)
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=BKK)
    next_monday = datetime(2026, 12, 7, 9, 0, tzinfo=BKK)
    assert working_time(friday, next_monday, BKK) == timedelta(hours=2)  # 1.5 + 0.5
    evening = datetime(2026, 11, 30, 20, 0, tzinfo=BKK)
    assert working_time(evening, evening + timedelta(hours=10), BKK) == timedelta(0)


async def test_holidays_of_the_problem_s_area_are_not_working_time(runtime: Runtime) -> None:
    # Monday 7 December 2026 is the substitute day for the 5th (a Saturday) in Thailand.
    async with runtime.store.tx() as tx:
        calendar = await load_calendar(tx)
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=BKK)
    tuesday = datetime(2026, 12, 8, 9, 0, tzinfo=BKK)
    assert working_time(friday, tuesday, BKK, calendar.is_working_day) == timedelta(hours=2)
    clock = MovableClock(datetime(2026, 12, 2, 10, 0, tzinfo=BKK))  # Wednesday
    runtime.store.clock = clock
    urgent = await add_report(runtime.store, "ไฟไหม้ศูนย์ประชุม", "PTN01", severity="high")
    clock.set(datetime(2026, 12, 7, 12, 0, tzinfo=BKK))  # 24 h of Mon–Fri, but a holiday
    await run_job(runtime.store, SPEC, runtime.settings)
    assert await escalations(runtime) == []
    clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=BKK))  # 22.5 h by Friday, 1.5 h on Tuesday
    await run_job(runtime.store, SPEC, runtime.settings)
    [(to, text)] = await escalations(runtime)
    assert to == "admin" and f"#{urgent}" in text


async def escalations(runtime: Runtime) -> list[tuple[str, str]]:
    async with runtime.store.tx() as tx:
        rows = await tx.outbox_rows()
    return [(r["recipient"], load_messages(r["payload"])[0].text) for r in rows
            if r["dedupe_key"].startswith("escalate:")]  # fmt: skip


async def test_admins_hear_once_after_24_working_hours_unless_acknowledged(
    runtime: Runtime,
) -> None:
    clock = MovableClock(MONDAY)
    runtime.store.clock = clock
    urgent = await add_report(runtime.store, "ไฟไหม้ศูนย์ประชุม", "PTN01", severity="high")
    handled = await add_report(runtime.store, "ถนนขาด", "PTN02", severity="high")
    await add_report(runtime.store, "เอกสารล่าช้า", "PTN01", severity="medium")

    supervisor = Chat(runtime, "console", "arunee")
    await supervisor.send(data=f"ticket:{handled}:ack")
    await supervisor.press("ไม่มีหมายเหตุ")

    clock.set(datetime(2026, 12, 2, 16, 0, tzinfo=BKK))  # Wednesday: 22 working hours
    await run_job(runtime.store, SPEC, runtime.settings)
    assert await escalations(runtime) == []

    clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=BKK))  # Thursday 10:00: 24 working hours
    await run_job(runtime.store, SPEC, runtime.settings)
    [(to, text)] = await escalations(runtime)
    assert to == "admin" and f"#{urgent}" in text and "24" in text

    clock.advance(timedelta(minutes=15))
    await run_job(runtime.store, SPEC, runtime.settings)
    assert len(await escalations(runtime)) == 1  # once


async def test_a_weekend_does_not_count(runtime: Runtime) -> None:
    clock = MovableClock(datetime(2026, 12, 4, 15, 0, tzinfo=BKK))  # Friday afternoon
    runtime.store.clock = clock
    await add_report(runtime.store, "น้ำท่วมทางเข้าหมู่บ้าน", "PTN01", severity="high")
    clock.set(datetime(2026, 12, 8, 8, 0, tzinfo=BKK))  # Tuesday 08:00: 1.5 + 8 hours
    await run_job(runtime.store, SPEC, runtime.settings)
    assert await escalations(runtime) == []
