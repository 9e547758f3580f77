"""Housekeeping jobs: images past their 30 days are deleted once a day."""

from __future__ import annotations

import logging

from bot import media
from bot.jobs.base import JobRun, JobSpec, Notice, daily, register
from storage.store import Tx

log = logging.getLogger(__name__)


async def purge_media(tx: Tx, run: JobRun) -> list[Notice]:
    """Delete expired images (charts, report photos); nobody is notified."""
    removed = await media.purge_expired(tx)
    log.info("expired media deleted count=%d", removed)
    return []


MEDIA_CLEANUP = register(
    JobSpec("media-cleanup", purge_media, daily, cron_setting="PRASAN_MEDIA_CLEANUP_CRON")
)
