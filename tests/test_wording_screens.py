"""Issue 13, "Wording": what a report's own screen shows, and the bot's name in Thai.

Transcripts as a LINE and a Telegram identity.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.runtime import Runtime
from tests.helpers import make_invite
from tests.test_understanding import joined

CHANNELS = ["line", "telegram"]
TH_PO = Path(__file__).resolve().parent.parent / "locales" / "th" / "LC_MESSAGES" / "prasan.po"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_report_screen_writes_people_times_and_thousands_as_thai_does(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("📝 ส่งความก้าวหน้า")
    await chat.send("จัดงานเมาลิดกลางประจำปี มีผู้เข้าร่วม 1250 คน")
    await chat.press("ใช่")
    await chat.press("ข้าม")
    await chat.press("ส่ง")
    await chat.press("รายงานของฉัน")
    assert "#1" in chat.text
    await chat.send(data="ticket:1:view")  # the report's own screen (its reporter may open it)
    assert "ผู้เข้าร่วม: 1,250 คน" in chat.text, chat.text
    assert re.search(r"\d{1,2}\.\d{2} น\.", chat.text), chat.text  # 21.36 น., not 21:36 น.
    assert not re.search(r"\d:\d{2} น\.", chat.text)


def test_the_bots_name_is_always_quoted_in_thai() -> None:
    """“ประสาน” is the name; bare, it reads as the verb "to coordinate" (ผู้ประสานงาน is fine)."""
    with TH_PO.open("rb") as fh:
        catalog = read_po(fh)
    bare = [
        s
        for m in catalog
        if m.id
        for s in ([m.string] if isinstance(m.string, str) else m.string)
        if s and re.search(r"(?<!“)ประสาน(?!งาน)|ประสาน(?!งาน|”)", s)
    ]
    assert bare == []
    assert any("“ประสาน”" in (m.string or "") for m in catalog if isinstance(m.string, str))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_problem_confirmation_names_one_team_in_thai_word_order(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("⚠️ แจ้งปัญหา")
    await chat.send("งบประมาณยังไม่ได้รับการเบิกจ่าย จัดกิจกรรมไม่ได้")
    await chat.press("งบประมาณ")
    await chat.press("ปานกลาง")
    await chat.press("ข้าม")
    await chat.press("ส่ง")
    assert "#1" in chat.text and "ทีมผู้ดูแลพื้นที่จังหวัดปัตตานี" in chat.text, chat.text
    # Not "…, เจ้าหน้าที่สำนักงานโครงการ จะเห็น…": no English comma list, no space before the verb.
    assert ", " not in chat.text and " จะเห็น" not in chat.text, chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_new_code_states_its_scope_as_the_welcome_does(
    runtime: Runtime, channel: str
) -> None:
    """Switching role with a new code: "ทุกพื้นที่", "จังหวัดปัตตานี", areas joined with และ."""
    chat = await joined(runtime, channel)
    two = await make_invite(runtime.store, areas=("PTN02", "PTN03"))
    await chat.send(two)
    assert "รับผิดชอบบ้านตะโละกาโปร์ และบ้านปะเสยะวอ แทนบทบาทเดิม" in chat.text, chat.text
    assert ", " not in chat.text and "พื้นที่ พื้นที่" not in chat.text
    await chat.send("ใช่ ใช้รหัสนี้")
    assert "บ้านตะโละกาโปร์ และบ้านปะเสยะวอ" in chat.text, chat.text
    async with runtime.store.tx() as tx:
        pattani = await tx.find_province("ปัตตานี")
    province = await make_invite(runtime.store, role="supervisor", scope=[["province", pattani]])
    await chat.send(province)
    assert "จังหวัดปัตตานี" in chat.text and "บ้าน" not in chat.text, chat.text
    await chat.press("ยกเลิก")
    everywhere = await make_invite(runtime.store, role="admin", scope=[["all", None]])
    await chat.send(everywhere)
    assert "รับผิดชอบทุกพื้นที่" in chat.text, chat.text
    await chat.press("ใช้รหัสนี้")
    assert "ตอนนี้คุณเป็นเจ้าหน้าที่สำนักงานโครงการ รับผิดชอบทุกพื้นที่" in chat.text, chat.text
