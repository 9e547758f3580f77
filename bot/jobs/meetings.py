"""Meeting notices: invitation, update, re-notice, reminders, cancellation — each once per person.

Runs every minute (PRASAN_MEETING_CRON). Each run works out, for every meeting
not yet begun, which notices are due *now* and returns them under keys that name
the meeting, the kind and the person (`meeting:<id>:remind-2h:<person>`), so
runs that overlap or repeat queue nothing twice. A reminder is due only inside
its window and carries `not_after`, so one whose moment has passed is not sent
late; those who declined get no reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.jobs.base import JobRun, JobSpec, Notice, minutely, register
from bot.meeting_notices import Kind, compose
from storage.queries_meetings import Invitee, Meeting
from storage.store import Tx

DAY_BEFORE = timedelta(hours=24)
HOURS_BEFORE = timedelta(hours=2)
WINDOW = timedelta(hours=3)  # how late the day-before reminder may still go
RENOTICE_AFTER = timedelta(hours=48)


def _key(m: Meeting, kind: Kind, person_id: int, version: int | None = None) -> str:
    part = f"{kind}:{version}" if version is not None else str(kind)
    return f"meeting:{m.id}:{part}:{person_id}"


def due(m: Meeting, i: Invitee, now: datetime) -> list[tuple[Kind, str, datetime]]:
    """(kind, key, not_after) of the notices this invitee should have by now."""
    start = m.starts_at
    if m.status == "cancelled":
        told = i.notified_version is not None
        return [(Kind.CANCEL, _key(m, Kind.CANCEL, i.person_id), start)] if told else []
    if i.notified_version is None:
        return [(Kind.NOTICE, _key(m, Kind.NOTICE, i.person_id), start)]
    found = []
    if i.notified_version < m.version:
        found.append((Kind.UPDATE, _key(m, Kind.UPDATE, i.person_id, m.version), start))
    if i.answer is None and now >= i.invited_at + RENOTICE_AFTER:
        found.append((Kind.RENOTICE, _key(m, Kind.RENOTICE, i.person_id), start))
    if i.answer != "no":
        day = start - DAY_BEFORE
        last_day = min(day + WINDOW, start - HOURS_BEFORE)
        if i.invited_at < day and day <= now < last_day:
            found.append((Kind.REMIND_DAY, _key(m, Kind.REMIND_DAY, i.person_id), last_day))
        hours = start - HOURS_BEFORE
        if i.invited_at < hours and hours <= now:
            found.append((Kind.REMIND_HOURS, _key(m, Kind.REMIND_HOURS, i.person_id), start))
    return found


async def meeting_notices(tx: Tx, run: JobRun) -> list[Notice]:
    """The notices due now for every meeting that has not started."""
    notices: list[Notice] = []
    for m in await tx.meetings_list(after=run.now):
        told: list[int] = []
        for i in await tx.invitees(m.id):
            for kind, key, not_after in due(m, i, run.now):
                message = compose(kind, m, run.tz, answered=i.answer)
                notices.append(Notice(i.person_id, message, key, not_after=not_after, tag=m.tag))
                if kind in (Kind.NOTICE, Kind.UPDATE):
                    told.append(i.person_id)
        if m.status == "scheduled":
            await tx.mark_notified(m.id, told, m.version)
    return notices


SPEC = register(JobSpec("meetings", meeting_notices, minutely, cron_setting="PRASAN_MEETING_CRON"))
