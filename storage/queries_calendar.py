"""The working-day calendar's admin overrides, and coordinators' leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from storage.schema import holiday_overrides, leaves, people

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class Override:
    """An admin's change to the calendar on one day."""

    day: date
    action: str  # add | remove
    scope: str  # all | regional | province | district | area
    ref_id: int
    name: str | None


@dataclass(frozen=True)
class Leave:
    """A coordinator's leave (inclusive local dates)."""

    person_id: int
    name: str
    starts_on: date
    ends_on: date


class CalendarQueries:
    """Holiday overrides and leave."""

    async def holiday_overrides(self: Tx, since: date | None = None) -> list[Override]:
        """Every override (optionally from a day on), by day."""
        q = select(holiday_overrides).order_by(holiday_overrides.c.day, holiday_overrides.c.id)
        if since is not None:
            q = q.where(holiday_overrides.c.day >= since)
        return [
            Override(r.day, r.action, r.scope, int(r.ref_id), r.name)
            for r in await self.conn.execute(q)
        ]

    async def set_holiday_override(
        self: Tx, day: date, action: str, scope: str, ref_id: int, name: str | None
    ) -> None:
        """Add or replace the override of one day and place."""
        await self.drop_holiday_override(day, scope, ref_id)
        await self.conn.execute(
            holiday_overrides.insert().values(
                day=day, action=action, scope=scope, ref_id=ref_id, name=name,
                created_at=self.now(),
            )
        )  # fmt: skip

    async def drop_holiday_override(self: Tx, day: date, scope: str, ref_id: int) -> bool:
        """Forget the override of one day and place; True if there was one."""
        res = await self.conn.execute(
            delete(holiday_overrides).where(
                holiday_overrides.c.day == day,
                holiday_overrides.c.scope == scope,
                holiday_overrides.c.ref_id == ref_id,
            )
        )
        return bool(res.rowcount)

    async def set_leave(self: Tx, person_id: int, starts_on: date, ends_on: date) -> None:
        """Record leave, replacing any leave of this person that is not over yet."""
        await self.conn.execute(
            delete(leaves).where(leaves.c.person_id == person_id, leaves.c.ends_on >= starts_on)
        )
        await self.conn.execute(
            leaves.insert().values(
                person_id=person_id, starts_on=starts_on, ends_on=ends_on, created_at=self.now()
            )
        )

    async def end_leave(self: Tx, person_id: int, today: date) -> bool:
        """Back at work: leave covering today ends yesterday, later leave is dropped."""
        await self.conn.execute(
            delete(leaves).where(leaves.c.person_id == person_id, leaves.c.starts_on >= today)
        )
        res = await self.conn.execute(
            update(leaves)
            .where(leaves.c.person_id == person_id, leaves.c.ends_on >= today)
            .values(ends_on=date.fromordinal(today.toordinal() - 1))
        )
        return bool(res.rowcount)

    async def leave_of(self: Tx, person_id: int, day: date) -> Leave | None:
        """The person's leave covering `day` or starting later, the soonest first."""
        row = (
            await self.conn.execute(
                select(leaves.c.person_id, people.c.name, leaves.c.starts_on, leaves.c.ends_on)
                .join(people, people.c.id == leaves.c.person_id)
                .where(leaves.c.person_id == person_id, leaves.c.ends_on >= day)
                .order_by(leaves.c.starts_on)
                .limit(1)
            )
        ).first()
        return None if row is None else Leave(*row)

    async def on_leave(self: Tx, first: date, last: date) -> list[Leave]:
        """Leave overlapping the days first..last, by name."""
        rows = await self.conn.execute(
            select(leaves.c.person_id, people.c.name, leaves.c.starts_on, leaves.c.ends_on)
            .join(people, people.c.id == leaves.c.person_id)
            .where(leaves.c.starts_on <= last, leaves.c.ends_on >= first, people.c.active.is_(True))
            .order_by(people.c.name, leaves.c.starts_on)
        )
        return [Leave(*r) for r in rows]
