"""Coordinator flows as transcripts, each run as a LINE user and as a Telegram user.

Running the same transcript on two channels proves the flows are channel-agnostic.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from storage.schema import conversations, reports
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]


async def registered(runtime: Runtime, channel: str, areas: tuple[str, ...] = ("PTN01", "PTN02"),
                     user: str = "U-coordinator") -> Chat:  # fmt: skip
    code = await make_invite(runtime.store, areas=areas, name="ทดสอบ ผู้ประสาน")
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    assert "ยินดีต้อนรับค่ะ คุณทดสอบ ผู้ประสาน" in chat.text
    return chat


async def stored_reports(runtime: Runtime) -> list[dict]:  # type: ignore[type-arg]
    async with runtime.store.tx() as tx:
        rows = await tx.conn.execute(select(reports).order_by(reports.c.id))
        return [dict(r._mapping) for r in rows]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_registration_transcript(runtime: Runtime, channel: str) -> None:
    chat = Chat(runtime, channel, "U-new")
    await chat.send("สวัสดีครับ")
    assert "รหัสเชิญ" in chat.text and chat.labels == []
    await chat.send("ABCDE-FGHJK")
    assert "ไม่พบรหัสเชิญ" in chat.text and "เหลืออีก 4 ครั้ง" in chat.text
    code = await make_invite(runtime.store, areas=("PTN01",), name="สมหญิง")
    await chat.send(f"/start {code.lower()}")  # deep link, any case
    assert "ยินดีต้อนรับค่ะ คุณสมหญิง" in chat.text and "ผู้ประสานงานพื้นที่" in chat.text
    assert "บ้านบางปู" in chat.text
    assert chat.labels[:2] == ["📝 ส่งความก้าวหน้า", "⚠️ แจ้งปัญหา"]
    again = Chat(runtime, channel, "U-other")
    await again.send(code)
    assert "หมดอายุหรือมีผู้ใช้ไปแล้ว" in again.text  # single use


@pytest.mark.parametrize("channel", CHANNELS)
async def test_five_wrong_codes_lock_for_an_hour(runtime: Runtime, channel: str) -> None:
    chat = Chat(runtime, channel, "U-guesser")
    for _ in range(5):
        await chat.send("ZZZZZ-ZZZZZ")
    assert "จะไม่ตรวจรหัสใด ๆ จากแชตนี้จนถึง" in chat.text and "แม้เป็นรหัสใหม่" in chat.text
    code = await make_invite(runtime.store)
    await chat.send(code)
    assert "🔒" in chat.text and "ลองใหม่หลัง" in chat.text  # even a right code waits
    async with runtime.store.tx() as tx:
        assert len(await tx.audit_entries("invite_failed")) == 5
        assert await tx.audit_entries("register") == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_progress_report_transcript(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel)
    await chat.press("ส่งความก้าวหน้า")
    assert "พื้นที่ไหน" in chat.text and "บ้านบางปู" in chat.labels
    await chat.press("บ้านบางปู")
    assert "เกิดอะไรขึ้น" in chat.text
    await chat.send("จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน ผู้ใหญ่บ้านเปิดงาน")
    assert "ประมาณ 30 คน" in chat.text
    await chat.press("ใช่")
    assert "แนบรูปภาพ" in chat.text
    await chat.send(kind="photo", photo="file-123", text=None)
    assert "แนบแล้ว" in chat.text
    await chat.send(kind="location", latitude=6.87, longitude=101.45)
    await chat.press("เสร็จ")
    assert "กรุณาตรวจสอบ" in chat.text and "ผู้เข้าร่วม: 30 คน" in chat.text
    assert "บ้านบางปู (ยะหริ่ง, ปัตตานี)" in chat.text and "รูปภาพ: 1" in chat.text
    await chat.press("ส่ง")
    rows = await stored_reports(runtime)
    assert len(rows) == 1
    r = rows[0]
    assert f"#{r['id']}" in chat.text and "ขอบคุณ" in chat.text
    assert (r["kind"], r["participants"], r["status"], r["channel"]) == (
        "progress", 30, "submitted", channel)  # fmt: skip
    assert r["photos"] == [f"{channel}:file-123"] and r["latitude"] == 6.87
    assert "เวทีรับฟังปัญหา" in r["tokens"] and "30 คน" in r["norm_text"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_obstacle_report_transcript(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN03",))
    await chat.press("แจ้งปัญหา")
    assert "เล่าปัญหา" in chat.text  # one area: no area question
    await chat.send("งบประมาน ยังไม่ได้รับการเบิกจ่าย จัดกิจกรรมไม่ได้ เป็นอุปสรรค์มาก")
    assert "“งบประมาณ”" in chat.text and chat.labels[0] == "✅ งบประมาณ"
    assert len(chat.labels) == 9  # every category, then cancel
    await chat.press("งบประมาณ")
    assert "เร่งด่วนแค่ไหน" in chat.text and "รุนแรง" not in chat.text
    assert chat.labels == ["🟢 ไม่เร่งด่วน", "🟡 ปานกลาง", "🔴 เร่งด่วน", "✖️ ยกเลิก"]
    await chat.press("🔴 เร่งด่วน")
    assert "แนบรูปภาพ" in chat.text  # the problem flow offers photos too
    await chat.press("ข้าม")
    assert "หมวดหมู่: งบประมาณ" in chat.text and "ระดับความเร่งด่วน: 🔴 เร่งด่วน" in chat.text
    await chat.press("ส่ง")
    rows = await stored_reports(runtime)
    assert [(r["kind"], r["category"], r["severity"], r["status"]) for r in rows] == [
        ("obstacle", "budget", "high", "open")]  # fmt: skip
    ticket = rows[0]["id"]
    # The confirmation names the office that follows it up, not every supervisor and admin.
    assert f"#{ticket}" in chat.text and "ทีมผู้ดูแลพื้นที่จังหวัดปัตตานี" in chat.text
    assert "อรุณี" not in chat.text
    async with runtime.store.tx() as tx:
        notices = [r for r in await tx.outbox_rows() if r["dedupe_key"].startswith("notice:")]
    assert {n["recipient"] for n in notices} == {"arunee", "admin"}
    assert f"#{ticket}" in notices[0]["payload"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_text_out_of_the_blue_is_kept(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.send("มีเหตุยิงใกล้โรงเรียน ทหารปิดด่านตรวจ ต้องเลื่อนเวทีออกไปก่อน")
    assert "ไม่ต้องพิมพ์ใหม่" in chat.text
    # Fixed order (so "1" always means progress); the likelier one is marked.
    assert chat.labels == ["📝 ความก้าวหน้า", "👉 แจ้งปัญหา", "✖️ ยกเลิก"]
    await chat.press("แจ้งปัญหา")
    assert "ความปลอดภัย" in chat.labels[0]  # straight to the category: the text was kept
    chat2 = await registered(runtime, channel, areas=("PTN01",), user="U-second")
    await chat2.send("วันนี้จัดอบรมเยาวชน 25 คน เรียบร้อยดี")
    assert chat2.labels == ["👉 ความก้าวหน้า", "⚠️ แจ้งปัญหา", "✖️ ยกเลิก"]
    await chat2.press("ความก้าวหน้า")
    assert "ประมาณ 25 คน" in chat2.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_cancel_at_any_step_stores_nothing(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.press("บ้านบางปู")
    await chat.send("ประชุมกลุ่มแกนนำชุมชน 12 คน")
    await chat.send("ยกเลิก")  # typed, not pressed
    assert "ยกเลิกแล้ว" in chat.text and "📝 ส่งความก้าวหน้า" in chat.labels
    assert await stored_reports(runtime) == []
    async with runtime.store.tx() as tx:
        assert (await tx.conn.execute(select(conversations))).first() is None


@pytest.mark.parametrize("channel", CHANNELS)
async def test_unexpected_input_gets_clear_replies(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.press("ส่งความก้าวหน้า")
    cases = [
        ({"kind": "sticker"}, "รับเฉพาะข้อความที่พิมพ์"),
        ({"text": "🙏🙏🙏"}, "กรุณาเล่าเป็นข้อความ"),
        ({"text": "ก" * 10_000}, "10,000 ตัวอักษร"),
        ({"text": "\x00\x07"}, "กรุณาเล่าเป็นข้อความ"),
        ({"kind": "voice"}, "รับเฉพาะข้อความที่พิมพ์"),
        ({"data": "area:PTN01"}, "รับเฉพาะข้อความที่พิมพ์"),  # a stale button
    ]
    for kw, expected in cases:
        await chat.send(**kw)  # type: ignore[arg-type]
        assert expected in chat.text, kw
        assert "เกิดอะไรขึ้น" in chat.text  # and the question again
    await chat.send(kind="photo", photo="p1", text=None)
    assert "เก็บรูปภาพไว้แล้ว" in chat.text
    await chat.send("ลงพื้นที่\x0bเยี่ยมบ้าน 5 คน")
    assert "ประมาณ 5 คน" in chat.text
    await chat.press("ใช่")
    await chat.send("ข้อความที่ไม่ใช่รูป")
    assert "กรุณาส่งรูปภาพหรือตำแหน่งที่ตั้ง" in chat.text
    await chat.press("เสร็จ")
    assert "รูปภาพ: 1" in chat.text
    assert await stored_reports(runtime) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_half_finished_report_survives_restart(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.press("บ้านตะโละกาโปร์")
    await runtime.close()
    fresh = await Runtime.create(runtime.settings)
    try:
        chat.runtime = fresh
        await chat.send("ถอดบทเรียนกับภาคประชาสังคม 18 คน")
        assert "ประมาณ 18 คน" in chat.text
        await chat.press("ใช่")
        await chat.press("ข้าม")
        await chat.press("ส่ง")
        rows = await stored_reports(fresh)
        assert [(r["participants"], r["status"]) for r in rows] == [(18, "submitted")]
    finally:
        await fresh.close()
        runtime.store = await __import__("storage.store").store.Store.open(
            runtime.settings.DATABASE_URL)  # fmt: skip


async def test_report_continues_from_another_channel(runtime: Runtime) -> None:
    from bot.invites import code_hash, new_code
    from storage.store import utcnow

    chat = await registered(runtime, "line")
    await chat.press("แจ้งปัญหา")
    await chat.press("บ้านบางปู")
    async with runtime.store.tx() as tx:  # what `prasan invite --person ID` stores
        line = await tx.identity("line", "U-coordinator")
        assert line is not None and line.person_id is not None
        code = new_code()
        await tx.create_invite(await code_hash(tx, code), "coordinator", None, [],
                               utcnow() + timedelta(days=1), person_id=line.person_id)  # fmt: skip
    tg_chat = Chat(runtime, "telegram", "777")
    await tg_chat.send(code)
    assert "เชื่อมแชตนี้กับบัญชีของคุณทดสอบ ผู้ประสานแล้วค่ะ" in tg_chat.text
    await tg_chat.send(data="m:obstacle")  # the draft from LINE is waiting here
    assert "ยังทำไม่เสร็จ" in tg_chat.text
    await tg_chat.send("ชาวบ้านร้องเรียนเรื่องยาเสพติดระบาดในหมู่บ้าน")
    assert "ยาเสพติด" in tg_chat.labels[0]
    async with runtime.store.tx() as tx:
        assert len(await tx.people_list()) == 5  # the four demo people + one, not two


@pytest.mark.parametrize("channel", CHANNELS)
async def test_edit_from_summary_and_typed_labels(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.send("📝 ส่งความก้าวหน้า")  # typing a menu label works like pressing it
    await chat.send("เยี่ยมบ้านผู้สูงอายุ")
    assert "มีผู้เข้าร่วมกี่คน" in chat.text
    await chat.send("หลายคน")
    assert "กรุณาพิมพ์ตัวเลข" in chat.text
    await chat.send("๑๒")
    await chat.send("ข้าม")
    assert "ผู้เข้าร่วม: 12 คน" in chat.text
    await chat.press("แก้ไข")
    await chat.press("จำนวนผู้เข้าร่วม")
    await chat.send("15 คน")
    assert "ผู้เข้าร่วม: 15 คน" in chat.text  # back at the summary
    await chat.press("ส่ง")
    assert [r["participants"] for r in await stored_reports(runtime)] == [15]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_menu_press_mid_flow_keeps_the_draft(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.press("แจ้งปัญหา")
    await chat.send(data="m:mine")
    assert "ยังทำไม่เสร็จ" in chat.text and "เล่าปัญหา" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_language_switch_and_my_reports(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.press("รายงานของฉัน")
    assert "ยังไม่เคยส่งรายงาน" in chat.text
    await chat.press("ภาษา")
    await chat.press("English")
    assert "in English" in chat.text and "📝 Report progress" in chat.labels
    for n in range(12):
        await chat.press("Report progress")
        await chat.send(f"Village meeting number {n} with 10 people")
        await chat.press("Yes")
        await chat.press("Skip")
        await chat.press("Send")
    await chat.press("My reports")
    assert chat.text.count("· progress ·") == 10 and "#12" in chat.text and "#2 " not in chat.text
    assert "2569" in chat.text  # Buddhist Era dates


async def test_supervisor_sees_only_their_scope(runtime: Runtime) -> None:
    coord = await registered(runtime, "line", areas=("YLA01",))
    await coord.press("แจ้งปัญหา")
    await coord.send("หน่วยงานไม่ตอบหนังสือประสานงาน")
    await coord.press("การประสานงาน")
    await coord.press("ปานกลาง")
    await coord.press("ข้าม")
    await coord.press("ส่ง")
    sup = Chat(runtime, "console", "arunee")  # Pattani supervisor from the demo data
    await sup.send("/start")
    await sup.press("ปัญหาค้าง")
    assert "ไม่มีปัญหาค้าง" in sup.text
    await sup.send(data="m:progress")
    assert "บัญชีของคุณใช้เมนูนี้ไม่ได้" in sup.text
    admin = Chat(runtime, "console", "admin")
    await admin.send(data="m:open")
    assert "หน่วยงานไม่ตอบ" in admin.text


async def test_a_crash_mid_message_stores_nothing_and_apologises(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = await registered(runtime, "line", areas=("PTN01",))
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("ประชุม 9 คน")
    await chat.press("ใช่")
    await chat.press("ข้าม")

    from storage.store import Tx

    async def broken(self: Tx, **values: object) -> int:
        await self.conn.execute(reports.insert().values(**values))
        raise RuntimeError("disk full")

    monkeypatch.setattr(Tx, "insert_report", broken)
    await chat.press("ส่ง")
    assert "ระบบขัดข้อง" in chat.text
    assert await stored_reports(runtime) == []
    async with runtime.store.tx() as tx:  # the draft is still there to send again
        conv = (await tx.conn.execute(select(conversations))).first()
    assert conv is not None and conv._mapping["state"] == "confirm"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_button_from_a_finished_report_is_refused(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("ประชุมประจำเดือนกับผู้นำศาสนา 14 คน")
    await chat.press("ใช่")
    await chat.press("ข้าม")
    await chat.press("ส่ง")
    await chat.send(data="send")  # the old summary's button, pressed again
    assert "ปุ่มนี้ใช้ไม่ได้แล้ว" in chat.text and "📝 ส่งความก้าวหน้า" in chat.labels
    assert len(await stored_reports(runtime)) == 1


@pytest.mark.parametrize("channel", CHANNELS)
async def test_more_text_while_triage_waits_is_added(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.send("วันนี้จัดเวทีถอดบทเรียนที่มัสยิด")
    await chat.send("มีผู้เข้าร่วม ๓๕ คน")  # a second message instead of a press
    assert "เพิ่มต่อท้ายข้อความเดิม" in chat.text and "ความก้าวหน้า" in chat.labels[0]
    await chat.press("ความก้าวหน้า")
    assert "ประมาณ 35 คน" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_thai_answers_match_their_own_button(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    await chat.press("แจ้งปัญหา")
    await chat.send("ไฟฟ้าดับทั้งหมู่บ้าน ใช้เครื่องเสียงจัดเวทีไม่ได้")
    await chat.send("โครงสร้างพื้นฐาน")
    await chat.send("เร่งด่วน")  # typed urgency
    await chat.send("ข้าม")
    assert "ระดับความเร่งด่วน: 🔴 เร่งด่วน" in chat.text and await stored_reports(runtime) == []
    await chat.send("สูง")  # at the summary, "high" is not ส่ง "send"
    assert "กรุณากด" in chat.text and await stored_reports(runtime) == []
    await chat.send("ส่ง")
    assert [r["severity"] for r in await stored_reports(runtime)] == ["high"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_obstacle_edit_category_returns_to_summary(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel)  # two areas: "Area" is offered in the edit menu
    await chat.press("แจ้งปัญหา")
    await chat.press("บ้านบางปู")
    await chat.send("ชาวบ้านไม่กล้ามาร่วมเวทีเพราะมีข่าวลือเรื่องความไม่สงบ")
    await chat.press("ความปลอดภัย")
    await chat.press("ปานกลาง")
    await chat.press("ข้าม")
    await chat.press("แก้ไข")
    assert chat.labels == ["พื้นที่", "ปัญหา", "หมวดหมู่", "ความเร่งด่วน", "รูป / ตำแหน่ง",
                           "↩️ กลับ"]  # fmt: skip
    await chat.press("หมวดหมู่")
    await chat.press("การมีส่วนร่วม")
    assert "หมวดหมู่: การมีส่วนร่วม" in chat.text and "ระดับความเร่งด่วน: 🟡 ปานกลาง" in chat.text
    await chat.press("แก้ไข")
    await chat.press("พื้นที่")
    await chat.press("บ้านตะโละกาโปร์")
    assert "พื้นที่: บ้านตะโละกาโปร์" in chat.text
    await chat.press("ส่ง")
    rows = await stored_reports(runtime)
    assert [(r["category"], r["severity"]) for r in rows] == [("participation", "medium")]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_words_out_of_the_blue_is_not_a_report(runtime: Runtime, channel: str) -> None:
    chat = await registered(runtime, channel, areas=("PTN01",))
    for said in ("2", "..."):
        await chat.send(said)
        assert "ไม่แน่ใจว่าต้องการทำอะไร" in chat.text and "📝 ส่งความก้าวหน้า" in chat.labels
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("15")  # a bare number is not a description either
    assert "กรุณาเล่าเป็นข้อความ" in chat.text
