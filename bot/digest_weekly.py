"""The weekly digest: last week per province and district, silent areas, leave, keywords, a chart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import nlp
from bot.dates import MONTHS
from bot.digest import (
    DistrictLine,
    at_midnight,
    district_lines,
    place,
    scope_areas,
    show_date,
    split_messages,
)
from bot.i18n import Translator, join_names, number, translator
from bot.messages import Button, Outgoing
from storage.queries_geo import Area
from storage.store import Tx

WEEKS_CHARTED = 8
TOP_KEYWORDS = 10
# Words every report of the programme uses: they say nothing about what happened this week.
BOILERPLATE = frozenset({
    "พื้นที่", "พื้นที่สันติสุขขนาดเล็ก", "สันติสุข", "โครงการ", "กิจกรรม", "รายงาน",
    "ความก้าวหน้า", "ดำเนินการ", "ดำเนินงาน", "จัด", "ครั้ง", "วันนี้", "ผู้เข้าร่วม", "เข้าร่วม",
    "ร่วม", "คน", "ราย", "ท่าน", "ประสานงาน", "ผู้ประสานงาน", "เจ้าหน้าที่", "ศอ.บต.", "เรียบร้อย",
    "บ้าน", "หมู่บ้าน", "ตำบล", "อำเภอ", "จังหวัด",
})  # fmt: skip


@dataclass(frozen=True)
class Silent:
    """An area with no progress report: for how many weeks (None: never), and its coordinators."""

    area: str
    district: str
    district_en: str
    weeks: int | None
    coordinators: tuple[str, ...]


@dataclass(frozen=True)
class Away:
    """A coordinator on leave."""

    name: str
    first: date
    last: date


@dataclass(frozen=True)
class WeeklyDigest:
    """One person's weekly digest; calling it renders it (a notify Compose)."""

    tz: ZoneInfo
    first: date  # Monday of the week covered
    districts: tuple[DistrictLine, ...]
    silent: tuple[Silent, ...]
    away: tuple[Away, ...]
    keywords: tuple[str, ...]
    chart_url: str | None

    def __call__(self, t: Translator) -> list[Outgoing]:
        """Text (split to fit), then the chart, then a button to the open problems."""
        lang, tz = t.lang, self.tz
        last = self.first + timedelta(days=6)
        span = f"{show_date(self.first, tz, lang, short=True)} – {show_date(last, tz, lang)}"
        lines = [t("🗓️ Weekly digest, {span}", span=span), ""]
        if self.districts:
            lines.append(t("📝 Progress reports per district:"))
            for d in self.districts:
                province, district = (d.province, d.district) if lang == "th" else (
                    d.province_en, d.district_en)  # fmt: skip
                lines.append(t("• {province} / {district}: {n} reports, {people} participants",
                               province=province, district=district, n=number(d.reports),
                               people=number(d.participants)))  # fmt: skip
        else:
            lines.append(t("📝 No progress reports last week."))
        one = [s for s in self.silent if s.weeks == 1]
        long = [s for s in self.silent if s.weeks != 1]
        if one:
            lines += ["", t("🔕 No report last week ({n}):", n=len(one))]
            lines += [self._silent(t, s) for s in one]
        if long:
            lines += ["", t("🔕 No report for two weeks or more ({n}):", n=len(long))]
            lines += [self._silent(t, s) for s in long]
        if self.away:
            lines += ["", t("🏖️ Coordinators on leave:")]
            lines += [f"• {a.name} ({show_date(a.first, tz, lang, short=True)} – "
                      f"{show_date(a.last, tz, lang, short=True)})" for a in self.away]  # fmt: skip
        if self.keywords:
            lines += ["", t("🔑 Words used most last week: {words}",
                            words=join_names(t, list(self.keywords)))]  # fmt: skip
        button = (Button(t("⚠️ Open problems"), "m:open"),)
        if self.chart_url is None:
            return split_messages(lines, button)
        chart = Outgoing(t("📊 Progress reports per province, last 8 weeks"), button,
                         image_url=self.chart_url)  # fmt: skip
        return [*split_messages(lines), chart]

    def _silent(self, t: Translator, s: Silent) -> str:
        who = join_names(t, list(s.coordinators)) or t("no coordinator")
        district = s.district if t.lang == "th" else s.district_en
        if s.weeks is None:
            return t("• {area} ({district}) — never reported — {who}", area=s.area,
                     district=district, who=who)  # fmt: skip
        if s.weeks == 1:
            return t("• {area} ({district}) — {who}", area=s.area, district=district, who=who)
        return t("• {area} ({district}) — {n} weeks — {who}", area=s.area, district=district,
                 n=s.weeks, who=who)  # fmt: skip


