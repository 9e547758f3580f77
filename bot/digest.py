"""The daily digest for supervisors and admins: what happened in their areas since the last one.

Data is gathered once (scope-limited, language-free) into a `DailyDigest`, which renders
itself in the reader's language when notify calls it, so one digest type serves the job,
the CLI preview and the "today's digest" menu item.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dates import format_date
from bot.i18n import Translator, number
from bot.messages import Button, Outgoing
from bot.similar import group_linked
from bot.textcut import shorten
from bot.workdays import Calendar
from handlers.labels import category_name, severity_name
from storage.queries_digest import AreaCount, Problem
from storage.queries_geo import Area
from storage.store import Tx

STALE_AFTER = timedelta(days=7)
NEW_LISTED = 100  # more in one day is a crisis the office hears of by phone; the rest are counted
STALE_LISTED = 20
CHUNK = 3500  # characters: well inside Telegram's 4096 and LINE's 5000, even in UTF-16 units


def at_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of a local day as an aware instant."""
    return datetime.combine(day, time(), tz)


def show_date(day: date, tz: ZoneInfo, lang: str, short: bool = False) -> str:
    """A local day in the Buddhist Era."""
    return format_date(datetime.combine(day, time(12), tz), tz, lang, short=short)


def place(area: Area, lang: str) -> tuple[str, str]:
    """Province and district as the reader names them."""
    if lang == "th":
        return area.province, area.district
    return area.province_en, area.district_en


def split_messages(lines: list[str], buttons: tuple[Button, ...] = ()) -> list[Outgoing]:
    """Lines joined into messages that fit every platform, cut only between lines."""
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        line = shorten(line, CHUNK)  # at a word: never a stranded Thai vowel or tone mark
        if chunks[-1] and size + len(line) + 1 > CHUNK:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    out = [Outgoing("\n".join(c)) for c in chunks]
    out[-1] = Outgoing(out[-1].text, buttons)
    return out


@dataclass(frozen=True)
class ProblemLine:
    """A problem as a digest lists it."""

    id: int
    area: str
    category: str | None
    severity: str | None
    days_open: int
    district: str = "-"
    district_en: str = "-"

    @property
    def ids(self) -> tuple[int, ...]:
        """The problems this line stands for."""
        return (self.id,)

    def render(self, t: Translator, with_age: bool) -> str:
        """'#12 · บ้านบางปู · Budget · 🔴 High' (and how long it has been open)."""
        parts = [f"#{self.id}", self.area]
        if self.category:
            parts.append(category_name(t, self.category))
        if self.severity:
            parts.append(severity_name(t, self.severity))
        if with_age:
            parts.append(t("open {n} days", n=self.days_open))
        return " · ".join(parts)


SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class ProblemGroup:
    """Problems linked as possibly the same one (bot/similar), listed on one line."""

    members: tuple[ProblemLine, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        """The problems this line stands for."""
        return tuple(m.id for m in self.members)

    def render(self, t: Translator, with_age: bool) -> str:
        """'#4 #9 #12 · Budget · 🔴 High — possibly the same problem in 3 districts: …'."""
        first = self.members[0]
        parts = [" ".join(f"#{i}" for i in self.ids)]
        if first.category:
            parts.append(category_name(t, first.category))
        severities = [m.severity for m in self.members if m.severity]
        if severities:
            parts.append(severity_name(t, min(severities, key=lambda s: SEVERITY_ORDER.get(s, 3))))
        if with_age:
            parts.append(t("open {n} days", n=max(m.days_open for m in self.members)))
        names = [m.district if t.lang == "th" else m.district_en for m in self.members]
        districts = list(dict.fromkeys(names))  # distinct, in the order of the problems
        return t("{line} — possibly the same problem in {n} districts: {districts}",
                 line=" · ".join(parts), n=len(districts), districts=", ".join(districts))  # fmt: skip


Listed = ProblemLine | ProblemGroup


def grouped(lines: tuple[ProblemLine, ...], links: list[tuple[int, int]]) -> tuple[Listed, ...]:
    """Linked problems folded into one line each, in the order of their first problem."""
    by_id = {line.id: line for line in lines}
    out: list[Listed] = []
    for group in group_linked(by_id, links):
        members = tuple(by_id[i] for i in group.ids)
        out.append(members[0] if len(members) == 1 else ProblemGroup(members))
    return tuple(sorted(out, key=lambda line: lines.index(by_id[line.ids[0]])))


@dataclass(frozen=True)
class DistrictLine:
    """Progress reports of one district."""

    province: str
    district: str
    province_en: str
    district_en: str
    reports: int
    participants: int


@dataclass(frozen=True)
class DailyDigest:
    """One person's daily digest; calling it renders it (a notify Compose)."""

    tz: ZoneInfo
    today: date
    since: date  # the first day covered (the previous working day)
    districts: tuple[DistrictLine, ...]
    new_problems: tuple[Listed, ...]
    new_total: int
    stale: tuple[Listed, ...]
    stale_total: int

    @property
    def empty(self) -> bool:
        """Nothing new and nothing stuck."""
        return not (self.districts or self.new_problems or self.stale_total)

    def __call__(self, t: Translator) -> list[Outgoing]:
        """The digest text (split to fit) with a button to the open problems."""
        lang, tz = t.lang, self.tz
        today = show_date(self.today, tz, lang)
        last = self.today - timedelta(days=1)
        span = show_date(last, tz, lang, short=True)
        if self.since < last:
            span = f"{show_date(self.since, tz, lang, short=True)} – {span}"
        open_button = Button(t("⚠️ Open problems"), "m:open")
        if self.empty:
            return [Outgoing(t("📰 {date}: no new reports or problems in your areas ({span}). "
                               "Have a good day! 🙏", date=today, span=span),
                             (open_button,))]  # fmt: skip
        lines = [t("📰 Daily digest, {date}", date=today), ""]
        if self.districts:
            lines.append(t("📝 Progress reports ({span}):", span=span))
            for d in self.districts:
                province, district = (d.province, d.district) if lang == "th" else (
                    d.province_en, d.district_en)  # fmt: skip
                lines.append(t("• {province} / {district}: {n} reports, {people} participants",
                               province=province, district=district, n=number(d.reports),
                               people=number(d.participants)))  # fmt: skip
        else:
            lines.append(t("📝 No progress reports ({span}).", span=span))
        lines.append("")
        if self.new_problems:
            lines.append(t("⚠️ New problems ({n}):", n=number(self.new_total)))
            lines += [f"• {p.render(t, False)}" for p in self.new_problems]
            shown = sum(len(p.ids) for p in self.new_problems)
            if self.new_total > shown:
                lines.append(t("… and {n} more", n=number(self.new_total - shown)))
        else:
            lines.append(t("⚠️ No new problems."))
        if self.stale_total:
            lines += ["", t("⏳ Problems open for more than 7 days ({n}):", n=self.stale_total)]
            lines += [f"• {p.render(t, True)}" for p in self.stale]
            shown = sum(len(p.ids) for p in self.stale)
            if self.stale_total > shown:
                lines.append(t("… and {n} more", n=number(self.stale_total - shown)))
        return split_messages(lines, (open_button,))


def problem_lines(
    problems: list[Problem], by_id: dict[int, Area], now: datetime
) -> tuple[ProblemLine, ...]:
    """Problems with their area names and age in days."""
    lines = []
    for p in problems:
        area = by_id.get(p.area_id) if p.area_id is not None else None
        lines.append(ProblemLine(
            p.id, area.name if area else "-", p.category, p.severity, (now - p.created_at).days,
            area.district if area else "-", area.district_en if area else "-",
        ))  # fmt: skip
    return tuple(lines)


def district_lines(areas: list[Area], counts: list[AreaCount]) -> tuple[DistrictLine, ...]:
    """Reports and participants added up per district, by province then district."""
    by_id = {a.id: a for a in areas}
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for c in counts:
        if c.area_id in by_id:
            totals[by_id[c.area_id].district_id][0] += c.reports
            totals[by_id[c.area_id].district_id][1] += c.participants
    first_area = {a.district_id: a for a in reversed(areas)}
    return tuple(
        sorted(
            (DistrictLine(a.province, a.district, a.province_en, a.district_en, *totals[d])
             for d, a in first_area.items() if d in totals),
            key=lambda d: (d.province, d.district),
        )
    )  # fmt: skip


async def scope_areas(tx: Tx, person_id: int) -> tuple[list[Area], list[int] | None]:
    """A person's areas, and the id filter for queries (None: the whole programme)."""
    areas = await tx.areas_of_person(person_id)
    everything = any(s == "all" for s, _ in await tx.scope_of(person_id))
    return areas, None if everything else [a.id for a in areas]


class DailyFacts:
    """What the daily digests of one run share, queried once for all their areas.

    Readers' windows mostly coincide (the previous working day), so a run makes a few
    queries in all instead of a few per reader; each digest keeps its own areas' part.
    """

    def __init__(self, tx: Tx, area_ids: list[int] | None = None) -> None:
        self.tx, self.ids = tx, area_ids
        self._windows: dict[tuple[datetime, datetime], tuple[list[AreaCount], list[Problem]]] = {}
        self._stale: dict[datetime, list[Problem]] = {}
        self._scopes: dict[int, tuple[list[Area], list[int] | None]] = {}

    async def scope(self, person_id: int) -> tuple[list[Area], list[int] | None]:
        """A reader's areas (looked up once per run)."""
        if person_id not in self._scopes:
            self._scopes[person_id] = await scope_areas(self.tx, person_id)
        return self._scopes[person_id]

    async def window(
        self, start: datetime, end: datetime, now: datetime
    ) -> tuple[list[AreaCount], list[Problem]]:
        """Progress per area in [start, end) and problems reported since `start`."""
        if (start, end) not in self._windows:
            counts = await self.tx.progress_by_area(self.ids, start, end)
            self._windows[(start, end)] = (
                counts,
                await self.tx.problems_between(self.ids, start, now),
            )
        return self._windows[(start, end)]

    async def stale(self, before: datetime) -> list[Problem]:
        """Problems still open that were reported before `before`."""
        if before not in self._stale:
            self._stale[before] = await self.tx.problems_open_before(self.ids, before)
        return self._stale[before]


async def build_daily(
    tx: Tx, person_id: int, now: datetime, tz: ZoneInfo, calendar: Calendar,
    facts: DailyFacts | None = None,
) -> DailyDigest:  # fmt: skip
    """The daily digest of one person at `now`: the previous working day(s), in their scope."""
    if facts is None:  # one reader (the menu): only their areas are queried
        areas, ids = await scope_areas(tx, person_id)
        facts = DailyFacts(tx, ids)
    else:
        areas, _ = await facts.scope(person_id)
    by_id = {a.id: a for a in areas}
    today = now.astimezone(tz).date()
    since = calendar.previous_working_day(today, areas)
    start, end = at_midnight(since, tz), at_midnight(today, tz)
    counts, new = await facts.window(start, end, now) if areas else ([], [])
    stale = await facts.stale(now - STALE_AFTER) if areas else []
    new = [p for p in new if p.area_id in by_id]
    stale = [p for p in stale if p.area_id in by_id]
    new_lines = problem_lines(new[:NEW_LISTED], by_id, now)
    stale_lines = problem_lines(stale[:STALE_LISTED], by_id, now)
    links = await tx.links_among([p.id for p in (*new_lines, *stale_lines)])
    return DailyDigest(
        tz, today, since, district_lines(areas, counts),
        grouped(new_lines, links), len(new), grouped(stale_lines, links), len(stale),
    )  # fmt: skip
