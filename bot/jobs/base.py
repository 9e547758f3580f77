"""What a scheduled job is: a plain async function of a period that returns notices.

A job knows nothing of channels or APScheduler. It reads storage inside the
transaction it is given and returns `Notice`s; the runner queues them through
`notify` in that same transaction, under dedupe keys that name the person and the
period, so a period can be run again (restart, catch-up, a second worker, the CLI)
and still reaches each person once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.cron import cron_trigger as cron_trigger
from bot.notify import Compose
from storage.store import Store, Tx


class Trigger(StrEnum):
    """Who started a run (recorded in job_runs)."""

    CRON = "cron"
    CATCH_UP = "catch-up"
    CLI = "cli"


@dataclass(frozen=True)
class Notice:
    """One message a job wants a person to get, once per key."""

    person_id: int
    compose: Compose
    key: str
    send_at: datetime | None = None
    not_after: datetime | None = None
    tag: str | None = None


@dataclass(frozen=True)
class JobRun:
    """The period a job is asked to handle, and when."""

    job: str
    period: str
    at: datetime  # the scheduled moment this period belongs to (aware UTC)
    now: datetime  # when the run actually happens (aware UTC; later on a catch-up)
    settings: Settings
    trigger: Trigger = Trigger.CRON
    prepared: object = None  # what the spec's `prepare` made before the transaction

    @property
    def tz(self) -> ZoneInfo:
        """The programme's time zone."""
        return self.settings.timezone

    @property
    def local(self) -> datetime:
        """The scheduled moment on the programme's clock."""
        return self.at.astimezone(self.tz)

    @property
    def forced(self) -> bool:
        """An admin asked for it explicitly (send even on a non-working day)."""
        return self.trigger == Trigger.CLI


JobFn = Callable[[Tx, JobRun], Awaitable[list[Notice]]]
PrepareFn = Callable[[Store, JobRun], Awaitable[object]]


@dataclass(frozen=True)
class JobSpec:
    """A registered job: its function, how a moment maps to a period, and its cron setting."""

    name: str
    func: JobFn
    period: Callable[[datetime], str]  # local scheduled moment -> period key
    cron_setting: str | None = None  # the Settings field holding its crontab, if scheduled
    # Slow work (drawing charts) done before the job's transaction and handed in as
    # run.prepared: on SQLite a transaction holds the process's only writer while it lasts.
    prepare: PrepareFn | None = None


JOBS: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    """Make a job known to the scheduler and the CLI."""
    JOBS[spec.name] = spec
    return spec


def daily(local: datetime) -> str:
    """Period key of a day: 2026-11-30."""
    return local.date().isoformat()


def weekly(local: datetime) -> str:
    """Period key of an ISO week (Monday to Sunday): 2026-W49."""
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def monthly(local: datetime) -> str:
    """Period key of a month: 2026-11."""
    return f"{local.year}-{local.month:02d}"


def minutely(local: datetime) -> str:
    """Period key of a minute, for jobs that run often and dedupe per item."""
    return local.strftime("%Y-%m-%dT%H:%M")
