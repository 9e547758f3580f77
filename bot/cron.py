"""Crontab lines as operators write them, turned into APScheduler triggers."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _dow_names(field: str) -> str:
    # APScheduler 3 numbers weekdays from Monday = 0; crontab from Sunday = 0 (or 7).
    # Operators write crontab, so digits are translated to names, which both agree on.
    return re.sub(
        r"(?<![/\d])\d+",
        lambda m: _DOW_NAMES[int(m.group())] if int(m.group()) <= 7 else "x",
        field,
    )


def cron_trigger(expr: str, tz: ZoneInfo) -> CronTrigger:
    """A CronTrigger from a standard 5-field crontab line, in the programme's zone."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("expected 5 crontab fields: minute hour day month weekday")
    minute, hour, day, month, dow = fields
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=_dow_names(dow), timezone=tz
    )


def daily_at(expr: str) -> str:
    """The same minute and hour every day: `0 15 * * thu` -> `0 15 * * *` ('' stays '')."""
    fields = expr.split()
    return f"{fields[0]} {fields[1]} * * *" if len(fields) == 5 else ""
