"""Meetings: created in chat, notices with RSVP on both apps, reminders, updates, cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import MovableClock
from bot.jobs import RunStatus, run_job
from bot.jobs.meetings import SPEC
from bot.messages import Outgoing, load_messages
from bot.runtime import Runtime
from storage.queries_audience import Target, TargetKind
from tests.helpers import Chat, make_invite

BKK = ZoneInfo("Asia/Bangkok")
START = datetime(2026, 12, 14, 9, 0, tzinfo=BKK)  # a Monday


@pytest.fixture
def clock(runtime: Runtime) -> MovableClock:
    moving = MovableClock(datetime(2026, 12, 7, 10, 0, tzinfo=BKK))
    runtime.store.clock = moving
    return moving


async def join(runtime: Runtime, channel: str, user: str, role: str = "coordinator",
               areas: tuple[str, ...] = ("PTN01",),
               scope: list[list[object]] | None = None) -> Chat:  # fmt: skip
    code = await make_invite(runtime.store, role=role, areas=areas, scope=scope, name=user)
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    return chat


async def person_id(runtime: Runtime, chat: Chat) -> int:
    async with runtime.store.tx() as tx:
        ident = await tx.identity(chat.channel, chat.user_id)
    assert ident is not None and ident.person_id is not None
    return ident.person_id


async def run(runtime: Runtime) -> int:
    """One run of the meetings job at the clock's minute; returns notices queued."""
    outcome = await run_job(runtime.store, SPEC, runtime.settings)
    assert outcome.status == RunStatus.RAN
    return outcome.queued


async def notices(runtime: Runtime, chat: Chat) -> dict[str, list[Outgoing]]:
    """The meeting notices queued for one person, by dedupe key."""
    pid = await person_id(runtime, chat)
    async with runtime.store.tx() as tx:
        rows = await tx.outbox_rows()
    return {r["dedupe_key"]: load_messages(r["payload"]) for r in rows
            if r["person_id"] == pid and r["dedupe_key"].startswith("meeting:")}  # fmt: skip


def kinds(found: dict[str, list[Outgoing]]) -> list[str]:
    return sorted(k.split(":")[2] for k in found)


