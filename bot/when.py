"""Reading the day an activity took place out of what people write ("เมื่อวาน", "3 ธ.ค.")."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.dates import BE_OFFSET, MONTHS

# Relative days, in every language the bot speaks (longest first so เมื่อวานซืน wins).
_RELATIVE = {
    "เมื่อวานซืน": 2, "วานซืน": 2, "เมื่อวานนี้": 1, "เมื่อวาน": 1, "วันนี้": 0,
    "yesterday": 1, "today": 0, "kelmarin": 2, "semalam": 1, "hari ini": 0,
}  # fmt: skip
_MONTH_NAMES: dict[str, int] = {}
for _names in (MONTHS["th"], MONTHS["th_short"], MONTHS["en"], MONTHS["ms"]):
    for _i, _name in enumerate(_names, start=1):
        _MONTH_NAMES[_name.casefold()] = _i
        _MONTH_NAMES[_name.casefold().rstrip(".")] = _i
for _i, _name in enumerate(MONTHS["en"], start=1):
    _MONTH_NAMES[_name[:3].casefold()] = _i
_MONTH = "|".join(re.escape(m) for m in sorted(_MONTH_NAMES, key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"(?<!\d)(\d{{1,2}})\s*({_MONTH})\.?(?:\s*(?:พ\.ศ\.|ค\.ศ\.)?\s*(\d{{2}}|\d{{4}}))?(?!\d)",
    re.IGNORECASE,
)
_SLASHED = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?(?![\d/])")
_DAY_ONLY = re.compile(r"วันที่\s*(\d{1,2})(?!\s*(?:/|\d|" + _MONTH + r"))", re.IGNORECASE)


def _year(raw: str | None, month: int, day: int, today: date) -> int:
    """A written year (BE or CE, two or four digits), else the latest year not in the future."""
    if raw:
        y = int(raw)
        if y < 100:  # "69" is 2569 BE in Thai writing, "26" 2026 CE
            y += 2500 if y >= 43 else 2000
        return y - BE_OFFSET if y > 2400 else y
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def read_date(text: str, today: date) -> date | None:
    """The activity date a text names, if any; never later than `today`."""
    folded = text.casefold()
    found: date | None = None
    for word, back in _RELATIVE.items():
        if word in folded:
            found = today - timedelta(days=back)
            break
    if found is None and (m := _DAY_MONTH.search(folded)):
        written = m.group(2).casefold()
        month = _MONTH_NAMES.get(written) or _MONTH_NAMES[written.rstrip(".")]
        day = int(m.group(1))
        found = _safe(_year(m.group(3), month, day, today), month, day)
    if found is None and (m := _SLASHED.search(folded)):
        day, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            found = _safe(_year(m.group(3), month, day, today), month, day)
    if found is None and (m := _DAY_ONLY.search(folded)):
        day = int(m.group(1))
        month, year = today.month, today.year
        if day > today.day:  # "วันที่ 28" written on the 3rd: last month
            month, year = (12, year - 1) if month == 1 else (month - 1, year)
        found = _safe(year, month, day)
    if found is None or found > today:
        return None
    return found
