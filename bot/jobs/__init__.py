"""Scheduled jobs (reminders, digests, meeting notices, follow-up, retention).

Each job module registers a `JobSpec` in `JOBS` when imported; importing this
package imports them all, so the scheduler and the CLI see every job.
"""

from __future__ import annotations

from bot.jobs import digests as digests

# Job modules register themselves on import; add new ones here.
from bot.jobs import escalation as escalation
from bot.jobs import housekeeping as housekeeping  # media cleanup
from bot.jobs import meetings as meetings
from bot.jobs import reminders as reminders
from bot.jobs import retention as retention
from bot.jobs.base import (
    JOBS,
    JobRun,
    JobSpec,
    Notice,
    Trigger,
    cron_trigger,
    daily,
    minutely,
    monthly,
    register,
    weekly,
)
from bot.jobs.runner import Preview, RunOutcome, RunStatus, catch_up, preview_job, run_job

__all__ = [
    "JOBS",
    "JobRun",
    "JobSpec",
    "Notice",
    "Preview",
    "RunOutcome",
    "RunStatus",
    "Trigger",
    "catch_up",
    "cron_trigger",
    "daily",
    "minutely",
    "monthly",
    "preview_job",
    "register",
    "run_job",
    "weekly",
]
