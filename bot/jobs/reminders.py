"""Reminders and last calls to coordinators whose areas have no progress report this period.

PRASAN_REMINDER_CRON and PRASAN_LAST_CALL_CRON say when each is due in the period
(Thursday 15:00, Friday 15:30). The jobs look every day at that time: once the moment
has come, a coordinator still missing a report gets it on the first day that is a
working day for one of those areas, and not at all when the period has no working day
left. Keys name the coordinator and the period, so each goes at most once per period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.cron import cron_trigger
from bot.i18n import Translator
from bot.jobs.base import JobRun, JobSpec, Notice, daily, register
from bot.messages import Button, Outgoing
from bot.workdays import ReportPeriod, load_calendar, report_period
from storage.queries_geo import Area
from storage.store import Tx


class Kind(StrEnum):
    """The two reminders of a period."""

    FIRST = "first"
    LAST = "last"


CRON = {Kind.FIRST: "PRASAN_REMINDER_CRON", Kind.LAST: "PRASAN_LAST_CALL_CRON"}


def local_bounds(period: ReportPeriod, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period as [start, end) instants."""
    start = datetime.combine(period.first, time(), tz)
    return start, datetime.combine(period.last + timedelta(days=1), time(), tz)


def due_at(expr: str, tz: ZoneInfo, period: ReportPeriod) -> datetime | None:
    """The crontab's first moment within the period (None: it never fires in it)."""
    if not expr:
        return None
    start, end = local_bounds(period, tz)
    first = cron_trigger(expr, tz).get_next_fire_time(None, start)
    return first if first is not None and first < end else None


@dataclass(frozen=True)
class Missing:
    """A coordinator and the areas still without a progress report this period."""

    person_id: int
    areas: list[Area]


async def missing_reports(tx: Tx, period: ReportPeriod, tz: ZoneInfo) -> list[Missing]:
    """Active coordinators with at least one area lacking a progress report in the period."""
    start, end = local_bounds(period, tz)
    reported = await tx.reported_areas(start, end)
    found = []
    for pid, _name, _role in await tx.active_people(("coordinator",)):
        areas = [a for a in await tx.areas_of_person(pid) if a.id not in reported]
        if areas:
            found.append(Missing(pid, areas))
    return found


async def remind(tx: Tx, run: JobRun, kind: Kind) -> list[Notice]:
    """The reminders (or last calls) due now; all missing ones when an admin forces it."""
    settings, tz = run.settings, run.tz
    today = run.local.date()
    period = report_period(settings.PRASAN_REPORT_PERIOD, today)
    if not run.forced:
        due = due_at(getattr(settings, CRON[kind]), tz, period)
        if due is None or due > run.at:
            return []  # not yet due in this period
    calendar = await load_calendar(tx)
    _, end = local_bounds(period, tz)
    notices = []
    for m in await missing_reports(tx, period, tz):
        leave = await tx.leave_of(m.person_id, today)
        if leave is not None and leave.starts_on <= today:
            continue
        if not run.forced and not calendar.working_for_any(today, m.areas):
            continue  # a later day's run sends it, if the period has a working day left
        notices.append(
            Notice(
                m.person_id, Reminder(kind, settings.PRASAN_REPORT_PERIOD, tuple(m.areas)),
                f"remind:{kind}:{m.person_id}:{period.key}", not_after=end,
                tag=f"remind:{kind}:{period.key}",
            )
        )  # fmt: skip
    return notices


@dataclass(frozen=True)
class Reminder:
    """Renders one reminder in the reader's language (a Compose)."""

    kind: Kind
    period: str  # week | month
    areas: tuple[Area, ...]

    def __call__(self, t: Translator) -> list[Outgoing]:
        """The reminder: which areas, one button per area, and the leave options."""
        heads = {
            (Kind.FIRST, "week"): t("🔔 A gentle reminder: this week's progress report is not in "
                                    "yet for:"),
            (Kind.FIRST, "month"): t("🔔 A gentle reminder: this month's progress report is not "
                                     "in yet for:"),
            (Kind.LAST, "week"): t("⏰ Last call for this week: the progress report is still "
                                   "missing for:"),
            (Kind.LAST, "month"): t("⏰ Last call for this month: the progress report is still "
                                    "missing for:"),
        }  # fmt: skip
        lines = [heads[(self.kind, self.period)]]
        lines += [f"• {a.name} ({a.district})" for a in self.areas]
        lines.append(t("Press a button below to report now. Thank you for your work! 🙏"))
        buttons = [
            Button(t("📝 Report: {area}", area=a.name), f"remind:report:{a.code}")
            for a in self.areas
        ]
        buttons += [
            Button(t("🏖️ On leave this week"), "leave:week"),
            Button(t("📅 On leave until…"), "leave:ask"),
        ]
        return [Outgoing("\n".join(lines), tuple(buttons))]


async def first_reminder(tx: Tx, run: JobRun) -> list[Notice]:
    """The reminder (PRASAN_REMINDER_CRON, moved to the next working day on a holiday)."""
    return await remind(tx, run, Kind.FIRST)


async def last_call(tx: Tx, run: JobRun) -> list[Notice]:
    """The last call (PRASAN_LAST_CALL_CRON), to those still missing a report."""
    return await remind(tx, run, Kind.LAST)


REMINDER = register(JobSpec("reminder", first_reminder, daily, cron_setting="reminder_check_cron"))
LAST_CALL = register(JobSpec("last-call", last_call, daily, cron_setting="last_call_check_cron"))
