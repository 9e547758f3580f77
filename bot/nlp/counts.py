"""Reading the number of participants out of a report ("ผู้เข้าร่วม ๓๐ คน")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .normalization import normalize

__all__ = ["Count", "count_people", "participants", "participants_normalized", "thai_number"]

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
# Thai number words ("สามสิบ", "ยี่สิบห้า") before a unit for people are read as digits.
_THAI_DIGITS = {"ศูนย์": 0, "หนึ่ง": 1, "เอ็ด": 1, "สอง": 2, "ยี่": 2, "สาม": 3, "สี่": 4,
                "ห้า": 5, "หก": 6, "เจ็ด": 7, "แปด": 8, "เก้า": 9}  # fmt: skip
_THAI_UNITS = {"สิบ": 10, "ร้อย": 100, "พัน": 1_000, "หมื่น": 10_000, "แสน": 100_000}
_WORD = "|".join(sorted([*_THAI_DIGITS, *_THAI_UNITS], key=len, reverse=True))
_THAI_NUMBER = re.compile(rf"(?<!หลาย)(?:{_WORD})+")
_NUMBER_WORDS_BEFORE_UNIT = re.compile(
    rf"(?<!หลาย)((?:{_WORD})+)(?=\s*(?:กว่า|เศษ)?\s*(?:คน(?!ร้าย)|ท่าน|ราย(?!งาน|ได้)|ครัวเรือน))"
)
_PIECE = re.compile(_WORD)


def thai_number(words: str) -> int | None:
    """'ยี่สิบห้า' → 25, 'หนึ่งร้อยสามสิบ' → 130; None if `words` is not only a number."""
    if not words or _THAI_NUMBER.fullmatch(words) is None:
        return None
    total, current = 0, 0
    for piece in _PIECE.findall(words):
        if piece in _THAI_DIGITS:
            current = _THAI_DIGITS[piece]
        else:
            total += (current or 1) * _THAI_UNITS[piece]
            current = 0
    return total + current


# Every match of _NUMBER_WORDS_BEFORE_UNIT ends before one of these, right after a number
# word: a text without a number word before any of them is left as it is, without running
# that regex (its look-behind at every position is slow, and most texts have a unit).
_UNIT = re.compile("คน|ท่าน|ราย|ครัวเรือน")
_WORD_BEFORE = re.compile(rf"(?:{_WORD})\s*(?:กว่า|เศษ)?\s*$")
_BEFORE_CHARS = 24  # longer than a number word, กว่า/เศษ and the spaces around it


def digits_for_words(text: str) -> str:
    """Thai number words followed by a unit for people become digits: 'สามสิบคน' → '30คน'."""
    for unit in _UNIT.finditer(text):
        end = unit.start()
        if _WORD_BEFORE.search(text, max(0, end - _BEFORE_CHARS), end):
            return _NUMBER_WORDS_BEFORE_UNIT.sub(
                lambda m: str(thai_number(m.group(1)) or m.group(1)), text
            )
    return text


# A group named just before a count: "ชาย 10 คน หญิง 15 คน" is 25 people in two groups.
_GROUP_THAI = (
    "ผู้ชาย|ผู้หญิง|ชาย|หญิง|เด็กและเยาวชน|เด็ก|เยาวชน|ผู้สูงอายุ|ผู้ใหญ่|ผู้นำศาสนา|ผู้นำชุมชน"
    "|แกนนำ|นักเรียน|นักศึกษา|ครู|อสม\\.?|ผู้ปกครอง|สตรี|ผู้พิการ"
)
_GROUP_LATIN = "men|women|male|female|boys|girls|youth|lelaki|perempuan|wanita|belia"
# The look-ahead for the words' first letters lets the regex engine skip the positions
# no word starts at (2.9 -> 1.2 µs a search); the matches are the same.
_GROUP = re.compile(
    "(?=[{}]|(?i:[{}]))".format(
        "".join({w[0]: None for w in _GROUP_THAI.split("|")}),
        "".join({w[0]: None for w in _GROUP_LATIN.split("|")}),
    )
    + rf"({_GROUP_THAI}|(?i:{_GROUP_LATIN}))"
    + r"\s*(?:จำนวน|ประมาณ)?\s*:?\s*$"
)
_TOTAL = re.compile(r"(?:รวม|ทั้งหมด|ทั้งสิ้น|ทั้งหมดรวม)\s*(?:จำนวน|ได้)?\s*$")


def _value(raw: str) -> int | None:
    value = int(raw.replace(",", ""))
    return value if 1 <= value <= _MAX else None


@dataclass(frozen=True)
class Count:
    """How many took part, and the groups the text named ("ชาย", 10), ("หญิง", 15)."""

    total: int
    groups: tuple[tuple[str, int], ...] = ()


def count_people(text: str) -> Count | None:
    """The participants of already-normalised text, with any breakdown by group kept."""
    found = _count(text)
    return None if found is None else Count(*found)


def _count(text: str) -> tuple[int, tuple[tuple[str, int], ...]] | None:
    # count_people() without the Count: a frozen dataclass costs a microsecond to make,
    # and analyze() only wants the total.
    text = digits_for_words(text)
    counts: list[int] = []
    groups: list[tuple[str, int]] = []
    total: int | None = None
    for match in _PEOPLE.finditer(text):
        before = text[max(0, match.start() - 24) : match.start()]
        if _NOT_PARTICIPANTS.search(before):
            continue
        value = _value(match.group(1))
        if value is None:
            continue
        # "ชาย 20 คน หญิง 15 คน รวม 35 คน": the stated total wins.
        if _TOTAL.search(before) and total is None:
            total = value
            continue
        group = _GROUP.search(before)
        if group is not None:
            groups.append((group.group(1), value))
        else:
            counts.append(value)
    parts = sum(n for _, n in groups) if groups else 0  # most texts name no group
    if total is not None:
        return total, tuple(groups) if parts == total else ()
    if len(groups) >= 2 and parts >= max(counts, default=0):
        # Two or more groups and no larger whole: the groups make up the whole.
        return parts, tuple(groups)
    if counts or groups:
        # Otherwise the largest count is the whole group; smaller ones are its parts.
        return max(counts + [n for _, n in groups]), ()
    # Each pattern starts with one of a few words: a text without them skips its regex.
    for pattern, words in _FALLBACKS:
        for word in words:
            if word in text:
                for match in pattern.finditer(text):
                    value = _value(match.group(1))
                    if value is not None:
                        return value, ()
                break
    return None


_FALLBACKS = ((_LABELLED, ("ผู้ร่วม", "จำนวนคน", "เข้าร่วม")), (_HOUSEHOLDS, ("เรือน", "ครอบครัว")))


def participants_normalized(text: str) -> int | None:
    """Like participants(), for text that is already normalised."""
    found = _count(text)
    return None if found is None else found[0]


def participants(text: str) -> int | None:
    """Return the number of people a report says took part, or None if it gives none."""
    return participants_normalized(normalize(text))
