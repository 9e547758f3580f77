"""Retention and erasure, as the daily job, `prasan retention` and `prasan people erase` run them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.access import ERASED_NAME
from storage.audit import AuditAction, audit
from storage.queries_privacy import Redaction
from storage.store import Tx

# Processed inbox events and sent outbox messages repeat report text; they are only
# needed for a short while (redeliveries, delivery questions), so they go sooner.
TRANSIENT_DAYS = 30
RETENTION_ACTOR = "system:retention"


@dataclass(frozen=True)
class RetentionResult:
    """What one retention pass removed, or would remove."""

    cutoff: datetime
    reports: Redaction
    inbox: int
    outbox: int


async def run_retention(
    tx: Tx, now: datetime, days: int, *, apply: bool, actor: str = RETENTION_ACTOR
) -> RetentionResult:
    """Redact reports older than `days` (text, photos, precise location) and old messages."""
    cutoff = now - timedelta(days=days)
    found = await tx.expire_reports(cutoff, apply=apply)
    transient = now - timedelta(days=min(days, TRANSIENT_DAYS))
    n_in, n_out = await tx.expire_transient(transient, cutoff, apply=apply)
    if apply and (found.reports or n_in or n_out):
        await audit(tx, actor, AuditAction.RETENTION,
                    {"cutoff": cutoff.isoformat(), "reports": found.reports,
                     "photos": found.photos, "locations": found.locations,
                     "inbox": n_in, "outbox": n_out})  # fmt: skip
    return RetentionResult(cutoff, replace(found, photo_refs=()), n_in, n_out)


async def erase_person(tx: Tx, actor: str, person_id: int) -> Redaction | None:
    """Erase a person on their request; None when there is no such person. Cannot be undone."""
    person = await tx.person(person_id)
    if person is None:
        return None
    done = await tx.erase_person(person_id, ERASED_NAME)
    await audit(tx, actor, AuditAction.ERASED,
                {"person_id": person_id, "reports": done.reports, "photos": done.photos,
                 "locations": done.locations, "messages": done.inbox + done.outbox})  # fmt: skip
    return done
