"""Issue 13, "Screens and lists": previews in lists (search results, notes) cut between Thai words."""

from __future__ import annotations

import unicodedata

from bot.runtime import Runtime
from bot.textcut import safe_cut
from tests.helpers import Chat
from tests.search_support import add_report

# Its 60th character is a tone mark: a cut at a fixed length strands "ใช" without "้".
TEXT = ("ด่วน น้ำประปาไม่ไหลมาสามวันแล้ว ชาวบ้านต้องซื้อน้ำดื่มน้ำใช้เอง "
        "ผู้ใหญ่บ้านแจ้งอำเภอแล้วแต่ยังไม่มีใครมาซ่อมท่อที่แตก")  # fmt: skip


async def test_a_long_thai_report_is_previewed_up_to_a_word(runtime: Runtime) -> None:
    assert unicodedata.category(TEXT[59]) == "Mn"
    number = await add_report(runtime.store, TEXT, "PTN01")
    chat = Chat(runtime, "console", "arunee")
    await chat.send("/search น้ำประปา")
    [preview] = [line.strip() for line in chat.text.splitlines() if line.startswith("   ")]
    assert f"#{number}" in chat.text and preview.endswith("…") and len(preview) <= 60, preview
    kept = preview.removesuffix("…")
    assert TEXT.startswith(kept) and safe_cut(TEXT, len(kept)), preview


# Its 80th character is a tone mark: "ระหว่าง" cut at a fixed length leaves "ระหว".
NOTE = ("ประสานกับองค์การบริหารส่วนตำบลแล้ว ช่างจะเข้าไปซ่อมท่อประปาภายในสัปดาห์นี้ "
        "ระหว่างนี้ได้ประสานรถน้ำให้ชาวบ้านก่อน")  # fmt: skip


async def test_a_long_note_in_my_reports_is_cut_between_words(runtime: Runtime) -> None:
    assert unicodedata.category(NOTE[79]) == "Mn"
    number = await add_report(runtime.store, TEXT, "PTN01")  # somchai's problem
    async with runtime.store.tx() as tx:
        ident = await tx.identity("console", "arunee")
        assert ident is not None and ident.person_id is not None
        await tx.change_state(number, "open", "in_progress", ident.person_id, note=NOTE)
    chat = Chat(runtime, "console", "somchai")
    await chat.send("รายงานของฉัน")
    [line] = [ln for ln in chat.text.splitlines() if "💬" in ln]
    note = line.split(": ", 1)[1]
    assert note.endswith("…") and len(note) <= 80, line
    kept = note.removesuffix("…")
    assert NOTE.startswith(kept) and safe_cut(NOTE, len(kept)), line
