"""Leases: one holder at a time for a named duty, taken over when the holder stops renewing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import leases

if TYPE_CHECKING:
    from storage.store import Tx


class LeaseQueries:
    """Take, renew, release and read leases."""

    async def lease_take(self: Tx, name: str, holder: str, ttl: timedelta) -> bool:
        """Take or renew the lease for `ttl`; False while another holder's lease runs."""
        now = self.now()
        insert = (postgresql if self.dialect == "postgresql" else sqlite).insert(leases)
        stmt = insert.values(name=name, holder=holder, expires_at=now + ttl)
        # One statement, so two processes taking an expired lease at once cannot both win.
        stmt = stmt.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
            where=or_(leases.c.holder == holder, leases.c.expires_at < now),
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
