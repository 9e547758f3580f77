"""The bot's wording as people read it: scope, names, numbers, dates, cut text (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import format_date, format_datetime
from bot.i18n import join_names, number, translator
from bot.runtime import Runtime
from bot.textcut import safe_cut, shorten, utf16_len
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]
BANGKOK = ZoneInfo("Asia/Bangkok")


def test_thai_time_is_written_with_a_dot_and_malay_months_are_malay() -> None:
    at = datetime(2026, 11, 30, 14, 36, tzinfo=UTC)  # 21.36 in Bangkok
    assert format_datetime(at, BANGKOK, "th") == "30 พ.ย. 2569 21.36 น."
    assert format_datetime(at, BANGKOK, "en") == "30 Nov 2569 BE 21:36"
    ms = format_datetime(datetime(2026, 12, 1, 2, 0, tzinfo=UTC), BANGKOK, "ms")
    assert ms == "1 Disember 2026 09.00"  # Masihi year in Malay: bot.dates.year_text
    assert format_date(datetime(2026, 8, 5, tzinfo=UTC), BANGKOK, "ms", short=True).startswith(
        "5 Ogos"
    )


def test_numbers_and_lists_read_naturally() -> None:
    assert number(1250) == "1,250" and number(35) == "35"
    th, en, ms = translator("th"), translator("en"), translator("ms")
    assert join_names(th, ["ก", "ข", "ค"]) == "ก ข และค"
    assert join_names(en, ["A", "B", "C"]) == "A, B and C"
    assert join_names(ms, ["A", "B"]) == "A dan B"
    assert join_names(th, ["ก"]) == "ก"


THAI = [
    "📝 รายงานความก้าวหน้าประจำเดือนพฤศจิกายน",
    "จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน ผู้ใหญ่บ้านเปิดงาน",
    "เยี่ยมบ้านผู้สูงอายุและผู้พิการในตำบลตะโละกาโปร์",
    "แม่น้ำเอ่อล้นตลิ่ง ไม่สามารถเดินทางเข้าไปในหมู่บ้านได้",
]


@pytest.mark.parametrize("text", THAI)
def test_shortened_thai_never_strands_a_vowel_or_tone_mark(text: str) -> None:
    for limit in range(6, len(text)):
        for measure in (len, utf16_len):
            cut = shorten(text, limit, measure)
            kept = cut.removesuffix("…")
            assert measure(cut) <= limit
            assert text.startswith(kept.rstrip())
            assert safe_cut(text, len(kept.rstrip())), (limit, cut)


def test_shorten_prefers_a_word_boundary() -> None:
    text = "จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม"
    assert shorten(text, 20) == "จัดเวทีรับฟังปัญหา…"
    assert shorten("สั้น", 20) == "สั้น"


async def _join(runtime: Runtime, channel: str, user: str, **invite: object) -> Chat:
    code = await make_invite(runtime.store, **invite)  # type: ignore[arg-type]
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    return chat


@pytest.mark.parametrize("channel", CHANNELS)
async def test_welcome_states_scope_as_people_say_it(runtime: Runtime, channel: str) -> None:
    admin = await _join(runtime, channel, "U-admin", role="admin", name="วิภา",
                        scope=[["all", None]])  # fmt: skip
    assert "ยินดีต้อนรับค่ะ คุณวิภา" in admin.text
    assert "ลงทะเบียนเป็นเจ้าหน้าที่สำนักงานโครงการเรียบร้อยแล้ว รับผิดชอบ: ทุกพื้นที่" in admin.text
    everywhere = await _join(runtime, channel, "U-all", role="supervisor", name="ปรีชา",
                             scope=[["all", None]])  # fmt: skip
    assert "ลงทะเบียนเป็นผู้ดูแลพื้นที่เรียบร้อยแล้ว รับผิดชอบ: ทุกพื้นที่" in everywhere.text
    async with runtime.store.tx() as tx:
        pattani = await tx.find_province("ปัตตานี")
    province = await _join(runtime, channel, "U-prov", role="supervisor", name="สุดา",
                           scope=[["province", pattani]])  # fmt: skip
    assert "รับผิดชอบ: จังหวัดปัตตานี" in province.text and "บ้าน" not in province.text
    many = await _join(runtime, channel, "U-many",
                       areas=("PTN01", "PTN02", "PTN03", "YLA01", "YLA02"))  # fmt: skip
    assert "ผู้ประสานงานพื้นที่เรียบร้อยแล้ว" in many.text
    assert "รับผิดชอบ: บ้านบางปู บ้านตะโละกาโปร์ บ้านปะเสยะวอ และอีก 2 พื้นที่" in many.text
    assert "พื้นที่ พื้นที่" not in many.text + admin.text + province.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_counts_have_thousands_separators_and_people(runtime: Runtime, channel: str) -> None:
    chat = await _join(runtime, channel, "U-big", areas=("PTN01",))
    await chat.press("ส่งความก้าวหน้า")
    await chat.send("จัดงานเมาลิดกลางประจำปี มีผู้เข้าร่วม 1250 คน")
    assert "มีผู้เข้าร่วมประมาณ 1,250 คน ใช่ไหมคะ" in chat.text
    assert "✅ ใช่ 1,250 คน" in chat.labels
    await chat.press("ใช่")
    await chat.press("ข้าม")
    assert "ผู้เข้าร่วม: 1,250 คน" in chat.text
