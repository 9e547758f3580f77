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


class Poller:
    """Hands each update from getUpdates to `take`, in order, until `stopping` is set."""

    def __init__(
        self, bot: Bot, take: Callable[[Update], Awaitable[None]], stopping: asyncio.Event,
        timeout: int,
    ) -> None:  # fmt: skip
        self.bot = bot
        self.take = take
        self.stopping = stopping
        self.timeout = timeout  # seconds Telegram holds the request open when idle

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
                except Exception as exc:  # storage trouble: ask for this update again later
                    log_failure(log, "telegram update store", exc, update=update.update_id)
                    failures += 1
                    await self._pause(min(MAX_BACKOFF, 2.0**failures))
                    break
                # Telegram forgets what is below the next request's offset; the inbox has it.
                offset, failures = update.update_id + 1, 0
                if self.stopping.is_set():
                    break

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
