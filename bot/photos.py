"""Report photos: fetched from the chat platform as soon as they arrive and kept as media.

LINE deletes message content after a while, so a photo is queued (photo_fetches) in the
same transaction as the message that brought it and fetched right after, off the reply
path, by the process that runs the sender. The type is read from the bytes, never from
what the sender claims; photos over PRASAN_MAX_PHOTO_MB are not kept. Content that is
already gone is recorded as expired and the person is told; the report is kept either way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.channels.errors import ChannelError, ConfigError
from bot.channels.line_errors import ContentTooLarge
from bot.config import Settings
from bot.dates import format_datetime
from bot.i18n import Translator
from bot.media import media_url, store_media
from bot.messages import Outgoing
from bot.notify import notify
from storage.queries_photos import PhotoFetch
from storage.store import Store

log = logging.getLogger(__name__)

KEEP = timedelta(days=3650)  # a report photo lives as long as its report
MAX_ATTEMPTS = 6
POLL = 1.0  # seconds between looks at the queue

# Magic numbers of the image types chat apps send.
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
)


class Expired(Exception):
    """The platform no longer has the content."""


def image_type(data: bytes) -> str | None:
    """The image type the bytes say they are, or None."""
    for magic, offset, kind in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if kind == "image/webp" and data[:4] != b"RIFF":
                continue
            return kind
    return None


Download = Callable[[str, int], Awaitable[bytes]]


def downloader(channel: Any) -> Download | None:
    """How to fetch a photo id from one channel, capped in size."""
    fetch_content = getattr(channel, "fetch_content", None)
    if fetch_content is not None:  # LINE: streamed with a cap; 404 once LINE deleted it

        async def line(ref: str, cap: int) -> bytes:
            try:
                return bytes(await fetch_content(ref, cap))
            except ConfigError as exc:
                if "404" in str(exc) or "410" in str(exc):
                    raise Expired from None
                raise

        return line
    download = getattr(channel, "download", None)
    if download is not None:  # Telegram: getFile, then the file

        async def telegram(ref: str, cap: int) -> bytes:
            data = bytes(await download(ref))
            if len(data) > cap:
                raise ContentTooLarge(f"{len(data)} bytes > {cap}")
            return data

        return telegram
    return None


class PhotoFetcher:
    """Drains the photo queue with the channels this process has."""

    def __init__(self, store: Store, settings: Settings, channels: dict[str, Any]) -> None:
        self.store = store
        self.settings = settings
        self.channels = channels
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the queue now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch until stopped."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # by type only: never let one bad row stop the loop
                log.error("photo fetch pass failed: %s", type(exc).__name__)
            self._wake.clear()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waits, timeout=POLL, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()

    async def run_once(self) -> int:
        """Handle every due fetch once; returns how many were settled."""
        async with self.store.tx() as tx:
            due = await tx.due_photos()
        settled = 0
        for item in due:
            settled += await self._fetch(item)
        return settled

    async def _fetch(self, item: PhotoFetch) -> int:
        channel_name, _, ref = item.ref.partition(":")
        fetch = downloader(self.channels.get(channel_name))
        if fetch is None:
            return 0  # another process (with that channel) will take it
        cap = int(self.settings.PRASAN_MAX_PHOTO_MB * 1024 * 1024)
        try:
            data = await fetch(ref, cap)
        except Expired:
            return await self._settle(item, "expired")
        except ContentTooLarge:
            return await self._settle(item, "too_large")
        except ChannelError as exc:
            return await self._later(item, type(exc).__name__)
        kind = image_type(data)
        if kind is None:
            return await self._settle(item, "not_image")
        async with self.store.tx() as tx:
            kept = await store_media(tx, data, kind, tx.now() + KEEP)
            if await tx.photo_done(item.id, "stored", kept.token, media_url(self.settings, kept)):
                log.info("photo kept id=%d bytes=%d", item.id, len(data))
        return 1

    async def _later(self, item: PhotoFetch, error: str) -> int:
        attempts = item.attempts + 1
        log.warning("photo fetch failed id=%d attempt=%d error=%s", item.id, attempts, error)
        async with self.store.tx() as tx:
            if attempts >= MAX_ATTEMPTS:
                await self._settle_in(tx, item, "failed")
                return 1
            await tx.photo_retry(item.id, attempts, tx.now() + timedelta(seconds=5 * 4**attempts))
        return 0

    async def _settle(self, item: PhotoFetch, status: str) -> int:
        async with self.store.tx() as tx:
            await self._settle_in(tx, item, status)
        return 1

    async def _settle_in(self, tx: Any, item: PhotoFetch, status: str) -> None:
        """Record a photo that could not be kept and tell the person who sent it."""
        if not await tx.photo_done(item.id, status):
            return
        log.info("photo not kept id=%d status=%s", item.id, status)
        tz, mb = self.settings.timezone, self.settings.PRASAN_MAX_PHOTO_MB

        def compose(t: Translator) -> list[Outgoing]:
            when = format_datetime(item.created_at, tz, t.lang)
            if status == "expired":
                text = t("📷 The photo you sent at {when} could not be kept: the chat app no "
                         "longer has it. Your report is kept; please send the photo again if "
                         "it is needed.", when=when)  # fmt: skip
            elif status == "too_large":
                text = t("📷 The photo you sent at {when} is larger than {mb} MB and was not "
                         "kept. Your report is kept.", when=when, mb=f"{mb:g}")  # fmt: skip
            else:
                text = t("📷 The photo you sent at {when} could not be kept. Your report is "
                         "kept; please send the photo again if it is needed.", when=when)  # fmt: skip
            return [Outgoing(text)]

        await notify(tx, item.person_id, compose, f"photo:{item.id}:{item.person_id}")
