"""Media kept in the database: store, fetch by token, purge the expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from storage.schema import media

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class StoredMedia:
    """The bytes of one stored image and what they are."""

    token: str
    content_type: str
    data: bytes
    expires_at: datetime


class MediaQueries:
    """Queries over the media table."""

    async def media_add(
        self: Tx, token: str, data: bytes, content_type: str, expires_at: datetime
    ) -> None:
        """Keep an image under its token."""
        await self.conn.execute(
            media.insert().values(
                token=token, content_type=content_type, size=len(data), data=data,
                created_at=self.now(), expires_at=expires_at,
            )
        )  # fmt: skip

    async def media_get(self: Tx, token: str) -> StoredMedia | None:
        """An image by token, unless it has expired."""
        row = (
            await self.conn.execute(
                select(media.c.token, media.c.content_type, media.c.data, media.c.expires_at).where(
                    media.c.token == token, media.c.expires_at > self.now()
                )
            )
        ).first()
        return None if row is None else StoredMedia(row.token, row.content_type, bytes(row.data),
                                                    row.expires_at)  # fmt: skip

    async def media_purge(self: Tx) -> int:
        """Delete expired images; returns how many."""
        res = await self.conn.execute(delete(media).where(media.c.expires_at <= self.now()))
        return int(res.rowcount or 0)
