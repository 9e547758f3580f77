"""Conversation state, the inbound inbox and the outbound outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update

from storage import hot_sqlite as hot
from storage.prepared import statements
from storage.schema import conversations, identities, inbox, outbox

if TYPE_CHECKING:
    from storage.store import Tx

# A claimed outbox row whose sender died is picked up again after this long.
SEND_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Conversation:
    """Where a person is in a flow, and what they have told us so far."""

    flow: str
    state: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class OutboxRow:
    """One message batch waiting to go to one recipient."""

    id: int
    channel: str
    recipient: str
    payload: str
    dedupe_key: str
    retry_key: str
    reply_token: str | None
    attempts: int
    created_at: datetime
    batch_key: str | None = None  # the LINE multicast it belongs to (its retry key)
    failing_since: datetime | None = None
    tag: str | None = None

    def leased(self) -> OutboxRow:
        """The row as a claim leaves it: one attempt more."""
        return replace(self, attempts=self.attempts + 1)

    def in_batch(self, key: str) -> OutboxRow:
        """The row grouped into the multicast with this key."""
        return replace(self, batch_key=key)


class MessagingQueries:
    """Queries over conversations, inbox and outbox."""

    async def conversation(self: Tx, person_id: int) -> Conversation | None:
        """The person's flow in progress, if any."""
        if self.raw is not None:
            got = hot.conversation(self.raw, person_id)
            return None if got is None else Conversation(got[0], got[1], dict(got[2]), got[3])
        stmt = statements(self.dialect).conversation_get
        row = (await self.conn.execute(stmt, {"person_id": person_id})).first()
        if row is None:
            return None
        return Conversation(row.flow, row.state, dict(row.data), row.updated_at)

    async def save_conversation(
        self: Tx, person_id: int, flow: str, state: str, data: dict[str, Any]
    ) -> None:
        """Replace the person's conversation state."""
        if self.raw is not None:
            hot.save_conversation(self.raw, person_id, flow, state, data, self.now())
            return
        await self.conn.execute(
            statements(self.dialect).conversation_put,
            {"person_id": person_id, "flow": flow, "state": state, "data": data,
             "updated_at": self.now()},
        )  # fmt: skip

    async def clear_conversation(self: Tx, person_id: int) -> None:
        """Forget the flow in progress."""
        if self.raw is not None:
            hot.clear_conversation(self.raw, person_id)
            return
        await self.conn.execute(delete(conversations).where(conversations.c.person_id == person_id))

    async def inbox_add(
        self: Tx, channel: str, event_id: str, payload: str, processed: bool = False
    ) -> int | None:
        """Record an inbound event; None when it was already recorded (a redelivery).

        `processed=True` when the caller handles the event in this same transaction.
        """
        now = self.now()
        if self.raw is not None:
            return hot.inbox_add(self.raw, channel, event_id, payload, now, processed)
        res = await self.conn.execute(
            statements(self.dialect).inbox_add,
            {"channel": channel, "event_id": event_id, "payload": payload, "received_at": now,
             "processed_at": now if processed else None},
        )  # fmt: skip
        got = res.scalar_one_or_none()
        return None if got is None else int(got)

    async def inbox_done(self: Tx, inbox_id: int) -> bool:
        """Mark an inbound event processed; False if another worker got there first."""
        if self.raw is not None:
            return hot.inbox_done(self.raw, inbox_id, self.now())
        res = await self.conn.execute(
            update(inbox)
            .where(inbox.c.id == inbox_id, inbox.c.processed_at.is_(None))
            .values(processed_at=self.now())
        )
        return res.rowcount == 1

    async def inbox_pending(
        self: Tx, limit: int = 100, older_than: float = 0.0
    ) -> list[tuple[int, str]]:
        """Unprocessed inbound events received more than `older_than` s ago: (id, payload)."""
        cutoff = self.now() - timedelta(seconds=older_than)
        rows = await self.conn.execute(
            select(inbox.c.id, inbox.c.payload)
            .where(inbox.c.processed_at.is_(None), inbox.c.received_at <= cutoff)
            .order_by(inbox.c.id)
            .limit(limit)
        )
        return [(int(i), p) for i, p in rows.all()]

    async def enqueue(
        self: Tx,
        channel: str,
        recipient: str,
        payload: str,
        dedupe_key: str,
        reply_token: str | None = None,
        not_before: datetime | None = None,
        leased: bool = False,
        leased_by: str | None = None,
    ) -> int | None:
        """Queue messages for a recipient; None if this dedupe key was queued before.

        `leased=True` queues the row already claimed by the caller (`leased_by`), who sends
        it right after commit; if the caller dies first, it takes the row back when it
        starts again, or another sender does when the lease runs out.
        """
        row = await self.enqueue_row(channel, recipient, payload, dedupe_key, reply_token,
                                     not_before, leased, leased_by)  # fmt: skip
        return None if row is None else row.id

    async def enqueue_row(
        self: Tx,
        channel: str,
        recipient: str,
        payload: str,
        dedupe_key: str,
        reply_token: str | None = None,
        not_before: datetime | None = None,
        leased: bool = False,
        leased_by: str | None = None,
    ) -> OutboxRow | None:
        """Like `enqueue`, returning the whole row (for sending at once when leased)."""
        now = self.now()
        retry_key = str(uuid.uuid4())
        values = {"channel": channel, "recipient": recipient, "payload": payload,
                  "dedupe_key": dedupe_key, "retry_key": retry_key, "reply_token": reply_token,
                  "status": "sending" if leased else "pending", "attempts": 1 if leased else 0,
                  "next_attempt_at": now + SEND_LEASE if leased else (not_before or now),
                  "created_at": now, "leased_by": leased_by if leased else None}  # fmt: skip
        if self.raw is not None:
            values["next_attempt_at"] = hot.ts(values["next_attempt_at"])  # type: ignore[arg-type]
            values["created_at"] = hot.ts(now)
            got = hot.outbox_add(self.raw, tuple(values.values()))
        else:
            res = await self.conn.execute(statements(self.dialect).outbox_add, values)
            got = res.scalar_one_or_none()
        if got is None:
            return None
        return OutboxRow(int(got), channel, recipient, payload, dedupe_key, retry_key,
                         reply_token, 1 if leased else 0, now)  # fmt: skip

    async def block_recipient(self: Tx, channel: str, recipient: str) -> None:
        """The user blocked the bot: mark the identity inactive, drop their queued rows."""
        await self.conn.execute(
            update(identities)
            .where(identities.c.channel == channel, identities.c.external_id == recipient)
            .values(active=False)
        )
        await self.conn.execute(
            update(outbox)
            .where(
                outbox.c.channel == channel,
                outbox.c.recipient == recipient,
                outbox.c.status.in_(("pending", "sending")),
            )
            .values(status="blocked", last_error="recipient blocked the bot")
        )

    async def outbox_rows(self: Tx, status: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows for inspection and tests."""
        q = select(outbox).order_by(outbox.c.id)
        if status:
            q = q.where(outbox.c.status == status)
        return [dict(r._mapping) for r in await self.conn.execute(q)]

    async def outbox_counts(self: Tx) -> dict[str, int]:
        """Rows per status."""
        rows = await self.conn.execute(
            select(outbox.c.status, func.count()).group_by(outbox.c.status)
        )
        return {s: int(n) for s, n in rows.all()}
