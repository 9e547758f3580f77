"""Participants and the day of the activity, as coordinators write them (issue 13).

Transcripts run as a LINE and a Telegram identity, on a clock the test sets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from bot.when import read_date
from storage.schema import reports
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]
NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)  # 5 Dec 2569, 10.00 in Bangkok


@pytest.fixture
def clocked(runtime: Runtime) -> Runtime:
    runtime.store.clock = lambda: NOW
    return runtime


async def coordinator(runtime: Runtime, channel: str) -> Chat:
    code = await make_invite(runtime.store, areas=("PTN01",), name="ซูไฮลา")
    chat = Chat(runtime, channel, "U-act")
    await chat.send(code)
    return chat


async def saved(runtime: Runtime) -> list[dict]:  # type: ignore[type-arg]
    async with runtime.store.tx() as tx:
        rows = await tx.conn.execute(select(reports).order_by(reports.c.id))
        return [dict(r._mapping) for r in rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("เมื่อวานจัดเวทีที่มัสยิด", date(2026, 12, 4)),
        ("เมื่อวานซืนประชุมแกนนำ", date(2026, 12, 3)),
        ("จัดอบรมวันที่ 3", date(2026, 12, 3)),
        ("จัดอบรมวันที่ 28", date(2026, 11, 28)),  # a later day of the month is last month
        ("ถอดบทเรียน 3 ธ.ค.", date(2026, 12, 3)),
        ("ถอดบทเรียน 21 พฤศจิกายน 2569", date(2026, 11, 21)),
        ("ประชุม 1/12/69", date(2026, 12, 1)),
        ("mesyuarat semalam", date(2026, 12, 4)),
        ("จัดเวที 10 ธ.ค. 2569", None),  # still to come
        ("มีผู้เข้าร่วม 30 คน", None),
    ],
)
def test_activity_day_read_from_text(text: str, expected: date | None) -> None:
    assert read_date(text, date(2026, 12, 5)) == expected


@pytest.mark.parametrize("channel", CHANNELS)
async def test_groups_add_up_and_the_breakdown_is_kept(clocked: Runtime, channel: str) -> None:
    chat = await coordinator(clocked, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("เมื่อวานจัดเวทีรับฟังปัญหา ชาย 10 คน หญิง 15 คน")
    assert "มีผู้เข้าร่วมประมาณ 25 คน ใช่ไหมคะ" in chat.text
    await chat.press("ใช่")
    await chat.press("ข้าม")
    assert "ผู้เข้าร่วม: 25 คน (ชาย 10 · หญิง 15)" in chat.text
    assert "วันที่จัดกิจกรรม: 4 ธ.ค. 2569" in chat.text
    await chat.press("ส่ง")
    row = (await saved(clocked))[0]
    assert row["participants"] == 25 and row["participant_groups"] == [["ชาย", 10], ["หญิง", 15]]
    assert row["activity_date"] == date(2026, 12, 4)  # beside the send time
    assert row["created_at"].replace(tzinfo=UTC) == NOW


@pytest.mark.parametrize("channel", CHANNELS)
async def test_thai_number_words_and_an_implausible_count(clocked: Runtime, channel: str) -> None:
    chat = await coordinator(clocked, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("ประชุมแกนนำชุมชน ยี่สิบห้าท่าน")
    assert "ประมาณ 25 คน" in chat.text
    await chat.press("แก้จำนวน")
    await chat.send("12000")  # a slip of the finger
    assert "ผู้เข้าร่วม 12,000 คน ถือว่ามาก" in chat.text and "✅ ใช่ 12,000 คน" in chat.labels
    await chat.press("แก้จำนวน")
    await chat.send("สามสิบคน")
    assert "แนบรูปภาพ" in chat.text
    await chat.press("ข้าม")
    # No day in the text: the sending day is shown, and Edit changes it.
    assert "ผู้เข้าร่วม: 30 คน" in chat.text and "5 ธ.ค. 2569 (วันนี้" in chat.text
    await chat.press("แก้ไข")
    await chat.press("วันที่จัดกิจกรรม")
    assert "จัดกิจกรรมนี้วันไหนคะ" in chat.text
    await chat.send("10 ธ.ค. 2569")
    assert "ต้องไม่ใช่วันที่ยังมาไม่ถึง" in chat.text
    await chat.send("วันที่ 2")
    assert "วันที่จัดกิจกรรม: 2 ธ.ค. 2569" in chat.text
    await chat.press("ส่ง")
    row = (await saved(clocked))[0]
    assert (row["participants"], row["activity_date"]) == (30, date(2026, 12, 2))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_large_count_confirmed_is_stored(clocked: Runtime, channel: str) -> None:
    chat = await coordinator(clocked, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("งานเมาลิดประจำจังหวัด")
    await chat.send("ชาย 4,000 คน หญิง 3,500 คน")
    assert "ผู้เข้าร่วม 7,500 คน ถือว่ามาก" in chat.text
    await chat.press("ใช่")
    await chat.press("ข้าม")
    assert "ผู้เข้าร่วม: 7,500 คน (ชาย 4,000 · หญิง 3,500)" in chat.text
    await chat.press("ส่ง")
    assert (await saved(clocked))[0]["participants"] == 7500
