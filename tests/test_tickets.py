"""Problem follow-up: states moved by supervisors in scope, reporters told, forged presses refused.

Each transcript runs with the coordinator on one app and the supervisor on the other.
"""

from __future__ import annotations

import pytest

from bot.i18n import translator
from bot.messages import Outgoing, load_messages
from bot.runtime import Runtime
from tests.helpers import Chat, make_invite

REFUSED = translator("th")("That option is not available to you.")
PAIRS = [("line", "telegram"), ("telegram", "line")]


async def person(runtime: Runtime, channel: str, user: str, role: str = "coordinator",
                 scope: list[list[object]] | None = None, areas: tuple[str, ...] = ("PTN01",),
                 name: str = "ทดสอบ ผู้ประสาน") -> Chat:  # fmt: skip
    code = await make_invite(runtime.store, role=role, areas=areas, name=name, scope=scope)
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    assert "ยินดีต้อนรับ" in chat.text
    return chat


async def province_scope(runtime: Runtime, province: str) -> list[list[object]]:
    async with runtime.store.tx() as tx:
        return [["province", await tx.find_province(province)]]


async def inbox_of(runtime: Runtime, chat: Chat, prefix: str = "") -> list[Outgoing]:
    """Proactive messages queued for a chat account (notices), oldest first."""
    async with runtime.store.tx() as tx:
        rows = await tx.outbox_rows()
    return [
        m
        for r in rows
        if r["recipient"] == chat.user_id and r["channel"] == chat.channel
        and r["person_id"] is not None and r["dedupe_key"].startswith(prefix)
        for m in load_messages(r["payload"])
    ]  # fmt: skip


async def file_problem(chat: Chat, text: str, severity: str = "🔴 เร่งด่วน") -> int:
    await chat.press("แจ้งปัญหา")
    await chat.send(text)
    await chat.send(data=next(b.data for m in chat.last for b in m.buttons
                              if b.data.startswith("cat:")))  # fmt: skip
    await chat.press(severity)
    await chat.press("ข้าม")  # no photo
    await chat.press("ส่ง")
    assert "🎫" in chat.text
    return int(chat.text.split("#", 1)[1].split()[0])


@pytest.mark.parametrize(("coord_app", "sup_app"), PAIRS)
async def test_supervisor_moves_a_problem_and_the_reporter_hears_each_change(
    runtime: Runtime, coord_app: str, sup_app: str
) -> None:
    coordinator = await person(runtime, coord_app, "U-c")
    supervisor = await person(runtime, sup_app, "U-s", role="supervisor", name="ผู้ดูแล ทดสอบ",
                              scope=await province_scope(runtime, "ปัตตานี"))  # fmt: skip
    ticket = await file_problem(coordinator, "งบประมาณกิจกรรมยังไม่ได้รับการเบิกจ่าย จัดเวทีไม่ได้")
    assert "ทีมผู้ดูแลพื้นที่จังหวัดปัตตานี" in coordinator.text

    [notice] = await inbox_of(runtime, supervisor, "notice:obstacle:")
    assert f"#{ticket}" in notice.text and "🔴" in notice.text
    assert "ทีมผู้ดูแลพื้นที่จังหวัดปัตตานี" in notice.text
    labels = [b.label for b in notice.buttons]
    assert labels[:2] == [f"🔎 ดูเรื่อง #{ticket}", "✅ รับเรื่อง"]

    supervisor.last = [notice]
    await supervisor.press("รับเรื่อง")
    assert "หมายเหตุ" in supervisor.text and "➡️ ไม่มีหมายเหตุ" in supervisor.labels
    await supervisor.send("รับทราบแล้ว จะประสานกองคลังให้ค่ะ")
    assert "รับเรื่องแล้ว" in supervisor.text and "แจ้งผู้แจ้งเรื่องแล้ว" in supervisor.text

    [update] = await inbox_of(runtime, coordinator, f"ticket:{ticket}:change:")
    assert f"#{ticket}" in update.text and "รับเรื่องแล้ว" in update.text
    assert "หมายเหตุจาก ผู้ดูแล ทดสอบ: รับทราบแล้ว จะประสานกองคลังให้ค่ะ" in update.text

    await supervisor.send(f"#{ticket}")  # typing the number opens it
    assert "สถานะ: รับเรื่องแล้ว" in supervisor.text and "ประวัติการดำเนินการ" in supervisor.text
    await supervisor.press("แก้ไขแล้ว")
    await supervisor.press("ไม่มีหมายเหตุ")
    updates = await inbox_of(runtime, coordinator, f"ticket:{ticket}:change:")
    assert len(updates) == 2 and "แก้ไขแล้ว" in updates[1].text and "หมายเหตุ" not in updates[1].text

    await coordinator.press("รายงานของฉัน")
    assert "แก้ไขแล้ว" in coordinator.text
    assert "หมายเหตุ: รับทราบแล้ว จะประสานกองคลังให้ค่ะ" in coordinator.text

    async with runtime.store.tx() as tx:
        history = await tx.history(ticket)
        audit = await tx.audit_entries("ticket_state")
    assert [(h.from_status, h.to_status, h.person) for h in history] == [
        ("open", "acknowledged", "ผู้ดูแล ทดสอบ"),
        ("acknowledged", "resolved", "ผู้ดูแล ทดสอบ"),
    ]
    assert history[0].note == "รับทราบแล้ว จะประสานกองคลังให้ค่ะ" and history[1].note is None
    assert [a["detail"]["to_status"] for a in audit] == ["acknowledged", "resolved"]
    assert all("note" not in a["detail"] for a in audit)  # free text stays out of the audit log


