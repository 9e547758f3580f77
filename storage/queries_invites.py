"""Invites: create, look up by keyed hash, use, revoke, and the per-code lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from storage.schema import invite_misses, invites

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class Invite:
    """An invite, pending or not."""

    id: int
    role: str
    name: str | None
    scope: list[list[Any]]
    expires_at: datetime
    used_at: datetime | None
    person_id: int | None = None  # link a further chat app to this person
    revoked_at: datetime | None = None
    locked_at: datetime | None = None
    created_at: datetime | None = None
    used_by: int | None = None

    def status(self, now: datetime) -> str:
        """used | revoked | locked | expired | pending."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.locked_at is not None:
            return "locked"
        return "expired" if self.expires_at <= now else "pending"


def _invite(m: Any) -> Invite:
    return Invite(
        m["id"], m["role"], m["name"], m["scope"], m["expires_at"], m["used_at"], m["person_id"],
        m["revoked_at"], m["locked_at"], m["created_at"], m["used_by"],
    )  # fmt: skip


class InviteQueries:
    """Queries over invites."""

    async def create_invite(
        self: Tx,
        code_hash: str,
        role: str,
        name: str | None,
        scope: list[list[Any]],
        expires_at: datetime,
        person_id: int | None = None,
    ) -> int:
        """Store a new invite (only the code's keyed hash)."""
        res = await self.conn.execute(
            invites.insert()
            .values(
                code_hash=code_hash, role=role, name=name, scope=scope, created_at=self.now(),
                expires_at=expires_at, person_id=person_id,
            )
            .returning(invites.c.id)
        )  # fmt: skip
        return int(res.scalar_one())

    async def invite_by_hash(self: Tx, code_hash: str) -> Invite | None:
        """An invite by code hash, in any state."""
        row = (
            await self.conn.execute(select(invites).where(invites.c.code_hash == code_hash))
        ).first()
        return None if row is None else _invite(row._mapping)

    async def invite(self: Tx, invite_id: int) -> Invite | None:
        """An invite by id."""
        row = (await self.conn.execute(select(invites).where(invites.c.id == invite_id))).first()
        return None if row is None else _invite(row._mapping)

    async def pending_invites_by_hashes(self: Tx, hashes: list[str]) -> list[Invite]:
        """Pending (unused, unrevoked, unexpired) invites among these hashes."""
        if not hashes:
            return []
        rows = await self.conn.execute(
            select(invites).where(
                invites.c.code_hash.in_(hashes), invites.c.used_at.is_(None),
                invites.c.revoked_at.is_(None), invites.c.expires_at > self.now(),
            )
        )  # fmt: skip
        return [_invite(r._mapping) for r in rows]

    async def list_invites(self: Tx, *, include_done: bool = False) -> list[Invite]:
        """Invites, newest first; by default only those not used or revoked."""
        q = select(invites).order_by(invites.c.id.desc())
        if not include_done:
            q = q.where(invites.c.used_at.is_(None), invites.c.revoked_at.is_(None))
        return [_invite(r._mapping) for r in await self.conn.execute(q)]

    async def use_invite(self: Tx, invite_id: int, person_id: int) -> bool:
        """Mark an invite used; False if it was used, revoked or locked meanwhile."""
        res = await self.conn.execute(
            update(invites)
            .where(
                invites.c.id == invite_id, invites.c.used_at.is_(None),
                invites.c.revoked_at.is_(None), invites.c.locked_at.is_(None),
            )
            .values(used_at=self.now(), used_by=person_id)
        )  # fmt: skip
        return res.rowcount == 1

    async def revoke_invite(self: Tx, invite_id: int) -> bool:
        """Revoke an unused invite; False if it was used or revoked already."""
        res = await self.conn.execute(
            update(invites)
            .where(
                invites.c.id == invite_id,
                invites.c.used_at.is_(None),
                invites.c.revoked_at.is_(None),
            )
            .values(revoked_at=self.now())
        )
        return res.rowcount == 1

    async def record_near_miss(self: Tx, invite_id: int, identity_id: int) -> int:
        """Remember a chat sent a near miss of this code; returns how many chats have."""
        await self.conn.execute(
            self.insert_ignore(invite_misses).values(
                invite_id=invite_id, identity_id=identity_id, at=self.now()
            )
        )
        count = await self.conn.scalar(
            select(func.count())
            .select_from(invite_misses)
            .where(invite_misses.c.invite_id == invite_id)
        )
        return int(count or 0)

    async def lock_invite(self: Tx, invite_id: int) -> None:
        """Lock a code that near misses from many chats put at risk."""
        await self.conn.execute(
            update(invites)
            .where(invites.c.id == invite_id, invites.c.locked_at.is_(None))
            .values(locked_at=self.now())
        )
