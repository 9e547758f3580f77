"""Leases: one holder at a time for a named duty (taken over when the holder stops renewing),
and one transaction at a time for a person's messages."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import cast, delete, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import inbox, leases

if TYPE_CHECKING:
    from storage.store import Tx


# The first key of the two-key advisory locks on people ("pers"); one-key locks (migrations)
# live in another key space, so the two never collide.
PERSON_LOCKS = 0x70657273


class LeaseQueries:
    """Take, renew, release and read leases."""

    async def lease_take(
        self: Tx, name: str, holder: str, ttl: timedelta, *, replacing: str | None = None
    ) -> bool:
        """Take or renew the lease for `ttl`; False while another holder's lease runs, unless
        that holder is `replacing` (known to be dead)."""
        now = self.now()
        insert = (postgresql if self.dialect == "postgresql" else sqlite).insert(leases)
        stmt = insert.values(name=name, holder=holder, expires_at=now + ttl)
        # One statement, so two processes taking an expired lease at once cannot both win.
        stmt = stmt.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
            where=or_(
                leases.c.holder == holder,
                leases.c.expires_at < now,
                leases.c.holder == (replacing or holder),
            ),
        )
        res = await self.conn.execute(stmt)
        return bool(res.rowcount == 1)

    async def lease_release(self: Tx, name: str, holder: str) -> None:
        """Give the lease up at once (a clean stop), if we still hold it."""
        await self.conn.execute(
            delete(leases).where(leases.c.name == name, leases.c.holder == holder)
        )

    async def lease_holder(self: Tx, name: str) -> tuple[str, datetime] | None:
        """Who holds the lease and until when (it may have run out)."""
        row = (
            await self.conn.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == name)
            )
        ).first()
        return None if row is None else (row.holder, row.expires_at)

    async def person_turn(
        self: Tx, channel: str, user_id: str, inbox_id: int | None
    ) -> list[tuple[int, str]]:
        """Wait for this person's turn; then their earlier unprocessed events: (id, payload).

        PostgreSQL only (several web processes): a transaction-scoped advisory lock on the
        person, so their messages never run side by side in two processes, and the events
        accepted before `inbox_id` that another process has not processed yet, so the
        caller can handle them first, in arrival order. On SQLite one process owns the
        writer and its per-person order, so nothing to wait for.
        """
        if self.dialect != "postgresql":
            return []
        await self.conn.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": PERSON_LOCKS, "key": _key32(f"{channel}:{user_id}")},
        )
        if inbox_id is None:
            return []
        # Few rows: only events accepted and not yet processed (ix_inbox_unprocessed).
        rows = await self.conn.execute(
            select(inbox.c.id, inbox.c.payload)
            .where(
                inbox.c.processed_at.is_(None),
                inbox.c.channel == channel,
                inbox.c.id < inbox_id,
                cast(inbox.c.payload, postgresql.JSONB)["user_id"].astext == user_id,
            )
            .order_by(inbox.c.id)
        )
        return [(int(i), p) for i, p in rows.all()]


def _key32(name: str) -> int:
    # A stable signed 32-bit key (Python's hash() differs between processes).
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), signed=True)
