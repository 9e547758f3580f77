"""Admins manage people from chat (find, change area, deactivate, invite code), scope-checked;
transcripts run as a LINE and as a Telegram identity."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from storage.audit import audit_entries
from storage.schema import person_scopes
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]


async def admin_chat(runtime: Runtime, channel: str) -> Chat:
    chat = Chat(runtime, channel, "U-admin")
    await chat.send(await make_invite(runtime.store, role="admin", scope=[["all", None]],
                                      name="แอดมิน"))  # fmt: skip
    assert "👥 รายชื่อผู้ใช้" in chat.labels and "🎟️ รหัสเชิญ" in chat.labels
    return chat


async def scope_of(runtime: Runtime, person_id: int) -> list[tuple[str, int | None]]:
    async with runtime.store.tx() as tx:
        rows = await tx.conn.execute(select(person_scopes.c.scope, person_scopes.c.ref_id)
                                     .where(person_scopes.c.person_id == person_id))  # fmt: skip
        return [(s, r) for s, r in rows.all()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_admin_finds_a_person_and_changes_their_area(runtime: Runtime, channel: str) -> None:
    chat = await admin_chat(runtime, channel)
    await chat.press("รายชื่อผู้ใช้")
    assert "ต้องการค้นหาใคร" in chat.text and chat.labels == ["✖️ ยกเลิก"]
    await chat.send("ไม่มีชื่อนี้")
    assert "ไม่พบผู้ใช้ที่ตรงกับ “ไม่มีชื่อนี้”" in chat.text
    await chat.send("ี")  # part of several names: choose one
    assert "หมายถึงผู้ใช้คนไหนคะ" in chat.text and len(chat.labels) == 5  # four people and Cancel
    await chat.press("ฟาตีมะห์")
    assert "👤 ฟาตีมะห์ ดอเลาะ" in chat.text
    await chat.press("ค้นหาคนอื่น")
    await chat.send("ptn01")  # an area code finds the coordinator working there
    assert "👤 สมชาย ใจดี · ผู้ประสานงาน" in chat.text
    assert "บ้านบางปู (PTN01)" in chat.text and "จำนวนรายงาน: 0" in chat.text
    assert chat.labels[:3] == ["📍 เปลี่ยนพื้นที่", "⏸️ ระงับการใช้งาน", "🔍 ค้นหาคนอื่น"]
    await chat.press("เปลี่ยนพื้นที่")
    assert "จังหวัดไหน" in chat.text and "ยะลา" in chat.labels
    await chat.press("ยะลา")
    assert "บ้านบันนังสตา (YLA01)" in chat.labels
    await chat.send("yla02")  # typing the code works as well as the button
    assert "แทนพื้นที่เดิมทั้งหมด" in chat.text
    await chat.press("แทนพื้นที่เดิม")
    assert "✅ ตอนนี้คุณสมชาย ใจดีดูแลพื้นที่ บ้านธารโต" in chat.text
    async with runtime.store.tx() as tx:
        yla02 = await tx.area_by_code("YLA02")
        changed = await audit_entries(tx, action="scope_changed")
    assert yla02 is not None and await scope_of(runtime, 1) == [("area", yla02.id)]
    assert changed[-1].detail["scope_before"] == ["area:PTN01", "area:PTN02"]
    assert changed[-1].detail["scope_after"] == ["area:YLA02"]
    assert changed[-1].detail["via"] == "chat" and changed[-1].actor.startswith("person:")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_admin_deactivates_and_the_person_is_then_unregistered(runtime: Runtime,
                                                                     channel: str) -> None:  # fmt: skip
    chat = await admin_chat(runtime, channel)
    await chat.press("รายชื่อผู้ใช้")
    await chat.send("ฟาตีมะห์")  # one match: straight to the card
    assert "👤 ฟาตีมะห์ ดอเลาะ" in chat.text
    await chat.press("ระงับการใช้งาน")
    assert "รายงานที่เคยส่งไว้ยังอยู่ครบ" in chat.text
    await chat.press("ใช่ ระงับเลย")
    assert "ระงับการใช้งานของคุณฟาตีมะห์ ดอเลาะแล้วค่ะ" in chat.text
    fatimah = Chat(runtime, "console", "fatimah")
    await fatimah.send("เมนู")
    assert "รหัสเชิญ" in fatimah.text and fatimah.labels == []
    await chat.press("รายชื่อผู้ใช้")
    await chat.send("ฟาตีมะห์")
    assert "⏸️ ระงับการใช้งานอยู่" in chat.text
    await chat.press("เปิดใช้งานใหม่")
    await chat.press("ใช่ เปิดใช้งาน")
    await fatimah.send("เมนู")
    assert "📝 ส่งความก้าวหน้า" in fatimah.labels
    async with runtime.store.tx() as tx:
        actions = [e.action for e in await audit_entries(tx)]
    assert "person_deactivated" in actions and "person_reactivated" in actions


@pytest.mark.parametrize("channel", CHANNELS)
async def test_admin_creates_an_invite_code_to_forward(runtime: Runtime, channel: str) -> None:
    chat = await admin_chat(runtime, channel)
    await chat.press("รหัสเชิญ")
    assert len(chat.labels) == 3 and chat.labels[-1] == "✖️ ยกเลิก"  # coordinator, supervisor
    await chat.send(data="ai:coordinator")
    await chat.press("นราธิวาส")
    await chat.press("บ้านบาเจาะ")
    assert "พิมพ์ชื่อที่ให้ระบบใช้ทักทาย" in chat.text
    await chat.send("อามีนะห์ สาและ")
    assert "บ้านบาเจาะ" in chat.text and "อามีนะห์ สาและ" in chat.text
    await chat.press("สร้างรหัส")
    assert "ส่งต่อข้อความถัดไป" in chat.last[0].text
    forward = chat.last[1].text
    assert "รหัสเชิญของคุณ" in forward
    code = next(w for w in forward.split() if len(w) == 11 and w[5] == "-")
    newcomer = Chat(runtime, "line", "U-aminah")
    await newcomer.send(code)
    assert "ยินดีต้อนรับค่ะ คุณอามีนะห์ สาและ" in newcomer.text and "บ้านบาเจาะ" in newcomer.text
    async with runtime.store.tx() as tx:
        made = await audit_entries(tx, action="invite_created")
    assert made[-1].detail["scope"] == ["area:NWT01"] and made[-1].actor.startswith("person:")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_people_screens_are_refused_to_others_and_audited(runtime: Runtime,
                                                                channel: str) -> None:  # fmt: skip
    sup = Chat(runtime, channel, "U-sup")
    await sup.send(await make_invite(runtime.store, role="supervisor", areas=("PTN01",)))
    assert "👥 รายชื่อผู้ใช้" not in sup.labels
    await sup.send(data="m:people")  # a forged press
    assert "บัญชีของคุณใช้เมนูนี้ไม่ได้" in sup.text
    admin = await admin_chat(runtime, channel)
    await admin.press("รายชื่อผู้ใช้")
    await admin.send("สมชาย")
    async with runtime.store.tx() as tx:  # the admin is demoted while the screen is open
        ident = await tx.identity(channel, "U-admin")
        assert ident is not None and ident.person_id is not None
        await tx.set_role(ident.person_id, "supervisor")
    await admin.press("ระงับการใช้งาน")
    assert "👤" not in admin.text and "ระงับการใช้งานของ" not in admin.text
    async with runtime.store.tx() as tx:
        denied = await audit_entries(tx, action="denied")
        somchai = await tx.person(1)
    assert somchai is not None and somchai.active
    assert [e.actor for e in denied] == [f"person:{ident.person_id}"]
