"""Working days: the one calendar reminders and digests ask.

A day is off when it is a weekend, a Thai public holiday (`holidays`, language th),
Hari Raya Aidilfitri or Aidiladha for the offices that observe them (Pattani, Yala,
Narathiwat and the Songkhla districts Chana, Thepha, Na Thawi, Saba Yoi), or a closure an
admin declared. Hari Raya is computed with the Umm al-Qura calendar (hijridate) as a first
estimate: the official date follows the moon-sighting announcement, so an admin can
remove the estimated day and add the announced one (`prasan holidays add|remove`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

import holidays
from hijridate import Gregorian, Hijri

from storage.queries_calendar import Override
from storage.queries_geo import Area
from storage.store import Tx

REGIONAL_PROVINCES = frozenset({"pattani", "yala", "narathiwat"})
REGIONAL_DISTRICTS = frozenset({("songkhla", "chana"), ("songkhla", "thepha"),
                                ("songkhla", "na thawi"), ("songkhla", "saba yoi")})  # fmt: skip
HARI_RAYA = {
    (10, 1): "วันฮารีรายอ (อีดิลฟิตรี)",  # 1 Shawwal: Aidilfitri
    (12, 10): "วันฮารีรายอ (อีดิลอัฎฮา)",  # 10 Dhu al-Hijjah: Aidiladha
}


class Scope(StrEnum):
    """Where an admin's calendar change applies."""

    ALL = "all"
    REGIONAL = "regional"  # the offices that observe Hari Raya
    PROVINCE = "province"
    DISTRICT = "district"
    AREA = "area"


def observes_hari_raya(area: Area) -> bool:
    """Is Hari Raya an official holiday for this area's office?"""
    province = area.province_en.strip().casefold()
    return (
        province in REGIONAL_PROVINCES
        or (province, area.district_en.strip().casefold()) in REGIONAL_DISTRICTS
    )


@cache
def national(year: int) -> dict[date, str]:
    """Thai public holidays of a year, with their Thai names."""
    return dict(holidays.country_holidays("TH", years=year, language="th").items())


@cache
def hari_raya(year: int) -> dict[date, str]:
    """Estimated Hari Raya days of a Gregorian year (Umm al-Qura)."""
    found: dict[date, str] = {}
    first = Gregorian(year, 1, 1).to_hijri().year
    for hijri_year in (first, first + 1):
        for (month, day), name in HARI_RAYA.items():
            g = Hijri(hijri_year, month, day).to_gregorian()
            if g.year == year:
                found[date(g.year, g.month, g.day)] = name
    return found


@dataclass
class Calendar:
    """The holidays and admin overrides, answering per area (None: the programme office)."""

    overrides: dict[date, list[Override]] = field(default_factory=lambda: defaultdict(list))

    def holiday(self, day: date, area: Area | None = None) -> str | None:
        """The name of the holiday or closure that makes `day` off for `area`, if any."""
        changes = [o for o in self.overrides.get(day, ()) if _applies(o, area)]
        added = next((o for o in changes if o.action == "add"), None)
        if added is not None:
            return added.name or "closure"
        removed = {o.scope for o in changes if o.action == "remove"}
        cancelled_all = bool(removed - {Scope.REGIONAL})
        if area is not None and observes_hari_raya(area) and Scope.REGIONAL not in removed:
            if not cancelled_all and (name := hari_raya(day.year).get(day)):
                return name
        return None if cancelled_all else national(day.year).get(day)

    def is_working_day(self, day: date, area: Area | None = None) -> bool:
        """Not a weekend, holiday or closure for this area."""
        return day.weekday() < 5 and self.holiday(day, area) is None

    def working_for_any(self, day: date, areas: list[Area]) -> bool:
        """A working day for at least one of these areas (the national calendar if none)."""
        if not areas:
            return self.is_working_day(day)
        return any(self.is_working_day(day, a) for a in areas)

    def previous_working_day(self, day: date, areas: list[Area]) -> date:
        """The latest working day before `day` (looking back at most a month)."""
        back = day - timedelta(days=1)
        for _ in range(31):
            if self.working_for_any(back, areas):
                return back
            back -= timedelta(days=1)
        return day - timedelta(days=1)


def _applies(o: Override, area: Area | None) -> bool:
    if o.scope == Scope.ALL:
        return True
    if area is None:
        return False
    match o.scope:
        case Scope.REGIONAL:
            return observes_hari_raya(area)
        case Scope.PROVINCE:
            return o.ref_id == area.province_id
        case Scope.DISTRICT:
            return o.ref_id == area.district_id
        case Scope.AREA:
            return o.ref_id == area.id
    return False


async def load_calendar(tx: Tx) -> Calendar:
    """The calendar with every admin override (a few rows a year)."""
    cal = Calendar()
    for o in await tx.holiday_overrides():
        cal.overrides[o.day].append(o)
    return cal


@dataclass(frozen=True)
class ReportPeriod:
    """The span coordinators report for: a week (Monday to Sunday) or a month, local dates."""

    key: str  # 2026-W49 or 2026-12
    first: date
    last: date  # inclusive

    def days(self) -> list[date]:
        """Every day of the period."""
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def report_period(kind: str, day: date) -> ReportPeriod:
    """The reporting period (PRASAN_REPORT_PERIOD: week or month) a local day falls in."""
    if kind == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return ReportPeriod(f"{day.year}-{day.month:02d}", first, following - timedelta(days=1))
    first = day - timedelta(days=day.weekday())
    year, week, _ = day.isocalendar()
    return ReportPeriod(f"{year}-W{week:02d}", first, first + timedelta(days=6))
