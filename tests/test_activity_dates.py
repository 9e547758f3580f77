"""Issue 13: a progress report about an earlier day, the day written inside the report.

tests/test_activity.py reads "เมื่อวาน" and, through Edit, "วันที่ 2" in a transcript; these are
the other forms of the issue ("วันที่ 3", "3 ธ.ค.") in the report's own text, on LINE and Telegram.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.runtime import Runtime
from tests.test_activity import NOW, clocked, coordinator, saved  # noqa: F401 - fixture

CHANNELS = ["line", "telegram"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("said", "shown", "day"),
    [
        ("ถอดบทเรียนโครงการ 3 ธ.ค. มีผู้เข้าร่วม 20 คน", "3 ธ.ค. 2569", date(2026, 12, 3)),
        ("จัดอบรมเยาวชนวันที่ 3 ยี่สิบคน", "3 ธ.ค. 2569", date(2026, 12, 3)),
        ("จัดอบรมเยาวชนวันที่ 28 ยี่สิบคน", "28 พ.ย. 2569", date(2026, 11, 28)),
    ],
)
async def test_the_day_in_the_text_is_the_activity_date(
    clocked: Runtime,  # noqa: F811
    channel: str,
    said: str,
    shown: str,
    day: date,
) -> None:
    chat = await coordinator(clocked, channel)
    await chat.press("ส่งความก้าวหน้า")
    await chat.send(said)
    assert "มีผู้เข้าร่วมประมาณ 20 คน ใช่ไหมคะ" in chat.text, chat.text
    await chat.press("ใช่")
    await chat.press("ข้าม")
    assert f"วันที่จัดกิจกรรม: {shown}" in chat.text, chat.text
    await chat.press("ส่ง")
    row = (await saved(clocked))[0]
    assert row["activity_date"] == day and row["created_at"].date() == NOW.date()
