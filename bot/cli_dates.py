"""Dates typed on the command line: the Common Era or the Buddhist Era, and say which was read."""

from __future__ import annotations

import sys
from datetime import date

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


def note(text: str) -> None:
    """An informative line on stderr, so stdout stays the command's data."""
    print(f"prasan: {text}", file=sys.stderr)
