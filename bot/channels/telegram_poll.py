"""Long polling for the Telegram adapter: getUpdates in a loop, with offsets and backoff."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Update
from telegram.error import Conflict, TelegramError

from bot.channels.errors import ConfigError, ContactStopped, Throttled
from bot.channels.telegram_parse import ALLOWED_UPDATES
from bot.channels.telegram_transport import channel_error
from bot.logsafe import log_failure

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0
Skip = Callable[[Update, Exception], Awaitable[None]]


class Poller:
    """Hands each update from getUpdates to `take`, in order, until `stopping` is set."""

    def __init__(
        self, bot: Bot, take: Callable[[Update], Awaitable[None]], stopping: asyncio.Event,
        timeout: int, *, skip: Skip | None = None, retry_pause: float = 1.0,
    ) -> None:  # fmt: skip
        self.bot = bot
        self.take = take
        self.stopping = stopping
        self.timeout = timeout  # seconds Telegram holds the request open when idle
        # Records an update `take` failed on twice; if recording works, the poller moves on.
        self.skip = skip
        self.retry_pause = retry_pause  # scales the pauses after a failed update
        self._failed: tuple[int, int] = (-1, 0)  # (update id, failures in a row)

    async def run(self) -> None:
        """The loop: fetch, take each update, confirm it with the next request's offset."""
        offset: int | None = None
        failures = 0
        while not self.stopping.is_set():
            try:
                updates = await self._fetch(offset)
            except Exception as exc:
                failures += 1
                await self._pause(self._delay(exc, failures))
                continue
            for update in updates:
                try:
                    await self.take(update)
                except Exception as exc:
                    if not await self._skipped(update, exc):
                        failures += 1
                        await self._pause(min(MAX_BACKOFF, self.retry_pause * 2.0**failures))
                        break  # ask for this update again
                # Telegram forgets what is below the next request's offset; the inbox has it.
                offset, failures = update.update_id + 1, 0
                if self.stopping.is_set():
                    break

    async def _skipped(self, update: Update, exc: Exception) -> bool:
        """After a second failure, record the update and move past it, if recording works.

        One update that always fails must not stop everyone else's messages; but when even
        recording fails, storage is down and the update is asked for again instead of lost.
        """
        # By type only: storage errors can quote the message text.
        log.error("telegram update %s failed: %s", update.update_id, type(exc).__name__)
        seen, count = self._failed
        count = count + 1 if seen == update.update_id else 1
        self._failed = (update.update_id, count)
        if count < 2 or self.skip is None:
            return False
        try:
            await self.skip(update, exc)
        except Exception as again:
            log.error("telegram update %s not recorded either: %s", update.update_id,
                      type(again).__name__)  # fmt: skip
            return False
        log.error("telegram update %s skipped after %d failures (recorded)", update.update_id,
                  count)  # fmt: skip
        return True

    async def _fetch(self, offset: int | None) -> tuple[Update, ...]:
        """The next updates, or none when `stopping` came first (the request is dropped)."""
        fetch = asyncio.ensure_future(
            self.bot.get_updates(offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES)
        )
        stop = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if fetch.done():
            return fetch.result()
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fetch
        return ()

    def _delay(self, exc: Exception, failures: int) -> float:
        """How long to wait after a failed getUpdates (logged without URL or token)."""
        backoff = min(MAX_BACKOFF, 2.0**failures)
        if not isinstance(exc, TelegramError):  # a reply PTB could not read
            log_failure(log, "telegram getUpdates", exc)
            return backoff
        error = channel_error(exc, self.bot.token)
        if isinstance(exc, Conflict):
            log.warning("telegram getUpdates conflict: another process polls with this token")
        elif isinstance(error, ConfigError | ContactStopped):
            log.error("telegram getUpdates refused: %s", error)
        else:
            log.warning("telegram getUpdates failed: %s", error)
        return error.retry_after if isinstance(error, Throttled) else backoff

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)