def week_label(day: date, lang: str) -> str:
    """A week's Monday as a short tick label: '6 ต.ค.' / '6 Oct'."""
    months = MONTHS["th_short"] if lang == "th" else MONTHS.get(lang, MONTHS["en"])
    return f"{day.day} {months[day.month - 1] if lang == 'th' else months[day.month - 1][:3]}"


@dataclass
class WeeklyFacts:
    """What the weekly digests of one run share, queried once for all their areas."""

    tx: Tx
    first: date  # Monday of the week covered
    today: date
    tz: ZoneInfo
    ids: list[int] | None = None  # None: every area
    _loaded: dict[str, Any] = field(default_factory=dict)

    @property
    def span(self) -> tuple[datetime, datetime]:
        """The week covered as [start, end)."""
        return at_midnight(self.first, self.tz), at_midnight(
            self.first + timedelta(days=7), self.tz
        )

    async def get(self, what: str) -> Any:
        """One shared fact, queried on first use."""
        if what not in self._loaded:
            start, end = self.span
            tx, ids = self.tx, self.ids
            if what == "counts":
                self._loaded[what] = await tx.progress_by_area(ids, start, end)
            elif what == "latest":
                self._loaded[what] = await tx.last_progress_at(ids, end)
            elif what == "people":
                self._loaded[what] = await tx.coordinators_of_areas()
            elif what == "leave":
                self._loaded[what] = await tx.on_leave(self.first, self.today + timedelta(days=6))
            elif what == "tokens":
                self._loaded[what] = await tx.tokens_between(ids, start, end)
            elif what == "chart":
                charted = start - timedelta(weeks=WEEKS_CHARTED - 1)
                self._loaded[what] = await tx.weekly_counts(ids, charted, end)
        return self._loaded[what]


async def chart_png(areas: list[Area], facts: WeeklyFacts, lang: str) -> bytes:
    """Progress reports per province in the 8 weeks ending with the week covered."""
    from bot import charts  # matplotlib loads in ~0.5 s: only when a chart is drawn

    t, tz = translator(lang), facts.tz
    mondays = [facts.first - timedelta(weeks=WEEKS_CHARTED - 1 - i) for i in range(WEEKS_CHARTED)]
    provinces = sorted({place(a, lang)[0] for a in areas})
    series = {p: [0] * WEEKS_CHARTED for p in provinces}
    by_id = {a.id: a for a in areas}
    for area_id, at in await facts.get("chart"):
        if area_id in by_id:
            week = (at.astimezone(tz).date() - mondays[0]).days // 7
            series[place(by_id[area_id], lang)[0]][week] += 1
    # Drawing takes ~0.5 s of CPU: off the event loop, so webhooks are still answered.
    return await asyncio.to_thread(
        charts.bars_per_week, t("Progress reports per province, last 8 weeks"),
        [week_label(m, lang) for m in mondays], series, t("reports"),
    )  # fmt: skip


def week_covered(today: date) -> date:
    """The Monday of the week before `today`'s week."""
    return today - timedelta(days=today.weekday() + 7)


async def build_weekly(
    tx: Tx, person_id: int, today: date, tz: ZoneInfo, chart_url: str | None,
    facts: WeeklyFacts | None = None,
) -> WeeklyDigest:  # fmt: skip
    """The weekly digest of one person for the week before `today`'s week."""
    areas, ids = await scope_areas(tx, person_id)
    first = week_covered(today)
    facts = facts or WeeklyFacts(tx, first, today, tz, ids)
    start, _ = facts.span
    by_id = {a.id: a for a in areas}
    counts = [c for c in await facts.get("counts") if c.area_id in by_id] if areas else []
    reported = {c.area_id for c in counts}
    latest = await facts.get("latest") if areas else {}
    people = await facts.get("people")
    silent = []
    for a in areas:
        if a.id in reported:
            continue
        last = latest.get(a.id)
        weeks = None if last is None else (start - last).days // 7 + 1
        names = tuple(name for _, name in people.get(a.id, []))
        silent.append(Silent(a.name, a.district, a.district_en, weeks, names))
    silent.sort(key=lambda s: (-(s.weeks or 10_000), s.district, s.area))
    in_scope = {pid for a in areas for pid, _ in people.get(a.id, [])}
    away = tuple(
        Away(leave.name, leave.starts_on, leave.ends_on)
        for leave in await facts.get("leave")
        if leave.person_id in in_scope
    )
    tokens = [w for area_id, ts in (await facts.get("tokens") if areas else [])
              if area_id in by_id for w in ts if w not in BOILERPLATE]  # fmt: skip
    keywords = tuple(nlp.keywords(tokens, TOP_KEYWORDS)) if tokens else ()
    return WeeklyDigest(tz, first, district_lines(areas, counts), tuple(silent), away, keywords,
                        chart_url)  # fmt: skip


def covered_week(today: date) -> str:
    """The ISO week key of the week a digest sent on `today` covers (the previous one)."""
    year, week, _ = (today - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"
