"""The photo fetch queue: queued with the message that brought the photo, drained by bot/photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from storage.schema import photo_fetches

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class PhotoFetch:
    """One photo to fetch, or how fetching it went."""

    id: int
    ref: str
    person_id: int
    status: str
    attempts: int
    url: str | None
    created_at: datetime
    token: str | None = None  # the kept media's token


def _row(r) -> PhotoFetch:  # type: ignore[no-untyped-def]
    return PhotoFetch(r.id, r.ref, r.person_id, r.status, r.attempts, r.url, r.created_at,
                      r.media_token)  # fmt: skip


_COLUMNS = (photo_fetches.c.id, photo_fetches.c.ref, photo_fetches.c.person_id,
            photo_fetches.c.status, photo_fetches.c.attempts, photo_fetches.c.url,
            photo_fetches.c.created_at, photo_fetches.c.media_token)  # fmt: skip


class PhotoQueries:
    """Queue, claim, finish and look up photo fetches."""

    async def queue_photo(self: Tx, ref: str, person_id: int) -> None:
        """Fetch this photo soon (once per reference)."""
        now = self.now()
        await self.conn.execute(
            self.insert_ignore(photo_fetches).values(
                ref=ref, person_id=person_id, status="pending", attempts=0,
                next_attempt_at=now, created_at=now,
            )
        )  # fmt: skip

    async def due_photos(self: Tx, limit: int = 10) -> list[PhotoFetch]:
        """Pending fetches whose time has come, oldest first."""
        q = (
            select(*_COLUMNS)
            .where(photo_fetches.c.status == "pending",
                   photo_fetches.c.next_attempt_at <= self.now())
            .order_by(photo_fetches.c.id)
            .limit(limit)
        )  # fmt: skip
        return [_row(r) for r in await self.conn.execute(q)]

    async def photo_done(
        self: Tx, fetch_id: int, status: str, token: str | None = None, url: str | None = None
    ) -> bool:
        """Record the outcome; False if another process finished it first."""
        res = await self.conn.execute(
            update(photo_fetches)
            .where(photo_fetches.c.id == fetch_id, photo_fetches.c.status == "pending")
            .values(status=status, media_token=token, url=url, done_at=self.now())
        )
        return res.rowcount == 1

    async def photo_retry(self: Tx, fetch_id: int, attempts: int, at: datetime) -> None:
        """Try again later."""
        await self.conn.execute(
            update(photo_fetches)
            .where(photo_fetches.c.id == fetch_id)
            .values(attempts=attempts, next_attempt_at=at)
        )

    async def photos_by_ref(self: Tx, refs: list[str]) -> dict[str, PhotoFetch]:
        """What became of these photos."""
        if not refs:
            return {}
        rows = await self.conn.execute(select(*_COLUMNS).where(photo_fetches.c.ref.in_(refs)))
        return {r.ref: _row(r) for r in rows}
