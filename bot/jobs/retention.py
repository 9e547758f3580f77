"""Retention, daily: reports older than PRASAN_RETENTION_DAYS lose their free text, photos
and precise location; counts, categories, urgency, areas and dates stay (see bot.privacy)."""

from __future__ import annotations

from bot.jobs.base import JobRun, JobSpec, Notice, daily, register
from bot.privacy import run_retention
from storage.store import Tx


async def retention(tx: Tx, run: JobRun) -> list[Notice]:
    """Redact what is past the retention period (audited when anything went); tells no one."""
    await run_retention(tx, run.now, run.settings.PRASAN_RETENTION_DAYS, apply=True)
    return []


SPEC = register(JobSpec("retention", retention, daily, cron_setting="PRASAN_RETENTION_CRON"))
