"""Dates as people read them: Buddhist Era, in the programme's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

MONTHS = {
    "th": (
        "มกราคม",
        "กุมภาพันธ์",
        "มีนาคม",
        "เมษายน",
        "พฤษภาคม",
        "มิถุนายน",
        "กรกฎาคม",
        "สิงหาคม",
        "กันยายน",
        "ตุลาคม",
        "พฤศจิกายน",
        "ธันวาคม",
    ),
    "th_short": (
        "ม.ค.",
        "ก.พ.",
        "มี.ค.",
        "เม.ย.",
        "พ.ค.",
        "มิ.ย.",
        "ก.ค.",
        "ส.ค.",
        "ก.ย.",
        "ต.ค.",
        "พ.ย.",
        "ธ.ค.",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "ms": (
        "Januari",
        "Februari",
        "Mac",
        "April",
        "Mei",
        "Jun",
        "Julai",
        "Ogos",
        "September",
        "Oktober",
        "November",
        "Disember",
    ),
}

BE_OFFSET = 543


def be_year(dt: datetime) -> int:
    """The Buddhist Era year of a date."""
    return dt.year + BE_OFFSET


def year_text(local: datetime | date, lang: str) -> str:
    """The year as each language writes it: '2569' (th), '2569 BE' (en), '2026' (ms).

    Malay gets the Common Era (Masihi) year, unmarked. Written Malay dates in Masihi (and
    Hijri): that is what Patani Malay readers see in Malay-language print, sermons and school
    notices, while the Buddhist Era is the Thai state's convention, which they meet in Thai.
    No Malay abbreviation for the Buddhist Era is in use ("BE" is English, "TB" is made up), and
    "tahun Buddha 2569" on every date would be long and odd. An unmarked 2026 cannot be taken
    for a BE year, so it needs no label. Typed dates are read in either era (bot.audience).
    """
    if lang == "th":
        return str(local.year + BE_OFFSET)
    if lang == "ms":
        return str(local.year)
    return f"{local.year + BE_OFFSET} BE"


def format_date(dt: datetime, tz: ZoneInfo, lang: str = "th", *, short: bool = False) -> str:
    """'21 พฤศจิกายน 2569' (th), '21 November 2569 BE' (en), '21 November 2026' (ms)."""
    local = dt.astimezone(tz)
    if lang == "th":
        month = MONTHS["th_short" if short else "th"][local.month - 1]
        return f"{local.day} {month} {year_text(local, lang)}"
    month = MONTHS.get(lang, MONTHS["en"])[local.month - 1]
    # Malay keeps the whole month name: its usual short forms (Nov, Dis) read as English.
    if short and lang == "en":
        month = month[:3]
    return f"{local.day} {month} {year_text(local, lang)}"


def format_day(day: date, lang: str = "th", *, short: bool = True) -> str:
    """A calendar day (no time zone of its own): '29 พ.ย. 2569'."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return format_date(noon, ZoneInfo("UTC"), lang, short=short)


def format_time(dt: datetime, tz: ZoneInfo, lang: str = "th") -> str:
    """The 24-hour local time as each language writes it: '21.36 น.', '21.36', '21:36'."""
    local = dt.astimezone(tz)
    if lang == "th":  # formal Thai separates hours and minutes with a dot
        return f"{local:%H.%M} น."
    if lang == "ms":
        return f"{local:%H.%M}"
    return f"{local:%H:%M}"


def format_datetime(dt: datetime, tz: ZoneInfo, lang: str = "th", *, short: bool = True) -> str:
    """A date with the 24-hour local time: '21 พ.ย. 2569 14.05 น.'."""
    return f"{format_date(dt, tz, lang, short=short)} {format_time(dt, tz, lang)}"
