"""Broadcasts: the committed intent, its resumable expansion, and per-recipient status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from storage.queries_audience import Target, dump_targets, load_targets
from storage.schema import broadcasts, outbox, people

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class Broadcast:
    """One broadcast as stored."""

    id: int
    created_at: datetime
    created_by: int | None
    actor: str
    text: str
    translations: dict[str, str]
    photo: str | None
    targets: list[Target]
    send_at: datetime
    status: str  # pending | expanding | queued | done
    cursor: int
    queued: int
    unreachable: int
    reported_at: datetime | None

    @property
    def tag(self) -> str:
        """The outbox tag of its rows."""
        return f"broadcast:{self.id}"


def _broadcast(m: Any) -> Broadcast:
    values = dict(m)
    values["targets"] = load_targets(values["targets"])
    return Broadcast(**values)


@dataclass(frozen=True)
class RecipientStatus:
    """One recipient of a broadcast and what became of their message."""

    person_id: int
    name: str
    channel: str
    status: str
    sent_at: datetime | None


class BroadcastQueries:
    """Storing and expanding broadcasts."""

    async def create_broadcast(
        self: Tx,
        *,
        text: str,
        targets: list[Target],
        send_at: datetime,
        actor: str,
        created_by: int | None = None,
        translations: dict[str, str] | None = None,
        photo: str | None = None,
    ) -> int:
        """Record a broadcast (pending); a job expands it into outbox rows when due."""
        res = await self.conn.execute(
            broadcasts.insert()
            .values(
                created_at=self.now(), created_by=created_by, actor=actor, text=text,
                translations=translations or {}, photo=photo, targets=dump_targets(targets),
                send_at=send_at, status="pending", cursor=0, queued=0, unreachable=0,
            )
            .returning(broadcasts.c.id)
        )  # fmt: skip
        return int(res.scalar_one())

    async def broadcast(self: Tx, broadcast_id: int) -> Broadcast | None:
        """One broadcast by id."""
        row = (
            await self.conn.execute(select(broadcasts).where(broadcasts.c.id == broadcast_id))
        ).first()
        return None if row is None else _broadcast(row._mapping)

    async def broadcasts_list(self: Tx, limit: int = 50) -> list[Broadcast]:
        """The latest broadcasts, newest first."""
        rows = await self.conn.execute(
            select(broadcasts).order_by(broadcasts.c.id.desc()).limit(limit)
        )
        return [_broadcast(r._mapping) for r in rows]

    async def broadcasts_in(self: Tx, statuses: tuple[str, ...]) -> list[Broadcast]:
        """Broadcasts in these states, oldest first."""
        rows = await self.conn.execute(
            select(broadcasts).where(broadcasts.c.status.in_(statuses)).order_by(broadcasts.c.id)
        )
        return [_broadcast(r._mapping) for r in rows]

    async def broadcast_progress(
        self: Tx, broadcast_id: int, *, cursor: int, queued: int, unreachable: int, status: str
    ) -> None:
        """Record how far the expansion got (in the same transaction as the rows it queued)."""
        await self.conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id)
            .values(
                cursor=cursor,
                queued=broadcasts.c.queued + queued,
                unreachable=broadcasts.c.unreachable + unreachable,
                status=status,
            )
        )

    async def broadcast_reported(self: Tx, broadcast_id: int) -> bool:
        """Mark the delivery report as done; False when another process did it first."""
        res = await self.conn.execute(
            update(broadcasts)
            .where(broadcasts.c.id == broadcast_id, broadcasts.c.status == "queued")
            .values(status="done", reported_at=self.now())
        )
        return res.rowcount == 1

    async def broadcast_recipients(self: Tx, broadcast_id: int) -> list[RecipientStatus]:
        """Each queued recipient with the state of their message."""
        rows = await self.conn.execute(
            select(
                outbox.c.person_id,
                people.c.name,
                outbox.c.channel,
                outbox.c.status,
                outbox.c.sent_at,
            )
            .select_from(outbox.join(people, outbox.c.person_id == people.c.id))
            .where(outbox.c.tag == f"broadcast:{broadcast_id}")
            .order_by(outbox.c.person_id)
        )
        return [RecipientStatus(*r) for r in rows.all()]
