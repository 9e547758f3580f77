"""Escalation: a high-urgency problem nobody acknowledged within PRASAN_ESCALATE_AFTER of
working time goes to the admins, once (the notice key names the problem and the admin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.config import parse_duration
from bot.i18n import Translator
from bot.jobs.base import JobRun, JobSpec, Notice, minutely, register
from bot.messages import Button, Outgoing
from bot.workdays import load_calendar
from storage.queries_tickets import Ticket
from storage.store import Tx

# Office hours in the programme's time zone; which days count comes from the holiday
# calendar of the problem's area (bot/workdays: weekends, national and regional holidays,
# admin closures).
DAY_START, DAY_END = time(8, 30), time(16, 30)
LOOK_BACK = timedelta(days=60)  # older open problems were escalated long ago


def weekdays(day: date) -> bool:
    """Monday to Friday: the default when no calendar is given."""
    return day.weekday() < 5


def working_time(
    start: datetime, end: datetime, tz: ZoneInfo, is_working: Callable[[date], bool] = weekdays
) -> timedelta:
    """Office hours on working days between two moments."""
    total = timedelta()
    if end <= start:
        return total
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if is_working(day):
            opens = datetime.combine(day, DAY_START, tz)
            closes = datetime.combine(day, DAY_END, tz)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total


def _compose(ticket: Ticket, waited: timedelta):  # type: ignore[no-untyped-def]
    def compose(t: Translator) -> list[Outgoing]:
        hours = int(waited.total_seconds() // 3600)
        text = "\n".join([
            t("⏰ Urgent problem #{id} in {area} has not been acknowledged after {hours} working "
              "hours.", id=ticket.id, area=ticket.area_name or "-", hours=hours),
            t("Reported by: {name}", name=ticket.reporter),
        ])  # fmt: skip
        button = Button(t("🔎 Details #{id}", id=ticket.id), f"ticket:{ticket.id}:view")
        return [Outgoing(text, (button,))]

    return compose


async def escalate(tx: Tx, run: JobRun) -> list[Notice]:
    """Notices to every active admin for each overdue unacknowledged high-urgency problem."""
    after = parse_duration(run.settings.PRASAN_ESCALATE_AFTER)
    overdue = []
    calendar = await load_calendar(tx)
    for ticket in await tx.unacknowledged_high(run.now - LOOK_BACK):
        area = await tx.area_by_id(ticket.area_id) if ticket.area_id is not None else None
        waited = working_time(ticket.created_at, run.now, run.tz,
                              partial(calendar.is_working_day, area=area))  # fmt: skip
        if waited >= after:
            overdue.append((ticket, waited))
    if not overdue:
        return []
    admins = [p for p in await tx.people_list() if p.role == "admin" and p.active]
    return [
        Notice(
            admin.id,
            _compose(ticket, waited),
            f"escalate:{ticket.id}:{admin.id}",
            tag=f"ticket:{ticket.id}",
        )
        for ticket, waited in overdue
        for admin in admins
    ]


SPEC = register(JobSpec("escalate", escalate, minutely, cron_setting="PRASAN_ESCALATE_CRON"))
