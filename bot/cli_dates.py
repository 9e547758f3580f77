"""Dates typed on the command line: the Common Era or the Buddhist Era, and say which was read."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.audience import THAI_DIGITS, parse_moment
from bot.cli_text import t
from bot.dates import BE_OFFSET

# No CE date this programme handles is after 2400, and no BE date before it (2400 BE = 1857).
BE_FROM = 2400


def read_cli_date(text: str, option: str) -> date | None:
    """YYYY-MM-DD in the Common or Buddhist Era (2569-11-30 is 2026-11-30); says which it read.

    Thai digits (๒๕๖๙) are read too. None when the text is not such a date.
    """
    text = text.strip().translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789"))
    try:
        year, month, day = (int(x) for x in text.split("-"))
        if year >= BE_FROM:
            read = date(year - BE_OFFSET, month, day)
            note(t("reading {option} {text} as {day} (Buddhist Era {be} = {ce})", option=option,
                   text=text, day=read.isoformat(), be=year, ce=read.year))  # fmt: skip
            return read
        return date(year, month, day)
    except ValueError:
        return None


def read_cli_year(year: int, option: str) -> int:
    """A year given alone: 2570 (BE) is 2027; says so."""
    if year >= BE_FROM:
        note(t("reading {option} {be} as {ce} (Buddhist Era)", option=option, be=year,
               ce=year - BE_OFFSET))  # fmt: skip
        return year - BE_OFFSET
    return year


def read_cli_moment(text: str, option: str, tz: ZoneInfo) -> datetime | None:
    """A date and time (`parse_moment`'s forms); a Buddhist-Era year read says so on stderr."""
    moment = parse_moment(text, tz)
    if moment is None:
        return None
    years = [int(y) for y in _YEAR.findall(text.translate(THAI_DIGITS)) if int(y) >= BE_FROM]
    if years:
        note(t("reading {option} {text} as {moment} (Buddhist Era {be} = {ce})", option=option,
               text=text.strip(), moment=moment.strftime("%Y-%m-%d %H:%M"), be=years[0],
               ce=moment.year))  # fmt: skip
    return moment


_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")


def note(text: str) -> None:
    """An informative line on stderr, so stdout stays the command's data."""
    print(f"prasan: {text}", file=sys.stderr)
