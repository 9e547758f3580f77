"""Reading the number of participants out of a report ("ผู้เข้าร่วม ๓๐ คน")."""

from __future__ import annotations

import re

from .normalization import normalize

__all__ = ["participants", "participants_normalized"]

_MAX = 100_000
_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"
# A number that does not continue another number, a decimal, a date or a time.  Written
# with its first digit first (and the look back after it) so that the regex engine can
# skip straight from digit to digit: the same matches, a fraction of the time.
_FIRST_NUMBER = r"(\d(?<![\d.,/:]\d)(?:\d{0,2}(?:,\d{3})+|\d*))"
# A number (or a range "30-40") followed by a unit for people.  "ราย" is also the start
# of รายงาน/รายได้/รายชื่อ, and "คน" of คนร้าย (attackers), so those are excluded.
_PEOPLE = re.compile(
    rf"{_FIRST_NUMBER}(?:\s*[-–~]\s*(?:{_NUMBER}))?\s*(?:\+|กว่า|เศษ)?\s*"
    r"(?:คน(?!ร้าย)|ราย(?!งาน|ได้|ชื่อ|ละเอียด|การ|จ่าย)|ท่าน"
    # The bot also speaks English, and many coordinators write Patani Malay ("orang").
    r"|(?i:people|persons?|participants?|pax|orang)\b)"
)
_HOUSEHOLDS = re.compile(rf"{_FIRST_NUMBER}\s*(?:\+|กว่า|เศษ)?\s*(?:ครัวเรือน|หลังคาเรือน|ครอบครัว)")
# "ผู้เข้าร่วม: 25" with no unit, as long as the number is not money, time or a date.
_LABELLED = re.compile(
    rf"(?:ผู้เข้าร่วม|ผู้ร่วม|จำนวนคน|เข้าร่วม)[^\d\n]{{0,20}}?({_NUMBER})"
    r"(?!\s*(?:บาท|ปี|วัน|ครั้ง|ชั่วโมง|ชม|นาที|โมง|น\.|%|กม|กิโล|เดือน|[/.:]\d|[ก-ฮ]\.))"
)
# Counts of casualties, suspects or patients are not participants...
_NOT_PARTICIPANTS = re.compile(
    r"(?:บาดเจ็บ|เสียชีวิต|ตาย(?!าย)|ผู้ต้องหา|ผู้ต้องสงสัย|จับกุม|จับ|ผู้ป่วย|ป่วย|ผู้เสพ|ผู้ค้า"
    r"|ติดยา|คนร้าย|ถูกยิง|ขาด|ไม่มา|ไม่เข้าร่วม|ลาออก"
    # nor are the people invited, targeted or expected, only those who came
    r"|เชิญ|เป้าหมาย|ตั้งเป้า|คาดว่า|ลงชื่อไว้)[^\d\n]{0,12}$"
)
_TOTAL = re.compile(r"(?:รวม|ทั้งหมด|ทั้งสิ้น|ทั้งหมดรวม)\s*(?:จำนวน|ได้)?\s*$")


def _value(raw: str) -> int | None:
    value = int(raw.replace(",", ""))
    return value if 1 <= value <= _MAX else None


def participants_normalized(text: str) -> int | None:
    """Like participants(), for text that is already normalised."""
    counts: list[int] = []
    for match in _PEOPLE.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]
        if _NOT_PARTICIPANTS.search(before):
            continue
        value = _value(match.group(1))
        if value is None:
            continue
        # "ชาย 20 คน หญิง 15 คน รวม 35 คน": the stated total wins.
        if _TOTAL.search(before):
            return value
        counts.append(value)
    if counts:
        # Otherwise the largest count is the whole group; smaller ones are its parts.
        return max(counts)
    for pattern in (_LABELLED, _HOUSEHOLDS):
        for match in pattern.finditer(text):
            value = _value(match.group(1))
            if value is not None:
                return value
    return None


def participants(text: str) -> int | None:
    """Return the number of people a report says took part, or None if it gives none."""
    return participants_normalized(normalize(text))