async def create_in_chat(boss: Chat) -> None:
    await boss.press("การประชุม")
    assert "ยังไม่มีการประชุม" in boss.text
    await boss.press("นัดประชุมใหม่")
    await boss.send("ประชุมติดตามความก้าวหน้า จังหวัดปัตตานี")
    await boss.send("14/12/2569 09:00")
    await boss.send(kind="location", latitude=6.8694, longitude=101.2502)
    assert "บันทึกตำแหน่งแล้ว" in boss.text
    await boss.send("ห้องประชุมศาลากลางจังหวัดปัตตานี")
    await boss.send("1. ความก้าวหน้ารายพื้นที่ 2. ปัญหาและอุปสรรค")
    await boss.press("จังหวัด")
    await boss.press("ปัตตานี")
    await boss.press("เสร็จ")
    assert "วันจันทร์ที่ 14 ธันวาคม 2569" in boss.text and "09.00 น." in boss.text
    assert "maps.google.com/?q=6.869400,101.250200" in boss.text
    await boss.press("ยืนยัน")
    assert "#1" in boss.text


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_rsvp_on_both_apps_and_the_admin_sees_who_comes(
    runtime: Runtime, clock: MovableClock, channel: str
) -> None:
    boss = await join(runtime, channel, "U-admin", role="admin", scope=[["all", None]])
    amina = await join(runtime, "line", "U-amina", areas=("PTN02",))
    dolah = await join(runtime, "telegram", "dolah", areas=("PTN03",))
    yala = await join(runtime, "line", "U-yala", areas=("YLA01",))
    await create_in_chat(boss)
    assert await run(runtime) == 4  # somchai, arunee (console), amina, dolah; not Yala, not admin
    [(key, [notice])] = (await notices(runtime, amina)).items()
    assert key == f"meeting:1:notice:{await person_id(runtime, amina)}"
    assert notice.text.startswith("📅 ขอเรียนเชิญเข้าร่วมประชุม")
    assert "วันจันทร์ที่ 14 ธันวาคม 2569" in notice.text and "ห้องประชุมศาลากลาง" in notice.text
    assert [b.data for b in notice.buttons] == ["rsvp:1:yes", "rsvp:1:no"]
    assert await notices(runtime, yala) == {}

    amina.last = [notice]
    await amina.press("เข้าร่วม")
    assert "บันทึกว่าคุณจะเข้าร่วม" in amina.text
    dolah.last = next(iter((await notices(runtime, dolah)).values()))
    await dolah.press("ไม่สะดวก")
    assert "เหตุผล" in dolah.text and "⏭️ ข้าม" in dolah.labels
    await dolah.send("ติดจัดเวทีประชาคมที่บ้านในวันเดียวกัน")
    assert "ขอบคุณ" in dolah.text

    await boss.press("การประชุม")
    assert "✅ เข้าร่วม 1 · ❌ ไม่สะดวก 1 · ⏳ ยังไม่ตอบ 2" in boss.text
    await boss.press("#1")
    assert "✅ เข้าร่วม: U-amina" in boss.text
    assert "❌ ไม่สะดวกเข้าร่วม: dolah (ติดจัดเวทีประชาคมที่บ้านในวันเดียวกัน)" in boss.text
    assert "⏳ ยังไม่ได้ตอบ: สมชาย ใจดี และอรุณี ศรีสุข" in boss.text

    await dolah.send("/meetings")  # changes their mind from the menu
    assert "คำตอบของคุณ: ไม่สะดวกเข้าร่วม" in dolah.text
    await dolah.press("เข้าร่วม #1")
    pid = await person_id(runtime, dolah)
    async with runtime.store.tx() as tx:
        answer = await tx.invitee(1, pid)
    assert answer is not None and answer.answer == "yes"


async def test_reminders_skip_those_who_declined_and_come_once_in_their_window(
    runtime: Runtime, clock: MovableClock
) -> None:
    yes = await join(runtime, "line", "U-yes")
    no = await join(runtime, "telegram", "no")
    silent = await join(runtime, "line", "U-silent")
    async with runtime.store.tx() as tx:
        area = await tx.area_by_code("PTN01")
        assert area is not None
        await tx.create_meeting(title="ถอดบทเรียน", starts_at=START, venue="มัสยิดกลาง",
                                targets=[Target(TargetKind.AREA, area.id)])  # fmt: skip
    await run(runtime)
    await yes.send(data="rsvp:1:yes")
    await no.send(data="rsvp:1:no")
    await no.press("ข้าม")

    clock.set(datetime(2026, 12, 9, 10, 1, tzinfo=BKK))  # 48 h after the invitation
    await run(runtime)
    assert kinds(await notices(runtime, silent)) == ["notice", "renotice"]
    assert kinds(await notices(runtime, yes)) == ["notice"]
    clock.advance(timedelta(minutes=1))
    assert await run(runtime) == 0  # one re-notice only

    clock.set(START - timedelta(hours=24))
    await run(runtime)
    clock.advance(timedelta(minutes=30))
    assert await run(runtime) == 0  # still in the window: nothing twice
    day = await notices(runtime, yes)
    assert kinds(day) == ["notice", "remind-1d"]
    assert "พรุ่งนี้" in day[f"meeting:1:remind-1d:{await person_id(runtime, yes)}"][0].text
    assert kinds(await notices(runtime, silent)) == ["notice", "remind-1d", "renotice"]
    assert kinds(await notices(runtime, no)) == ["notice"]

    clock.set(START - timedelta(hours=2))
    await run(runtime)
    assert kinds(await notices(runtime, yes)) == ["notice", "remind-1d", "remind-2h"]
    assert kinds(await notices(runtime, no)) == ["notice"]
    async with runtime.store.tx() as tx:
        rows = [r for r in await tx.outbox_rows() if ":remind-2h:" in r["dedupe_key"]]
    assert rows and all(r["not_after"] == START for r in rows)  # never sent after the start

    clock.set(START + timedelta(minutes=1))
    await yes.send(data="rsvp:1:no")
    assert "เริ่มแล้ว" in yes.text


