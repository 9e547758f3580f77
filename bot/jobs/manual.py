"""Jobs an admin runs by hand (`prasan remind|digest --send-now`)."""

from __future__ import annotations

from dataclasses import replace

from bot.config import Settings
from bot.jobs.base import JobSpec, Trigger
from bot.jobs.runner import RunOutcome, run_job
from storage.store import Store


async def send_now(store: Store, spec: JobSpec, settings: Settings) -> RunOutcome:
    """Run a job now, even on a non-working day, and record it as its own CLI run.

    The ledger row gets its own period label, so the scheduled period is left as it
    was; what reaches people is still guarded by the notices' once-per-period keys.
    """
    now = store.clock()
    stamp = now.astimezone(settings.timezone).strftime("%H:%M:%S.%f")
    by_hand = replace(spec, period=lambda local: f"{spec.period(local)} cli {stamp}")
    return await run_job(store, by_hand, settings, at=now, trigger=Trigger.CLI)