async def test_the_office_named_is_the_scope_through_which_a_supervisor_covers_the_area(
    runtime: Runtime,
) -> None:
    # She looks after one Yala area and the whole of Pattani: a Pattani problem is her
    # province team's, not a district team's (her area entry is elsewhere).
    async with runtime.store.tx() as tx:
        yala_area = await tx.area_by_code("YLA01")
        pattani = await tx.find_province("ปัตตานี")
    assert yala_area is not None
    await person(runtime, "telegram", "U-s", role="supervisor", name="ผู้ดูแล ทดสอบ",
                 scope=[["area", yala_area.id], ["province", pattani]])  # fmt: skip
    coordinator = await person(runtime, "line", "U-c")
    await file_problem(coordinator, "งบประมาณกิจกรรมยังไม่ได้รับการเบิกจ่าย จัดเวทีไม่ได้")
    assert "ทีมผู้ดูแลพื้นที่จังหวัดปัตตานี" in coordinator.text
    assert "ทีมผู้ดูแลพื้นที่อำเภอ" not in coordinator.text


async def test_a_forged_press_from_outside_the_scope_is_refused_and_audited(
    runtime: Runtime,
) -> None:
    coordinator = await person(runtime, "line", "U-c")
    ticket = await file_problem(coordinator, "ถนนเข้าหมู่บ้านขาด รถเข้าไม่ได้ ชาวบ้านเดือดร้อน")
    yala = await person(runtime, "telegram", "U-yala", role="supervisor",
                        scope=await province_scope(runtime, "ยะลา"))  # fmt: skip
    for data in (f"ticket:{ticket}:done", f"ticket:{ticket}:view", f"ticket:{ticket}:dup:1"):
        await yala.send(data=data)
        assert yala.text == REFUSED and "✅ รับเรื่อง" not in yala.labels
    await yala.send(f"#{ticket}")
    assert f"ไม่พบรายงาน #{ticket}" in yala.text  # out of scope looks the same as missing
    other = await person(runtime, "telegram", "U-c2", areas=("PTN01",))
    await other.send(data=f"ticket:{ticket}:ack")  # a coordinator in the area: no state changes
    async with runtime.store.tx() as tx:
        assert (await tx.ticket(ticket)).status == "open"  # type: ignore[union-attr]
        denied = await tx.audit_entries("denied")
    assert [d["detail"]["data"] for d in denied] == [
        f"ticket:{ticket}:done", f"ticket:{ticket}:view", f"ticket:{ticket}:dup:1",
        f"ticket:{ticket}:ack"]  # fmt: skip
    assert other.text == REFUSED


async def test_a_change_made_meanwhile_is_not_applied_twice(runtime: Runtime) -> None:
    coordinator = await person(runtime, "line", "U-c")
    ticket = await file_problem(coordinator, "ไฟฟ้าดับทั้งหมู่บ้าน จัดประชุมไม่ได้")
    scope = await province_scope(runtime, "ปัตตานี")
    one = await person(runtime, "telegram", "U-s1", role="supervisor", scope=scope)
    two = await person(runtime, "line", "U-s2", role="supervisor", scope=scope)
    await one.send(data=f"ticket:{ticket}:done")
    await two.send(data=f"ticket:{ticket}:ref")
    await one.press("ไม่มีหมายเหตุ")
    await two.send("ไม่ใช่งานของเรา")
    assert "ไม่ได้เปลี่ยนแปลง" in two.text
    async with runtime.store.tx() as tx:
        assert [h.to_status for h in await tx.history(ticket)] == ["resolved"]
    assert len(await inbox_of(runtime, coordinator, f"ticket:{ticket}:change:")) == 1


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_the_reporter_adds_a_follow_up_and_the_supervisors_hear_of_it(
    runtime: Runtime, channel: str
) -> None:
    coordinator = await person(runtime, channel, "U-c")
    ticket = await file_problem(coordinator, "ผู้นำชุมชนไม่ให้ความร่วมมือในการจัดเวที", "ไม่เร่งด่วน")
    await coordinator.send(f"#{ticket}")
    assert "สถานะ: รอติดตาม" in coordinator.text
    await coordinator.press("เพิ่มข้อมูล")
    await coordinator.send("ล่าสุดผู้นำยอมคุยแล้ว นัดประชุมสัปดาห์หน้า")
    assert f"เพิ่มข้อมูลในเรื่อง #{ticket} แล้ว" in coordinator.text
    admin = Chat(runtime, "console", "admin")
    [followup] = await inbox_of(runtime, admin, f"ticket:{ticket}:followup:")
    assert "ผู้นำยอมคุยแล้ว" in followup.text
    await admin.send(f"#{ticket}")
    assert "ข้อมูลเพิ่มเติม: ล่าสุดผู้นำยอมคุยแล้ว" in admin.text
    # Another coordinator cannot add to someone else's problem, even by forging the press.
    other = await person(runtime, channel, "U-other")
    await other.send(data=f"ticket:{ticket}:add")
    async with runtime.store.tx() as tx:
        assert len(await tx.history(ticket)) == 1
