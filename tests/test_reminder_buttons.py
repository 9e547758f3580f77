"""The buttons on a reminder: report now for an area, leave; forged data is refused."""

from __future__ import annotations

from bot.i18n import translator
from bot.jobs import run_job
from bot.jobs.reminders import REMINDER
from bot.runtime import Runtime
from tests.proactive_support import bkk, join, pin, queued

TH = translator("th")


async def test_report_now_opens_the_progress_flow_with_the_area_chosen(runtime: Runtime) -> None:
    pin(runtime, bkk(2026, 12, 3, 15, 0))
    chat, pid = await join(runtime, "c1", areas=("PTN01", "PTN02"))
    await run_job(runtime.store, REMINDER, runtime.settings)
    [reminder] = (await queued(runtime.store, f"remind:first:{pid}:")).values()
    chat.last = reminder  # as the phone shows it
    await chat.press("บ้านตะโละกาโปร์")
    assert TH("📝 What happened? Tell me about the activity in a few sentences "
              "(a photo with a caption works too).") in chat.text  # fmt: skip
    async with runtime.store.tx() as tx:
        conv = await tx.conversation(pid)
        area = await tx.area_by_code("PTN02")
    assert conv is not None and conv.flow == "progress" and area is not None
    assert conv.data["area_id"] == area.id


async def test_a_press_during_another_report_keeps_that_draft(runtime: Runtime) -> None:
    chat, pid = await join(runtime, "c2", areas=("PTN01", "PTN02"))
    await chat.send("/problem")
    await chat.press("บ้านบางปู")
    await chat.send("ถนนเข้าหมู่บ้านขาด รถเข้าไม่ได้")
    asked = list(chat.last)
    await chat.send(data="remind:report:PTN02")
    note = TH("You have a report in progress. Please finish it, or press Cancel to drop it.")
    assert chat.last[0].text == note and chat.last[1:] == asked
    async with runtime.store.tx() as tx:
        conv = await tx.conversation(pid)
    assert conv is not None and conv.flow == "obstacle" and "ถนน" in conv.data["text"]


async def test_forged_data_for_someone_elses_area_is_refused_and_audited(
    runtime: Runtime,
) -> None:
    chat, pid = await join(runtime, "c3", areas=("PTN01",))
    await chat.send(data="remind:report:YLA01")  # Yala: not this coordinator's area
    assert TH("That option is not available to you.") in chat.text
    supervisor, _ = await join(runtime, "s3", role="supervisor", areas=("YLA01",))
    await supervisor.send(data="remind:report:YLA01")  # not a coordinator at all
    await chat.send(data="leave:until:2099-01-01")  # beyond any leave we record
    await chat.send(data="leave:until:not-a-date")
    async with runtime.store.tx() as tx:
        denied = [
            (d["detail"]["reason"], d["detail"]["data"]) for d in await tx.audit_entries("denied")
        ]
        conv = await tx.conversation(pid)
        leave = await tx.leave_of(pid, bkk(2026, 1, 1).date())
    assert denied == [
        ("scope", "remind:report:YLA01"), ("role", "remind:report:YLA01"),
        ("range", "leave:until:2099-01-01"), ("malformed", "leave:until:not-a-date"),
    ]  # fmt: skip
    assert conv is None and leave is None


async def test_leave_from_the_reminder_and_the_menu_pauses_reminders(runtime: Runtime) -> None:
    clock = pin(runtime, bkk(2026, 12, 1, 10, 0))  # Tuesday
    chat, pid = await join(runtime, "c4", areas=("PTN01",))
    await chat.send(data="leave:week")
    assert "6 ธันวาคม 2569" in chat.text  # until Sunday, in the Buddhist Era
    clock.set(bkk(2026, 12, 3, 15, 0))
    await run_job(runtime.store, REMINDER, runtime.settings)
    assert f"remind:first:{pid}:2026-W49" not in await queued(runtime.store, "remind:")

    clock.set(bkk(2026, 12, 7, 9, 0))  # the next Monday: the leave is over
    await chat.send(TH("🏖️ Leave"))  # the menu item, typed
    assert chat.labels[:2] == [TH("🏖️ On leave this week"), TH("📅 On leave until…")]
    await chat.press(TH("📅 On leave until…"))
    assert [b.data for m in chat.last for b in m.buttons][:4] == [
        "leave:until:2026-12-20", "leave:until:2026-12-27",
        "leave:until:2027-01-03", "leave:until:2027-01-10",
    ]  # fmt: skip
    await chat.press("20 ธ.ค. 2569")
    async with runtime.store.tx() as tx:
        leave = await tx.leave_of(pid, bkk(2026, 12, 7).date())
    assert leave is not None and str(leave.ends_on) == "2026-12-20"
    await chat.send(data="m:leave")
    assert TH("👋 I am back at work") in chat.labels
    await chat.press(TH("👋 I am back at work"))
    async with runtime.store.tx() as tx:
        assert await tx.leave_of(pid, bkk(2026, 12, 7).date()) is None
