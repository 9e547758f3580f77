"""Admin broadcasts: the chat flow on both apps, the audience, resumable fan-out, the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import broadcasting
from bot.channels.errors import ContactStopped
from bot.clock import MovableClock
from bot.messages import Outgoing, load_messages
from bot.runtime import Runtime
from storage.queries_audience import Target, TargetKind
from tests.helpers import Chat, make_invite

BKK = ZoneInfo("Asia/Bangkok")
CHANNELS = ["line", "telegram"]


class Phone:
    """A chat app that records what it was asked to deliver (and can refuse a blocked user)."""

    def __init__(self, name: str, blocked: Sequence[str] = ()) -> None:
        self.name = name
        self.blocked = set(blocked)
        self.got: dict[str, list[Outgoing]] = {}

    async def send(self, recipient: str, messages: Sequence[Outgoing], *,
                   reply_token: str | None = None, retry_key: str | None = None) -> None:  # fmt: skip
        if recipient in self.blocked:
            raise ContactStopped("blocked")
        self.got.setdefault(recipient, []).extend(messages)


@pytest.fixture
def clock(runtime: Runtime) -> MovableClock:
    moving = MovableClock(datetime(2026, 12, 1, 9, 0, tzinfo=BKK))
    runtime.store.clock = moving
    return moving


async def join(runtime: Runtime, channel: str, user: str, role: str = "coordinator",
               areas: tuple[str, ...] = ("PTN01",),
               scope: list[list[object]] | None = None) -> Chat:  # fmt: skip
    code = await make_invite(runtime.store, role=role, areas=areas, scope=scope, name=user)
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    return chat


async def admin(runtime: Runtime, channel: str) -> Chat:
    return await join(runtime, channel, "U-admin", role="admin", scope=[["all", None]])


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_admin_broadcasts_to_a_province_and_gets_a_delivery_report(
    runtime: Runtime, clock: MovableClock, channel: str
) -> None:
    line, telegram = Phone("line", blocked=["U-blocked"]), Phone("telegram")
    for phone in (line, telegram, Phone("console")):  # the demo people use the console
        runtime.add_channel(phone)
    boss = await admin(runtime, channel)
    await join(runtime, "line", "U-ptn-line", areas=("PTN02",))
    await join(runtime, "telegram", "ptn-telegram", areas=("PTN03",))
    await join(runtime, "line", "U-blocked", areas=("PTN01",))  # blocks the bot at once
    await join(runtime, "line", "U-yala", areas=("YLA01",))
    await make_invite(runtime.store, areas=("PTN01",))  # invited, not yet registered

    assert "📢 ประกาศ" in boss.labels
    await boss.press("ประกาศ")
    assert "พิมพ์ข้อความประกาศ" in boss.text and boss.labels == ["✖️ ยกเลิก"]
    await boss.send("ขอเชิญผู้ประสานงานทุกท่านร่วมประชุมสรุปงานประจำเดือน")
    assert "👥 ทุกคน" in boss.labels and "✅ เสร็จ" not in boss.labels
    await boss.press("จังหวัด")
    assert "ปัตตานี" in boss.labels and "ยะลา" in boss.labels
    await boss.send("Pattani" if channel == "line" else "ปัตตานี")  # the typed name works too
    assert "จังหวัดปัตตานี" in boss.text and "✅ เสร็จ" in boss.labels
    await boss.press("เสร็จ")
    # somchai and arunee (demo, console), the two new ones, and the one who blocked the bot
    assert "5 คน: คอนโซล 2, LINE 1, Telegram 1; ติดต่อไม่ได้ 1 คน" in boss.text
    assert "ขอเชิญผู้ประสานงาน" in boss.text
    await boss.press("ส่งทันที")
    assert "5 คน" in boss.text
    await boss.press("ยืนยัน")
    assert "#1" in boss.text and "รายงานผลการส่ง" in boss.text
    async with runtime.store.tx() as tx:
        [audit] = await tx.audit_entries("broadcast_created")
        assert "text" not in audit["detail"]
        assert [r for r in await tx.outbox_rows() if r["tag"] == "broadcast:1"] == []

    assert await broadcasting.tick(runtime.store) == 4  # the one who blocked the bot: counted
    assert await broadcasting.tick(runtime.store) == 0  # queued once, however often it ticks
    await runtime.sender.deliver()
    await runtime.sender.flush()
    got = line.got["U-ptn-line"][-1].text
    assert got.startswith("📢 ประกาศจากสำนักงานโครงการ") and "ประชุมสรุปงาน" in got
    assert "ประชุมสรุปงาน" in telegram.got["ptn-telegram"][-1].text
    assert "U-yala" not in line.got or all("ประชุมสรุปงาน" not in m.text for m in line.got["U-yala"])

    assert await broadcasting.tick(runtime.store) == 1  # everything is final: the report
    await runtime.sender.deliver()
    await runtime.sender.flush()
    phone = line if channel == "line" else telegram
    report = phone.got["U-admin"][-1].text
    assert "#1" in report and "ส่งถึงแล้ว: 4 คน" in report
    assert "บล็อก “ประสาน” หรือติดต่อไม่ได้: 1 คน" in report and "ยังไม่ได้ลงทะเบียน: 1 คน" in report
    assert await broadcasting.tick(runtime.store) == 0  # reported once


async def test_each_person_once_with_both_apps_and_in_their_language(
    runtime: Runtime, clock: MovableClock
) -> None:
    chat = await join(runtime, "line", "U-both", areas=("PTN01",))
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", "U-both")
        assert ident is not None and ident.person_id is not None
        tg = await tx.ensure_identity("telegram", "4242")
        await tx.update_identity(tg.id, person_id=ident.person_id)
        await tx.set_language(ident.person_id, "en")
        targets = [Target(TargetKind.AREA, (await tx.area_by_code("PTN01")).id),  # type: ignore[union-attr]
                   Target(TargetKind.ROLE, "coordinator")]  # fmt: skip
        await tx.create_broadcast(text="ภาษาไทย", translations={"en": "In English"},
                                  targets=targets, send_at=tx.now(), actor="test")  # fmt: skip
    await broadcasting.tick(runtime.store)
    async with runtime.store.tx() as tx:
        mine = [r for r in await tx.outbox_rows() if r["person_id"] == ident.person_id
                and r["tag"] == "broadcast:1"]  # fmt: skip
    assert len(mine) == 1 and mine[0]["channel"] == "line"
    text = load_messages(mine[0]["payload"])[0].text
    assert text == "📢 Announcement from the programme office\n\nIn English"
    assert chat is not None


async def test_a_crash_mid_fan_out_resumes_without_partial_or_double(
    runtime: Runtime, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with runtime.store.tx() as tx:
        area = await tx.area_by_code("PTN01")
        assert area is not None
        for n in range(25):
            pid = await tx.create_person(f"p{n}", "coordinator", [["area", area.id]])
            ident = await tx.ensure_identity("line", f"U{n:03d}")
            await tx.update_identity(ident.id, person_id=pid)
        bid = await tx.create_broadcast(text="x", targets=[Target(TargetKind.ALL)],
                                        send_at=tx.now(), actor="test")  # fmt: skip
    real_notify = broadcasting.notify
    calls = 0

    async def dying_notify(*args, **kw):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 13:  # the process dies in the middle of the second chunk
            raise SystemExit("killed")
        return await real_notify(*args, **kw)

    monkeypatch.setattr(broadcasting, "notify", dying_notify)
    with pytest.raises(SystemExit):
        await broadcasting.expand(runtime.store, bid, chunk=10)
    async with runtime.store.tx() as tx:
        b = await tx.broadcast(bid)
        rows = [r for r in await tx.outbox_rows() if r["tag"] == f"broadcast:{bid}"]
    assert b is not None and b.status == "expanding" and b.queued == 10 and len(rows) == 10
    monkeypatch.setattr(broadcasting, "notify", real_notify)
    await broadcasting.tick(runtime.store)
    await broadcasting.tick(runtime.store)
    async with runtime.store.tx() as tx:
        b = await tx.broadcast(bid)
        rows = [r for r in await tx.outbox_rows() if r["tag"] == f"broadcast:{bid}"]
    assert b is not None and b.status == "queued" and b.queued == 29  # 25 + 4 demo people
    assert len(rows) == 29 and len({r["person_id"] for r in rows}) == 29


async def test_a_scheduled_broadcast_waits_for_its_time(
    runtime: Runtime, clock: MovableClock
) -> None:
    boss = await admin(runtime, "telegram")
    await boss.press("ประกาศ")
    await boss.send("แจ้งกำหนดการล่วงหน้า")
    await boss.press("ตามบทบาท")
    await boss.press("ผู้ประสานงาน")
    await boss.press("เสร็จ")
    await boss.press("ส่งภายหลัง")
    await boss.send("1/12/2569 08:00")
    assert "ผ่านไปแล้ว" in boss.text
    await boss.send("๒/๑๒/๒๕๖๙ ๐๙:๓๐")
    assert "2 ธ.ค. 2569 09.30 น." in boss.text
    await boss.press("ยืนยัน")
    assert await broadcasting.tick(runtime.store) == 0
    clock.set(datetime(2026, 12, 2, 9, 30, tzinfo=BKK))
    assert await broadcasting.tick(runtime.store) == 2  # the two demo coordinators


async def test_cancel_at_every_step_and_nobody_in_the_audience(
    runtime: Runtime, clock: MovableClock
) -> None:
    boss = await admin(runtime, "line")
    await boss.press("ประกาศ")
    await boss.send("ข้อความทดสอบ")
    await boss.press("พื้นที่")
    await boss.send("SKA01, zz9")
    assert "ZZ9" in boss.text
    await boss.send("ska01")
    await boss.press("เสร็จ")
    assert "ยังไม่มีผู้ลงทะเบียน" in boss.text and "👥 ทุกคน" in boss.labels
    await boss.press("ยกเลิก")
    assert "ยกเลิกแล้ว" in boss.text
    async with runtime.store.tx() as tx:
        assert await tx.broadcasts_list() == []
    coordinator = await join(runtime, "line", "U-c", areas=("PTN01",))
    await coordinator.send(data="m:broadcast")
    assert "บัญชีของคุณใช้เมนูนี้ไม่ได้" in coordinator.text


async def test_delivery_counts_treat_unknown_states_as_waiting() -> None:
    assert broadcasting.delivery_counts({"sent": 3, "blocked": 1, "failed": 1, "pending": 2}) == (
        3, 1, 1, 2)  # fmt: skip
    assert broadcasting.delivery_counts({"retrying": 1})[3] == 1
