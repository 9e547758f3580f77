"""Issue 13, "Understanding people": the problem flow's steps, as LINE and Telegram transcripts.

tests/test_understanding.py walks the progress flow; these walk the problem flow and the
triage question: cancel typed with particles or spacing at each step, photos sent at the
steps it does not cover, and typed yes / no with particles.
"""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.test_understanding import drafts, joined, stored

CHANNELS = ["line", "telegram"]
PROBLEM = "ไฟฟ้าดับทั้งหมู่บ้านสามวันแล้ว จัดกิจกรรมตอนเย็นไม่ได้"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_cancel_with_particles_at_every_step_of_the_problem_flow(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    steps = [
        ([], "ยกเลิกค่ะ"),  # what is the problem
        ([PROBLEM], "ยกเลิก ครับ"),  # category
        ([PROBLEM, "โครงสร้างพื้นฐาน"], "ไม่เอาแล้ว"),  # urgency
        ([PROBLEM, "โครงสร้างพื้นฐาน", "ปานกลาง"], "ขอยกเลิกค่ะ"),  # photos
        ([PROBLEM, "โครงสร้างพื้นฐาน", "ปานกลาง", "ข้าม"], "ยกเลิกครับ"),  # summary
    ]
    for before, stop in steps:
        await chat.send("⚠️ แจ้งปัญหา")
        for said in before:
            await chat.send(said)
        assert await drafts(runtime) == 1, before
        await chat.send(stop)
        assert "ยกเลิกแล้วค่ะ" in chat.text, (before, stop)
        assert await drafts(runtime) == 0
    await chat.send(PROBLEM)  # out of the blue: the triage question
    assert "ความก้าวหน้าหรือการแจ้งปัญหา" in chat.text
    await chat.send("ยกเลิก  ค่ะ")
    assert "ยกเลิกแล้วค่ะ" in chat.text and await drafts(runtime) == 0
    assert await stored(runtime) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_photos_at_the_first_and_last_steps_of_the_problem_flow_are_kept(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("⚠️ แจ้งปัญหา")
    await chat.send(kind="photo", photo="first", text=None)  # before the problem is told
    assert "เก็บรูปภาพไว้แล้วค่ะ" in chat.text and "ต่อท้ายข้อความ" not in chat.text
    await chat.send(PROBLEM)
    await chat.press("โครงสร้างพื้นฐาน")
    await chat.press("ปานกลาง")
    await chat.press("เสร็จ")  # a photo is already kept: Done, not Skip
    assert "รูปภาพ: 1" in chat.text
    await chat.send(kind="photo", photo="last", text=None)  # at the summary
    assert "เก็บรูปภาพไว้กับรายงานแล้วค่ะ" in chat.text
    assert "ต่อท้ายข้อความ" not in chat.text and "รูปภาพ: 2" in chat.text
    await chat.press("ส่ง")
    rows = await stored(runtime)
    assert rows[0]["photos"] == [f"{channel}:first", f"{channel}:last"]
    assert rows[0]["raw_text"] == PROBLEM  # the photos added nothing to the text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_yes_and_no_with_particles(runtime: Runtime, channel: str) -> None:
    chat = await joined(runtime, channel)
    await chat.send("📝 ส่งความก้าวหน้า")
    await chat.send("ประชุมแกนนำชุมชน 12 คน")
    assert "มีผู้เข้าร่วมประมาณ 12 คน ใช่ไหมคะ" in chat.text
    await chat.send("ไม่ใช่ครับ")  # no: the count is asked again
    assert "มีผู้เข้าร่วมกี่คนคะ" in chat.text, chat.text
    await chat.send("15 คนค่ะ")
    await chat.send("ไม่มีครับ")  # no photo
    assert "ผู้เข้าร่วม: 15 คน" in chat.text
    await chat.send("ส่งค่ะ")
    assert [r["participants"] for r in await stored(runtime)] == [15]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_small_talk_is_answered_in_the_persons_own_language(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("bahasa melayu")
    for said in ("terima kasih", "สวัสดีครับ", "👍", "ok"):
        await chat.send(said)
        assert "📝 Lapor kemajuan" in chat.labels, (said, chat.labels)
        assert "kemajuan atau laporan masalah" not in chat.text, (
            chat.text
        )  # not the triage question
    await chat.send("English")
    await chat.send("ขอบคุณค่ะ")
    assert "📝 Report progress" in chat.labels and "progress update or a problem" not in chat.text
    assert await drafts(runtime) == 0