async def test_a_late_day_before_reminder_is_not_sent(
    runtime: Runtime, clock: MovableClock
) -> None:
    chat = await join(runtime, "line", "U-late")
    async with runtime.store.tx() as tx:
        await tx.create_meeting(title="ประชุม", starts_at=START, venue="อำเภอ",
                                targets=[Target(TargetKind.ROLE, "coordinator")])  # fmt: skip
    await run(runtime)
    clock.set(START - timedelta(hours=20))  # the worker was down when the day-before was due
    await run(runtime)
    assert kinds(await notices(runtime, chat)) == ["notice", "renotice"]  # no late reminder


async def test_update_and_cancellation_notices_reach_everyone_told_once(
    runtime: Runtime, clock: MovableClock
) -> None:
    boss = await join(runtime, "telegram", "boss", role="admin", scope=[["all", None]])
    declined = await join(runtime, "line", "U-declined")
    await create_in_chat(boss)
    await run(runtime)
    await declined.send(data="rsvp:1:no")
    await declined.press("ข้าม")

    await boss.send(data="mtg:1:time")
    await boss.send("15/12/2569 13:30")
    assert "#1" in boss.text and "แจ้งรายละเอียดใหม่" in boss.text
    clock.advance(timedelta(minutes=1))  # the next minute's run
    assert await run(runtime) == 3  # somchai, arunee and the one who declined
    update = (await notices(runtime, declined))[
        f"meeting:1:update:2:{await person_id(runtime, declined)}"
    ]
    assert "มีการเปลี่ยนแปลง" in update[0].text and "วันอังคารที่ 15 ธันวาคม 2569" in update[0].text
    assert "13.30 น." in update[0].text
    clock.advance(timedelta(minutes=1))
    assert await run(runtime) == 0

    await boss.send(data="mtg:1:cancel")
    assert "ยืนยันยกเลิก" in boss.text
    await boss.press("ยืนยันยกเลิก")
    clock.advance(timedelta(minutes=1))
    assert await run(runtime) == 3
    assert "cancel" in kinds(await notices(runtime, declined))
    clock.advance(timedelta(minutes=1))
    assert await run(runtime) == 0
    await declined.send(data="rsvp:1:yes")
    assert "ยกเลิกแล้ว" in declined.text


async def test_a_forged_rsvp_is_refused_and_audited(runtime: Runtime, clock: MovableClock) -> None:
    yala = await join(runtime, "telegram", "yala", areas=("YLA01",))
    async with runtime.store.tx() as tx:
        pattani = await tx.find_province("ปัตตานี")
        await tx.create_meeting(title="เฉพาะปัตตานี", starts_at=START, venue="ปัตตานี",
                                targets=[Target(TargetKind.PROVINCE, pattani)])  # fmt: skip
    for data in ("rsvp:1:yes", "rsvp:2:yes", "rsvp:1:maybe", "mtg:1:cancelok"):
        await yala.send(data=data)
        assert "บัญชีของคุณใช้เมนูนี้ไม่ได้" in yala.text
    async with runtime.store.tx() as tx:
        denied = [(d["detail"]["data"], d["detail"]["reason"])
                  for d in await tx.audit_entries("denied")]  # fmt: skip
        meeting = await tx.meeting(1)
        invited = {i.name for i in await tx.invitees(1)}
    assert denied == [("rsvp:1:yes", "scope"), ("rsvp:2:yes", "scope"),
                      ("rsvp:1:maybe", "malformed"), ("mtg:1:cancelok", "role")]  # fmt: skip
    assert meeting is not None and meeting.status == "scheduled" and "yala" not in invited
