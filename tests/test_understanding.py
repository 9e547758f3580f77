"""Understanding people as they type (issue 13): particles, synonyms, small talk, any language.

Transcripts, each run as a LINE and as a Telegram identity.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.invites import code_hash, new_code
from bot.runtime import Runtime
from storage.schema import conversations, reports
from storage.store import utcnow
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]


async def joined(runtime: Runtime, channel: str, user: str = "U-c",
                 areas: tuple[str, ...] = ("PTN01",)) -> Chat:  # fmt: skip
    code = await make_invite(runtime.store, areas=areas, name="มานพ")
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    return chat


async def drafts(runtime: Runtime) -> int:
    async with runtime.store.tx() as tx:
        return len((await tx.conn.execute(select(conversations))).all())


async def stored(runtime: Runtime) -> list[dict]:  # type: ignore[type-arg]
    async with runtime.store.tx() as tx:
        rows = await tx.conn.execute(select(reports).order_by(reports.c.id))
        return [dict(r._mapping) for r in rows]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_cancel_with_particles_or_spacing_at_every_step(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel, areas=("PTN01", "PTN02"))
    # (how to get to the step, what the person types to stop)
    steps = [
        ([], "ยกเลิกค่ะ"),  # area
        (["บ้านบางปู"], "ยกเลิก ครับ"),  # what happened
        (["บ้านบางปู", "จัดเวทีรับฟังปัญหา ๒๐ คน"], "ไม่เอาแล้ว"),  # participants
        (["บ้านบางปู", "จัดเวทีรับฟังปัญหา ๒๐ คน", "ใช่"], "ขอยกเลิกค่ะ"),  # photos
        (["บ้านบางปู", "จัดเวทีรับฟังปัญหา ๒๐ คน", "ใช่", "ข้าม"], "Batal"),  # summary
    ]
    for before, stop in steps:
        await chat.send("📝 ส่งความก้าวหน้า")
        for said in before:
            await chat.send(said)
        assert await drafts(runtime) == 1
        await chat.send(stop)
        assert "ยกเลิกแล้วค่ะ" in chat.text, (before, stop)
        assert await drafts(runtime) == 0
    assert await stored(runtime) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_labels_work_with_particles_and_synonyms(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("แจ้งปัญหาค่ะ")  # a menu label with a particle
    assert "กรุณาเล่าปัญหา" in chat.text
    await chat.send("งบประมาณยังไม่ได้รับการเบิกจ่าย จัดกิจกรรมไม่ได้")
    await chat.send("งบประมาณครับ")
    await chat.send("ด่วนมากค่ะ")  # urgency in the person's own words
    await chat.send("ไม่มีค่ะ")  # no photo
    assert "ระดับความเร่งด่วน: 🔴 เร่งด่วน" in chat.text
    await chat.send("ส่ง ครับ")
    rows = await stored(runtime)
    assert [(r["category"], r["severity"]) for r in rows] == [("budget", "high")]
    await chat.send("ส่งความก้าวหน้า")
    await chat.send("ประชุมแกนนำชุมชน 12 คน")
    await chat.send("ถูกต้องค่ะ")  # yes, 12
    await chat.send("ข้ามครับ")
    assert "ผู้เข้าร่วม: 12 คน" in chat.text
    await chat.send("send")  # English word for the button, whatever the language
    assert [r["participants"] for r in await stored(runtime)] == [None, 12]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_greetings_and_thanks_get_a_friendly_reply_and_the_menu(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    for said, expected in (("สวัสดีครับ", "สวัสดีค่ะ คุณมานพ"), ("ขอบคุณค่ะ", "ยินดีค่ะ"),
                           ("ok", "รับทราบค่ะ"), ("👍", "รับทราบค่ะ"),
                           ("terima kasih", "ยินดีค่ะ"), ("Hello", "สวัสดีค่ะ")):  # fmt: skip
        await chat.send(said)
        assert expected in chat.text, said
        assert "ความก้าวหน้าหรือการแจ้งปัญหา" not in chat.text  # not "progress or problem?"
        assert "📝 ส่งความก้าวหน้า" in chat.labels
    await chat.send(kind="sticker")
    assert "รับทราบค่ะ" in chat.text
    assert await drafts(runtime) == 0
    await chat.send("สวัสดีครับ วันนี้จัดเวทีที่มัสยิด มีผู้เข้าร่วม 30 คน")  # a report, not small talk
    assert "ความก้าวหน้าหรือการแจ้งปัญหา" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_typed_menu_words_work_in_every_language(runtime: Runtime, channel: str) -> None:
    chat = await joined(runtime, channel)
    await chat.send("help")
    assert "วิธีใช้ “ประสาน”" in chat.text
    await chat.send("English")
    assert "in English from now on" in chat.text and "📝 Report progress" in chat.labels
    await chat.send("ภาษา")
    assert "Bahasa Melayu" in chat.labels
    await chat.send("bahasa melayu")
    assert "Bahasa Melayu" in chat.text and "📝 Lapor kemajuan" in chat.labels
    await chat.send("เมนู")
    assert "📝 Lapor kemajuan" in chat.labels
    await chat.send("ภาษาไทย")
    assert "ภาษาไทย" in chat.text and "📝 ส่งความก้าวหน้า" in chat.labels
    await chat.send("Report progress")  # a menu label in another language
    assert "เกิดอะไรขึ้น" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_photo_at_any_step_of_the_problem_flow_is_kept(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("⚠️ แจ้งปัญหา")
    await chat.send("ถนนเข้าหมู่บ้านขาด รถเข้าไม่ได้")
    await chat.send(kind="photo", photo="road-1", text=None)  # at the category question
    assert "เก็บรูปภาพไว้กับรายงานแล้วค่ะ" in chat.text and "หมวด" in chat.text
    await chat.press("โครงสร้างพื้นฐาน")
    await chat.send(kind="photo", photo="road-2", text=None)  # at the urgency question
    assert "เก็บรูปภาพไว้กับรายงานแล้วค่ะ" in chat.text and "เร่งด่วนแค่ไหน" in chat.text
    await chat.press("ปานกลาง")
    assert "ส่งรูปภาพหรือตำแหน่งที่ตั้งเพิ่มได้" in chat.text  # the problem flow offers photos
    await chat.send(kind="photo", photo="road-3", text=None)
    await chat.press("เสร็จ")
    assert "รูปภาพ: 3" in chat.text
    await chat.press("ส่ง")
    assert (await stored(runtime))[0]["photos"] == [f"{channel}:road-{i}" for i in (1, 2, 3)]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_photo_while_triage_waits_is_not_added_to_the_text(
    runtime: Runtime, channel: str
) -> None:
    chat = await joined(runtime, channel)
    await chat.send("ไฟฟ้าดับทั้งหมู่บ้าน")
    await chat.send(kind="photo", photo="p1", text=None)
    assert "เก็บรูปภาพไว้กับรายงานแล้วค่ะ" in chat.text and "ต่อท้ายข้อความ" not in chat.text


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_linking_a_second_app_offers_the_waiting_draft(
    runtime: Runtime, channel: str
) -> None:
    other = "telegram" if channel == "line" else "line"
    first = await joined(runtime, channel)
    await first.send("📝 ส่งความก้าวหน้า")
    await first.send("ประชุมแกนนำชุมชน 12 คน")
    async with runtime.store.tx() as tx:
        ident = await tx.identity(channel, "U-c")
        assert ident is not None and ident.person_id is not None
    code = new_code()
    async with runtime.store.tx() as tx:  # a code linking one more app, as `prasan invite --person`
        await tx.create_invite(await code_hash(tx, code), "coordinator", "มานพ", [],
                               utcnow() + timedelta(days=1), person_id=ident.person_id)  # fmt: skip
    second = Chat(runtime, other, "U-second-app")
    await second.send(code)
    assert "เชื่อมแชตนี้" in second.text
    assert "มีผู้เข้าร่วมประมาณ 12 คน ใช่ไหมคะ" in second.text  # the waiting question, not the menu
    await second.press("ใช่")
    assert "แนบรูปภาพ" in second.text
