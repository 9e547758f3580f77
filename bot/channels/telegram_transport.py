"""The Bot API client, its error vocabulary and its pacing, for the Telegram adapter."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.channels.errors import (
    ChannelError,
    ConfigError,
    ConnectionFailed,
    ContactStopped,
    Throttled,
)
from bot.outbox_policy import Pause, Spacer

# PTB 22 warns on every read of a duration (RetryAfter.retry_after, even inside its own
# constructor) unless opted in to timedelta values, as PTB itself recommends.
os.environ.setdefault("PTB_TIMEDELTA", "true")


def make_bot(
    token: str, api_url: str, file_url: str,
    on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
) -> Bot:  # fmt: skip
    """A Bot on these hosts: Telegram, a self-hosted Bot API server, or a test fake.

    `on_request` is awaited as each request leaves (tests time the sends with it)."""
    hooks: dict[str, Any] | None = (
        {"event_hooks": {"request": [on_request]}} if on_request is not None else None
    )
    return Bot(
        token,
        base_url=api_url,
        base_file_url=file_url,
        request=HTTPXRequest(
            connection_pool_size=16, read_timeout=15, connect_timeout=10, httpx_kwargs=hooks
        ),
        # getUpdates gets its own connection; PTB adds the long-poll timeout to read_timeout.
        get_updates_request=HTTPXRequest(connection_pool_size=1, connect_timeout=10),
    )


def channel_error(exc: TelegramError, token: str = "") -> ChannelError:
    """A Bot API failure in the shared vocabulary (https://core.telegram.org/bots/api#making-requests)."""
    detail = f"{type(exc).__name__}: {exc.message}"
    if token:
        detail = detail.replace(token, "<token>")  # PTB quotes the token in some messages
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        return Throttled(wait.total_seconds() if isinstance(wait, timedelta) else wait, detail)
    if isinstance(exc, Forbidden):  # blocked by the user, deactivated, removed from the group
        return ContactStopped(detail)
    if isinstance(exc, BadRequest | InvalidToken | ChatMigrated):  # BadRequest is a NetworkError
        return ConfigError(detail)
    return ConnectionFailed(detail)  # TimedOut, NetworkError (5xx), Conflict


class Pacer:
    """Stays under Telegram's flood limits: ~30 messages/s overall, ~1/s per chat, 20/min per group.

    A reply is often two or three messages, so each chat may burst a few; after that the
    leaky buckets drip at the documented rates (https://core.telegram.org/bots/faq).
    """

    def __init__(
        self, overall: float = 29.5, per_chat: float = 0.95, per_group: float = 19 / 60,
        burst: int = 3,
    ) -> None:  # fmt: skip
        # Overall, evenly spaced and a little under 30: a token bucket would let 30 go in the
        # first instant and 30 more in that same second. "A little": 31 requests released
        # at 29.5 a second span 1.017 s, so a request may reach Telegram up to 17 ms late
        # (network, a busy loop) without 31 landing in one second; per chat 50 ms.
        # (29 a second tolerates 34 ms but measured no fewer 429s: benchmarks/RESULTS.md.)
        self._overall = Spacer(overall, per_second=30)
        self._rates = (per_chat, per_group)
        self._burst = burst
        self._chats: dict[int, AsyncLimiter] = {}

    @contextlib.asynccontextmanager
    async def slot(
        self, chat_id: int | None = None, check: Callable[[], None] | None = None
    ) -> AsyncIterator[None]:
        """Wait for a turn overall and, given a chat, that chat's turn (`check` may refuse)."""
        if chat_id is None:
            await self._overall.turn(check)
            yield
            return
        async with self._chat(chat_id):
            await self._overall.turn(check)
            yield

    def _chat(self, chat_id: int) -> AsyncLimiter:
        if len(self._chats) > 1000:  # forget chats whose bucket has drained
            self._chats = {k: v for k, v in self._chats.items() if not v.has_capacity(self._burst)}
        if chat_id not in self._chats:
            rate = self._rates[1] if chat_id < 0 else self._rates[0]  # group ids are negative
            self._chats[chat_id] = AsyncLimiter(self._burst, self._burst / rate)
        return self._chats[chat_id]


class ChatPauses:
    """Telegram's per-chat limit: a 429 for a chat we were just sending to pauses that chat.

    The Bot API's 429 does not say which limit was hit. A chat we sent nothing to lately
    cannot be over its own limit (about 1 a second, 20 a minute in a group), so a 429 there
    is the bot-wide one and pauses the whole channel; a 429 in the middle of a chat's burst
    pauses that chat only, and the others go on (https://core.telegram.org/bots/faq).
    """

    RECENT_PRIVATE = 3.0  # seconds: the pacer's burst of 3 at one a second
    RECENT_GROUP = 60.0  # seconds: 20 a minute

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._last: dict[int, float] = {}
        self._pauses: dict[int, Pause] = {}

    def sent(self, chat_id: int) -> None:
        """A message went to this chat now."""
        if len(self._last) > 5000:  # forget chats quiet for longer than any window
            cut = self.clock() - self.RECENT_GROUP
            self._last = {k: v for k, v in self._last.items() if v > cut}
            self._pauses = {k: p for k, p in self._pauses.items() if k in self._last}
        self._last[chat_id] = self.clock()

    def own_limit(self, chat_id: int) -> bool:
        """Whether a 429 for this chat can be its own limit: we were sending to it just now."""
        last = self._last.get(chat_id)
        window = self.RECENT_GROUP if chat_id < 0 else self.RECENT_PRIVATE
        return last is not None and self.clock() - last < window

    def hold(self, chat_id: int, seconds: float) -> None:
        """Nothing to this chat for `seconds`."""
        self._pauses.setdefault(chat_id, Pause(self.clock, chat=str(chat_id))).hold(seconds)

    def check(self, chat_id: int) -> None:
        """Raise Throttled (for this chat) while it is paused."""
        pause = self._pauses.get(chat_id)
        if pause is not None:
            pause.check()
