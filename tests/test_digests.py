"""Digests: scope-limited contents, working days only, once per period, split to fit."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.digest import CHUNK
from bot.i18n import translator
from bot.jobs import RunStatus, digests, preview_job, run_job
from bot.jobs.digests import DAILY, WEEKLY
from bot.jobs.manual import send_now
from bot.media import load_media
from bot.runtime import Runtime
from tests.helpers import Chat
from tests.proactive_support import bkk, join, person_id, pin, queued, report, text_of

TH = translator("th")
EN = translator("en")


async def scene(runtime: Runtime) -> dict[str, int]:
    """Pattani and Yala reports of Monday 30 November 2026, and who reads the digests."""
    store = runtime.store
    ids = {
        n: await person_id(store, "console", n) for n in ("somchai", "fatimah", "arunee", "admin")
    }
    _, ids["yala_sup"] = await join(runtime, "ys", role="supervisor",
                                    scope=[["province", await _province(runtime, "ยะลา")]])  # fmt: skip
    _, ids["nwt_sup"] = await join(runtime, "ns", role="supervisor", areas=("NWT01",))
    await report(store, ids["somchai"], "PTN01", bkk(2026, 11, 30, 10), participants=30)
    await report(store, ids["somchai"], "PTN02", bkk(2026, 11, 30, 14), participants=12)
    await report(store, ids["fatimah"], "YLA01", bkk(2026, 11, 30, 11), participants=8)
    ids["new_ptn"] = await report(store, ids["somchai"], "PTN02", bkk(2026, 11, 30, 16),
                                  kind="obstacle", category="budget", severity="high",
                                  text="งบประมาณยังไม่ได้รับการอนุมัติ")  # fmt: skip
    ids["new_yala"] = await report(store, ids["fatimah"], "YLA01", bkk(2026, 11, 30, 17),
                                  kind="obstacle", category="security", severity="medium",
                                  text="ถนนถูกปิด")  # fmt: skip
    ids["old_ptn"] = await report(store, ids["somchai"], "PTN01", bkk(2026, 11, 18, 9),
                                  kind="obstacle", category="coordination", severity="low",
                                  text="ประสานงานกับอำเภอไม่ได้")  # fmt: skip
    return ids


async def _province(runtime: Runtime, name: str) -> int:
    async with runtime.store.tx() as tx:
        found = await tx.find_province(name)
    assert found is not None
    return found


async def test_each_reader_sees_only_their_scope(runtime: Runtime) -> None:
    ids = await scene(runtime)
    pin(runtime, bkk(2026, 12, 1, 8, 0))
    outcome = await run_job(runtime.store, DAILY, runtime.settings)
    assert outcome.status == RunStatus.RAN and outcome.queued == 4
    sent = await queued(runtime.store, "digest:daily:")
    pattani = text_of(sent[f"digest:daily:{ids['arunee']}:2026-12-01"])
    assert TH("📰 Daily digest, {date}", date="1 ธันวาคม 2569") in pattani
    assert TH("• {province} / {district}: {n} reports, {people} participants",
              province="ปัตตานี", district="ยะหริ่ง", n=2, people=42) in pattani  # fmt: skip
    assert f"#{ids['new_ptn']} · บ้านตะโละกาโปร์ · งบประมาณ" in pattani
    assert f"#{ids['old_ptn']} · บ้านบางปู" in pattani and TH("open {n} days", n=12) in pattani
    for yala in ("ยะลา", "บ้านบันนังสตา", f"#{ids['new_yala']}"):
        assert yala not in pattani
    yala = text_of(sent[f"digest:daily:{ids['yala_sup']}:2026-12-01"])
    assert (
        f"#{ids['new_yala']}" in yala and "ปัตตานี" not in yala and f"#{ids['old_ptn']}" not in yala
    )
    everything = text_of(sent[f"digest:daily:{ids['admin']}:2026-12-01"])
    assert f"#{ids['new_yala']}" in everything and f"#{ids['new_ptn']}" in everything
    # Nothing new in Narathiwat: one short line, never an empty template.
    [quiet] = sent[f"digest:daily:{ids['nwt_sup']}:2026-12-01"]
    assert quiet.text == TH("📰 {date}: no new reports or problems in your areas ({span}). "
                            "Have a good day! 🙏", date="1 ธันวาคม 2569", span="30 พ.ย. 2569")  # fmt: skip
    assert [b.data for b in quiet.buttons] == ["m:open"]


async def test_problems_linked_as_the_same_one_share_a_line_naming_their_districts(
    runtime: Runtime,
) -> None:
    ids = await scene(runtime)
    store = runtime.store
    budget = "งบประมาณโครงการยังไม่ได้รับการอนุมัติจากจังหวัด"
    saiburi = await report(store, ids["somchai"], "PTN03", bkk(2026, 11, 30, 15), kind="obstacle",
                           category="budget", severity="medium", text=budget)  # fmt: skip
    yala = await report(store, ids["fatimah"], "YLA01", bkk(2026, 11, 30, 16), kind="obstacle",
                        category="budget", severity="low", text=budget)  # fmt: skip
    async with store.tx() as tx:  # as filing links them (bot/similar)
        await tx.add_links(saiburi, [(ids["new_ptn"], 0.8)])
        await tx.add_links(yala, [(saiburi, 0.7)])
    pin(runtime, bkk(2026, 12, 1, 8, 0))
    await run_job(store, DAILY, runtime.settings)
    sent = await queued(store, "digest:daily:")
    everything = text_of(sent[f"digest:daily:{ids['admin']}:2026-12-01"])
    [line] = [x for x in everything.split("\n") if f"#{saiburi}" in x]
    assert line.startswith(f"• #{ids['new_ptn']} #{saiburi} #{yala} · งบประมาณ · ")
    assert line.endswith(TH("{line} — possibly the same problem in {n} districts: {districts}",
                            line="", n=3, districts="ยะหริ่ง, สายบุรี, บันนังสตา"))  # fmt: skip
    assert TH("⚠️ New problems ({n}):", n=4) in everything  # still counted one by one
    assert f"#{ids['new_yala']} · " in everything  # a security problem: not in the group
    pattani = text_of(sent[f"digest:daily:{ids['arunee']}:2026-12-01"])  # only their part
    assert f"#{ids['new_ptn']} #{saiburi} · " in pattani and f"#{yala}" not in pattani
    assert "2" in pattani.split(f"#{saiburi}")[1].split("\n")[0]


async def test_working_days_only_and_the_next_one_covers_the_gap(runtime: Runtime) -> None:
    ids = await scene(runtime)
    clock = pin(runtime, bkk(2026, 12, 5, 8, 0))  # Saturday (and a national holiday)
    assert (await run_job(runtime.store, DAILY, runtime.settings)).queued == 0
    clock.set(bkk(2026, 12, 7, 8, 0))  # Monday, the day in lieu of 5 December: still off
    assert (await run_job(runtime.store, DAILY, runtime.settings)).queued == 0
    await report(runtime.store, ids["somchai"], "PTN01", bkk(2026, 12, 6, 10), participants=5)
    clock.set(bkk(2026, 12, 8, 8, 0))  # Tuesday: covers Friday 4th to Monday 7th
    await run_job(runtime.store, DAILY, runtime.settings)
    text = text_of((await queued(runtime.store, f"digest:daily:{ids['arunee']}:"))[
        f"digest:daily:{ids['arunee']}:2026-12-08"])  # fmt: skip
    assert TH("📝 Progress reports ({span}):", span="4 ธ.ค. 2569 – 7 ธ.ค. 2569") in text
    # Once per day, whatever asks: the cron again, then the CLI.
    assert (await run_job(runtime.store, DAILY, runtime.settings)).status == RunStatus.SKIPPED
    assert (await send_now(runtime.store, DAILY, runtime.settings)).queued == 0
    assert len(await queued(runtime.store, "digest:daily:")) == 4


async def test_the_reader_language_is_used(runtime: Runtime) -> None:
    ids = await scene(runtime)
    async with runtime.store.tx() as tx:
        await tx.set_language(ids["arunee"], "en")
    pin(runtime, bkk(2026, 12, 1, 8, 0))
    [preview] = [p for p in await preview_job(runtime.store, DAILY, runtime.settings)
                 if p.person_id == ids["arunee"]]  # fmt: skip
    text = text_of(preview.messages)
    assert "📰 Daily digest, 1 December 2569 BE" in text
    assert "• Pattani / Yaring: 2 reports, 42 participants" in text
    assert await queued(runtime.store, "digest:") == {}  # a preview sends nothing


async def test_a_long_digest_is_split_between_lines(runtime: Runtime) -> None:
    ids = await scene(runtime)
    for i in range(160):
        await report(runtime.store, ids["somchai"], "PTN01", bkk(2026, 11, 30, 9, i % 60),
                     kind="obstacle", category="other", severity="low", text=f"ปัญหา {i}")  # fmt: skip
    pin(runtime, bkk(2026, 12, 1, 8, 0))
    [preview] = [p for p in await preview_job(runtime.store, DAILY, runtime.settings)
                 if p.person_id == ids["arunee"]]  # fmt: skip
    messages = preview.messages
    assert len(messages) > 1 and all(len(m.text) <= CHUNK for m in messages)
    lines = [line for m in messages for line in m.text.split("\n")]
    listed = [line for line in lines if line.startswith("• #")]
    assert len(listed) == 100 + 1  # the first 100 new ones, and the old open one
    assert all(re.fullmatch(r"• #\d+ · \S.*", line) for line in listed)  # no line was cut
    assert TH("⚠️ New problems ({n}):", n=161) in lines and TH("… and {n} more", n=61) in lines
    assert all(m.buttons == () for m in messages[:-1]) and messages[-1].buttons


async def test_weekly_digest_names_silent_areas_leave_keywords_and_carries_a_chart(
    runtime: Runtime,
) -> None:
    ids = await scene(runtime)
    store = runtime.store
    await report(store, ids["somchai"], "PTN01", bkk(2026, 12, 8, 10), participants=20,
                 text="จัดเวทีรับฟังปัญหาเรื่องยาเสพติดกับเยาวชน ยาเสพติดระบาดหนัก")  # fmt: skip
    await report(store, ids["somchai"], "PTN01", bkk(2026, 12, 9, 10), participants=15,
                 text="ประชุมเยาวชนเรื่องยาเสพติด")  # fmt: skip
    async with store.tx() as tx:
        await tx.set_leave(ids["somchai"], bkk(2026, 12, 14).date(), bkk(2026, 12, 20).date())
    pin(runtime, bkk(2026, 12, 14, 8, 0))
    outcome = await run_job(store, WEEKLY, runtime.settings)
    assert outcome.period == "2026-W51" and outcome.queued == 4
    sent = await queued(store, "digest:weekly:")
    messages = sent[f"digest:weekly:{ids['arunee']}:2026-W50"]
    text = text_of(messages)
    assert TH("• {province} / {district}: {n} reports, {people} participants",
              province="ปัตตานี", district="ยะหริ่ง", n=2, people=35) in text  # fmt: skip
    # PTN02 last reported on 30 November: silent last week only; PTN03 never reported.
    last_week = text.split(TH("🔕 No report last week ({n}):", n=1))[1]
    assert last_week.lstrip("\n").startswith("• บ้านตะโละกาโปร์ (ยะหริ่ง) — สมชาย ใจดี")
    assert "สมชาย ใจดี" in text  # the coordinator of the silent area, and on leave
    assert "บ้านปะเสยะวอ (สายบุรี)" in text  # never reported
    assert "ยาเสพติด" in text and "เยาวชน" in text  # keywords; boilerplate out
    keyword_line = next(line for line in text.split("\n") if "ยาเสพติด" in line)
    assert keyword_line.split(": ", 1)[1].startswith("ยาเสพติด เยาวชน")  # most frequent first
    assert " จัด " not in keyword_line and "เวที" in keyword_line  # boilerplate out, words in
    chart = messages[-1]
    assert chart.image_url and "/media/" in chart.image_url
    async with store.tx() as tx:
        png = await load_media(tx, chart.image_url)
    assert png is not None and png.data.startswith(b"\x89PNG")
    # Another week later, the same digest key is never reused.
    assert (await run_job(store, WEEKLY, runtime.settings)).status == RunStatus.SKIPPED


async def test_replies_are_not_held_while_the_weekly_charts_are_drawn(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Drawing takes ~0.5 s a chart, one per scope and language; were it drawn inside the
    # job's transaction, SQLite's writer would hold every reply until the last was done.
    await scene(runtime)
    pin(runtime, bkk(2026, 12, 7, 8, 0))
    drawing, release = asyncio.Event(), asyncio.Event()
    draw = digests.chart_png

    async def slow_chart(*args: object) -> bytes:
        drawing.set()
        await release.wait()
        return await draw(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(digests, "chart_png", slow_chart)
    job = asyncio.create_task(run_job(runtime.store, WEEKLY, runtime.settings))
    await asyncio.wait_for(drawing.wait(), 10)
    send = asyncio.create_task(Chat(runtime, "console", "somchai").send("สวัสดีครับ"))
    try:
        await asyncio.wait({send}, timeout=10)
        assert send.done() and not job.done()  # answered while the chart was being drawn
    finally:
        release.set()  # a failing run must still end, or the runtime never closes
        outcome = await asyncio.wait_for(job, 60)
    assert await send
    assert outcome.status == RunStatus.RAN and outcome.queued == 4


async def test_today_s_digest_from_the_menu(runtime: Runtime) -> None:
    ids = await scene(runtime)
    pin(runtime, bkk(2026, 12, 1, 15, 0))
    chat, _ = await join(runtime, "s9", role="supervisor",
                         scope=[["province", await _province(runtime, "ปัตตานี")]])  # fmt: skip
    await chat.send(data="m:menu")
    assert TH("📰 Today's digest") in chat.labels
    await chat.press(TH("📰 Today's digest"))
    assert f"#{ids['new_ptn']}" in chat.text and f"#{ids['new_yala']}" not in chat.text
    coordinator = chat.__class__(runtime, "console", "somchai")
    await coordinator.send(data="m:digest")
    assert f"#{ids['new_ptn']}" not in coordinator.text  # not for coordinators
