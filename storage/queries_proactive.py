"""Queries of the proactive half: whom to reach (notify), queued notices, job runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, func, select, update

from storage import hot_sqlite as hot
from storage.prepared import statements
from storage.schema import identities, job_runs, outbox

if TYPE_CHECKING:
    from storage.store import Tx

# A run still marked running after this long belongs to a process that died: take it over.
STALE_RUN = timedelta(minutes=15)


@dataclass(frozen=True)
class Reachable:
    """An active person a notice is for: their language and the chat account to use
    (channel and external_id are None when they have no active account left)."""

    person_id: int
    language: str
    channel: str | None
    external_id: str | None


@dataclass(frozen=True)
class JobRunRow:
    """One recorded run of a job period."""

    id: int
    job: str
    period: str
    status: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    notices: int
    error: str | None


class ProactiveQueries:
    """notify's lookups and inserts, and the job_runs ledger."""

    async def reachable(self: Tx, person_id: int) -> Reachable | None:
        """Where to reach a person; None if the person is deactivated or unknown."""
        rows = (
            await self.conn.execute(statements(self.dialect).reachable, {"person_id": person_id})
        ).all()
        if not rows or not rows[0].active:
            return None
        person = rows[0]
        accounts = [r for r in rows if r.channel is not None]
        if not accounts:
            return Reachable(person_id, person.language, None, None)
        preferred = [r for r in accounts if r.channel == person.preferred_channel]
        # The app used last; an identity never seen since registration ranks lowest.
        chosen = preferred[0] if preferred else max(accounts, key=_last_seen_rank)
        return Reachable(person_id, person.language, chosen.channel, chosen.external_id)

    async def enqueue_notice(
        self: Tx,
        to: Reachable,
        payload: str,
        dedupe_key: str,
        *,
        send_at: datetime | None = None,
        not_after: datetime | None = None,
        tag: str | None = None,
    ) -> int | None:
        """Queue a proactive message; None when the key was queued before."""
        assert to.channel is not None and to.external_id is not None
        now = self.now()
        if self.raw is not None:
            return hot.notice_add(self.raw, to.channel, to.external_id, payload, dedupe_key,
                                  str(uuid.uuid4()), send_at or now, now, to.person_id, tag,
                                  not_after)  # fmt: skip
        values = {
            "channel": to.channel, "recipient": to.external_id, "payload": payload,
            "dedupe_key": dedupe_key, "retry_key": str(uuid.uuid4()), "reply_token": None,
            "status": "pending", "attempts": 0, "next_attempt_at": send_at or now,
            "created_at": now, "person_id": to.person_id, "tag": tag, "not_after": not_after,
        }  # fmt: skip
        got = (await self.conn.execute(statements(self.dialect).notice_add, values)).scalar()
        return None if got is None else int(got)

    async def tag_counts(self: Tx, tag: str) -> dict[str, int]:
        """Outbox rows of one tag (a broadcast, a digest round) per status."""
        rows = await self.conn.execute(
            select(outbox.c.status, func.count())
            .where(outbox.c.tag == tag)
            .group_by(outbox.c.status)
        )
        return {s: int(n) for s, n in rows.all()}

    async def touch_identity(self: Tx, identity_id: int) -> None:
        """Remember that this chat account was just used (notify prefers it)."""
        await self.conn.execute(
            update(identities).where(identities.c.id == identity_id).values(last_seen_at=self.now())
        )

    async def job_run(self: Tx, job: str, period: str) -> JobRunRow | None:
        """The recorded run of a job period, if any."""
        row = (
            await self.conn.execute(
                select(job_runs).where(job_runs.c.job == job, job_runs.c.period == period)
            )
        ).first()
        return None if row is None else JobRunRow(**row._mapping)

    async def job_run_begin(self: Tx, job: str, period: str, trigger: str) -> int | None:
        """Claim a job period for this process; None if it is done or another process runs it.

        A failed run, or a running one whose process died (older than STALE_RUN), is
        claimed again: the notices' dedupe keys keep a retried period from sending twice.
        """
        now = self.now()
        res = await self.conn.execute(
            self.insert_ignore(job_runs)
            .values(
                job=job, period=period, status="running", trigger=trigger, started_at=now, notices=0
            )
            .returning(job_runs.c.id)
        )
        got = res.scalar_one_or_none()
        if got is not None:
            return int(got)
        existing = await self.job_run(job, period)
        if existing is None or existing.status == "done":
            return None
        if existing.status == "running" and now - existing.started_at < STALE_RUN:
            return None
        res = await self.conn.execute(
            update(job_runs)
            .where(job_runs.c.id == existing.id, job_runs.c.started_at == existing.started_at)
            .values(status="running", trigger=trigger, started_at=now, finished_at=None, error=None)
        )
        return existing.id if res.rowcount == 1 else None

    async def job_run_finish(self: Tx, run_id: int, notices: int, error: str | None = None) -> None:
        """Record how a claimed run ended."""
        await self.conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(
                status="failed" if error else "done",
                finished_at=self.now(),
                notices=notices,
                error=error[:200] if error else None,
            )
        )

    async def job_runs_recent(self: Tx, limit: int = 30, job: str | None = None) -> list[JobRunRow]:
        """The latest job runs, newest first."""
        q = select(job_runs).order_by(job_runs.c.started_at.desc(), job_runs.c.id.desc())
        if job is not None:
            q = q.where(job_runs.c.job == job)
        rows = await self.conn.execute(q.limit(limit))
        return [JobRunRow(**r._mapping) for r in rows]


NEVER = datetime.min.replace(tzinfo=UTC)


def _last_seen_rank(row: Row[Any]) -> datetime:
    return row.last_seen_at or NEVER
