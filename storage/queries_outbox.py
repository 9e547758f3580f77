"""The outbox seen from the sender: claiming due rows, recording outcomes, inspecting, re-queuing.

Row statuses: pending (waiting, maybe until next_attempt_at) · sending (leased to a sender
until next_attempt_at) · sent · blocked (the recipient blocked the bot) · expired (its moment,
not_after, passed before it could go) · dead (given up on: an admin may re-queue it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, or_, select, update

from storage import hot_sqlite as hot
from storage.queries_messaging import SEND_LEASE, OutboxRow
from storage.schema import identities, inbox, outbox, people

if TYPE_CHECKING:
    from storage.store import Tx

MULTICAST_MAX = 500  # LINE: user ids per multicast call
WAITING = ("pending", "sending")


@dataclass(frozen=True)
class Claimed:
    """Rows leased to one sender, with LINE multicast groups already fixed."""

    rows: list[OutboxRow]
    # batch key → the rows that go in one multicast (the key is the call's X-Line-Retry-Key).
    groups: dict[str, list[OutboxRow]]
    expired: int  # rows dropped because their moment passed


@dataclass(frozen=True)
class DeadRow:
    """A message given up on, for `prasan outbox dead`."""

    id: int
    channel: str
    recipient: str
    tag: str | None
    attempts: int
    created_at: datetime
    last_error: str | None


def _row(m: Any) -> OutboxRow:
    return OutboxRow(m["id"], m["channel"], m["recipient"], m["payload"], m["dedupe_key"],
                     m["retry_key"], m["reply_token"], m["attempts"], m["created_at"],
                     m["batch_key"], m["failing_since"], m["tag"])  # fmt: skip


class OutboxQueries:
    """What the sender, the CLI and /metrics ask of the outbox."""

    async def claim_due(
        self: Tx,
        channel: str,
        limit: int,
        leased_by: str,
        *,
        ids: list[int] | None = None,
        recipient: str | None = None,
        multicast: bool = False,
    ) -> Claimed:
        """Lease due rows of one channel; with `multicast`, group identical LINE pushes.

        Rows whose not_after has passed are marked expired instead; rows of blocked
        recipients are marked blocked. A row leased earlier into a multicast group keeps
        its group, so a retry repeats the same call with the same retry key.
        """
        now = self.now()
        expired = await self._sweep(channel, now)
        due = or_(
            and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
            and_(outbox.c.status == "sending", outbox.c.next_attempt_at <= now),
        )
        q = select(outbox).where(outbox.c.channel == channel, due)
        if ids is not None:
            q = q.where(outbox.c.id.in_(ids))
        if recipient is not None:
            q = q.where(outbox.c.recipient == recipient)
        q = q.order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
        if self.dialect == "postgresql":  # several senders: each takes rows the others did not
            q = q.with_for_update(skip_locked=True)
        found = [r._mapping for r in (await self.conn.execute(q)).all()]
        # A multicast group is only ever sent whole: complete groups the limit cut short.
        keys = {m["batch_key"] for m in found if m["batch_key"]}
        if keys:
            seen = {m["id"] for m in found}
            more = select(outbox).where(outbox.c.batch_key.in_(keys), due)
            found += [r._mapping for r in await self.conn.execute(more) if r.id not in seen]
        rows = [_row(m) for m in found]
        if not rows:
            return Claimed([], {}, expired)
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in rows]))
            .values(status="sending", next_attempt_at=now + SEND_LEASE, leased_by=leased_by,
                    attempts=outbox.c.attempts + 1)
        )  # fmt: skip
        rows = [r.leased() for r in rows]
        groups = await self._group(rows) if multicast else {}
        return Claimed(rows, groups, expired)

    async def _sweep(self: Tx, channel: str, now: datetime) -> int:
        """Mark what must not be sent: past its moment (expired), to a blocked recipient.

        Returns how many rows expired."""
        res = await self.conn.execute(
            update(outbox)
            .where(outbox.c.channel == channel, outbox.c.status.in_(WAITING),
                   outbox.c.next_attempt_at <= now, outbox.c.not_after < now)
            .values(status="expired", last_error="its moment passed before it could be sent")
        )  # fmt: skip
        inactive = exists().where(
            identities.c.channel == outbox.c.channel,
            identities.c.external_id == outbox.c.recipient,
            identities.c.active.is_(False),
        )
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.channel == channel, outbox.c.status == "pending", inactive)
            .values(status="blocked", last_error="recipient blocked the bot")
        )
        return int(res.rowcount or 0)

    async def _group(self: Tx, rows: list[OutboxRow]) -> dict[str, list[OutboxRow]]:
        """Identical pushes to two or more people become multicast groups of ≤ 500, fixed in
        the database before any call, so a restart sends the same group under the same key."""
        groups: dict[str, list[OutboxRow]] = {}
        fresh: dict[str, list[OutboxRow]] = {}
        for row in rows:
            if row.batch_key:
                groups.setdefault(row.batch_key, []).append(row)
            elif row.reply_token is None:
                fresh.setdefault(row.payload, []).append(row)
        for same in fresh.values():
            if len(same) < 2:
                continue
            for start in range(0, len(same), MULTICAST_MAX):
                chunk = same[start : start + MULTICAST_MAX]
                key = str(uuid.uuid4())
                await self.conn.execute(
                    update(outbox).where(outbox.c.id.in_([r.id for r in chunk]))
                    .values(batch_key=key)
                )  # fmt: skip
                groups[key] = [r.in_batch(key) for r in chunk]
        return groups

    async def lease_owners(self: Tx) -> list[str]:
        """Who holds the rows being sent right now."""
        rows = await self.conn.execute(
            select(outbox.c.leased_by).where(outbox.c.status == "sending").distinct()
        )
        return [str(r[0]) for r in rows if r[0] is not None]

    async def reclaim_leases(self: Tx, leased_by: list[str]) -> int:
        """At start-up: rows dead senders leased are due now, not when their lease runs out."""
        if not leased_by:
            return 0
        res = await self.conn.execute(
            update(outbox)
            .where(outbox.c.status == "sending", outbox.c.leased_by.in_(leased_by))
            .values(next_attempt_at=self.now())
        )
        return int(res.rowcount or 0)

    async def outbox_delivered(self: Tx, ids: list[int]) -> None:
        """The platform accepted these rows."""
        if self.raw is not None:  # the writer thread: every reply's ack comes this way
            hot.outbox_delivered(self.raw, ids, self.now())
            return
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(status="sent", sent_at=self.now(), reply_token=None, last_error=None,
                    failing_since=None)
        )  # fmt: skip

    async def outbox_later(
        self: Tx, ids: list[int], at: datetime, error: str, *, failed: bool = True
    ) -> None:
        """Try these rows again at `at`; `failed` starts (or continues) their failing window."""
        values: dict[str, Any] = {"status": "pending", "next_attempt_at": at,
                                  "last_error": error[:500]}  # fmt: skip
        if failed:
            values["failing_since"] = func.coalesce(outbox.c.failing_since, self.now())
        else:  # not tried at all (the channel was paused): the attempt does not count
            values["attempts"] = outbox.c.attempts - 1
        await self.conn.execute(update(outbox).where(outbox.c.id.in_(ids)).values(**values))

    async def outbox_drop_reply_token(self: Tx, outbox_id: int) -> None:
        """The reply token was refused: from now on this row goes as a push."""
        await self.conn.execute(
            update(outbox).where(outbox.c.id == outbox_id).values(reply_token=None)
        )

    async def outbox_dead(self: Tx, ids: list[int], error: str) -> None:
        """Give up on these rows (an admin may re-queue them)."""
        await self.conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(status="dead", last_error=error[:500], reply_token=None)
        )

    async def failing_since(self: Tx, outbox_id: int) -> datetime | None:
        """When this row's current run of failures began."""
        got = await self.conn.scalar(select(outbox.c.failing_since).where(outbox.c.id == outbox_id))
        return got  # type: ignore[no-any-return]

    async def dead_rows(self: Tx, limit: int = 200) -> list[DeadRow]:
        """Dead-lettered rows, oldest first."""
        rows = await self.conn.execute(
            select(outbox.c.id, outbox.c.channel, outbox.c.recipient, outbox.c.tag,
                   outbox.c.attempts, outbox.c.created_at, outbox.c.last_error)
            .where(outbox.c.status == "dead").order_by(outbox.c.id).limit(limit)
        )  # fmt: skip
        return [DeadRow(**r._mapping) for r in rows]

    async def requeue_dead(self: Tx, ids: list[int] | None = None) -> int:
        """Put dead rows (these, or all) back in the queue, due now, with a fresh window."""
        q = update(outbox).where(outbox.c.status == "dead")
        if ids is not None:
            q = q.where(outbox.c.id.in_(ids))
        res = await self.conn.execute(
            q.values(status="pending", next_attempt_at=self.now(), failing_since=None,
                     attempts=0, not_after=None)
        )  # fmt: skip
        return int(res.rowcount or 0)

    async def queue_figures(self: Tx) -> dict[tuple[str, str], tuple[int, datetime | None]]:
        """(channel, status) → (rows, oldest created_at among waiting rows)."""
        rows = await self.conn.execute(
            select(
                outbox.c.channel, outbox.c.status, func.count(), func.min(outbox.c.created_at)
            ).group_by(outbox.c.channel, outbox.c.status)
        )
        out: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        for channel, status, count, oldest in rows.all():
            out[(channel, status)] = (int(count), oldest if status in WAITING else None)
        return out

    async def active_admins(self: Tx) -> list[int]:
        """Ids of the active admins (they are told about dead letters and the LINE quota)."""
        rows = await self.conn.execute(
            select(people.c.id).where(people.c.role == "admin", people.c.active.is_(True))
        )
        return [int(i) for (i,) in rows.all()]

    async def inbox_payload(self: Tx, channel: str, event_id: str) -> str | None:
        """The stored event a reply answers (its time tells how old the reply token is)."""
        got = await self.conn.scalar(
            select(inbox.c.payload).where(inbox.c.channel == channel, inbox.c.event_id == event_id)
        )
        return None if got is None else str(got)
