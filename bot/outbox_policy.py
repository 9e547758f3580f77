"""When the sender tries again, gives up, or waits: backoff, channel pauses, pacing.

- 5xx and network errors: exponential backoff with jitter, capped at about five minutes, for
  PRASAN_GIVE_UP_AFTER (24 h by default) from the first failure; then the row is dead-lettered.
- 429: the whole channel pauses for Retry-After — no request at all reaches it meanwhile;
  Telegram's per-chat limit pauses only that chat (`ChatPauses` decides which it was).
- Pacing spaces requests evenly (no bursts above the rate), so a limit is never exceeded.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.channels.errors import Throttled

BACKOFF_CAP = 300.0  # seconds: a platform back after an outage is tried within ~5 minutes
GIVE_UP_AFTER = timedelta(hours=24)


def backoff(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt` (1, 2, …): 2, 4, 8 … capped, each jittered.

    "Equal jitter": half the step is fixed, half random, so senders that failed together do
    not all come back in the same second, and no retry comes sooner than half the step.
    """
    step = min(BACKOFF_CAP, 2.0 ** max(1, attempt))
    return step / 2 + rng() * step / 2


class Gates:
    """Per channel (or per channel and chat), the moment until which nothing may be sent (a
    429's Retry-After)."""

    def __init__(self) -> None:
        self._until: dict[str, datetime] = {}

    def pause(self, channel: str, until: datetime) -> bool:
        """Close the channel until `until` (a later pause extends it, an earlier one not);
        True when this closed it or kept it closed noticeably longer (worth a log line)."""
        if len(self._until) > 1000:  # per-chat gates: forget those long open
            self._until = {k: v for k, v in self._until.items() if v > until - timedelta(hours=1)}
        current = self._until.get(channel)
        if current is None or until > current:
            self._until[channel] = until
        # Sends queued behind the same 429 report its time left: the same pause again.
        return current is None or until > current + timedelta(seconds=0.5)

    def closed_until(self, channel: str, now: datetime) -> datetime | None:
        """When the channel opens again, or None if it is open now."""
        until = self._until.get(channel)
        return until if until is not None and until > now else None

    def next_opening(self, now: datetime) -> datetime | None:
        """The soonest moment a closed channel opens."""
        future = [u for u in self._until.values() if u > now]
        return min(future) if future else None


class Spacer:
    """Evenly spaced turns at `rate` per second: never a burst above the rate.

    (A token bucket lets a full bucket go at once — 30 requests in the first instant, then
    30 a second — which is 60 in one second: what a strict platform refuses.) Turns are
    taken in arrival order; `check` runs before and after the wait, so a pause that began
    meanwhile (a 429) stops everyone queued at once, without a request. With `per_second`,
    no more than that many turns are ever given in any one second, whatever the timing.
    """

    def __init__(self, rate: float, per_second: int | None = None) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._recent: deque[float] | None = deque(maxlen=per_second) if per_second else None
        self._late = 0.0  # how late a sleep wakes, on average (learnt)

    async def turn(self, check: Callable[[], None] | None = None) -> None:
        """Wait for the next free slot."""
        async with self._lock:
            if check is not None:
                check()
            now = time.monotonic()
            due = self._next
            recent = self._recent
            if recent is not None and len(recent) == recent.maxlen:
                due = max(due, recent[0] + 1.0)  # never more than `per_second` in a second
            if due > now:
                # A sleep wakes a little late, more so on a busy loop: waking that much
                # earlier keeps the rate without a catch-up burst after a late turn.
                await asyncio.sleep(max(0.0, due - now - self._late))
                woke = time.monotonic()
                self._late = min(self.interval / 4, max(0.0, self._late + 0.1 * (woke - due)))
                if woke < due and recent is not None and len(recent) == recent.maxlen:
                    await asyncio.sleep(due - woke)  # the cap per second is never anticipated
            released = time.monotonic()
            # From when this turn really came: after a stall, no catch-up burst.
            self._next = released + self.interval
            if recent is not None:
                recent.append(released)
            if check is not None:
                check()


class Pause:
    """A channel's own record of a 429: until when no request may go (on `clock` seconds)."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, chat: str | None = None
    ) -> None:
        self.clock = clock
        self.chat = chat  # a pause of one chat only (Telegram's per-chat limit)
        self._until = float("-inf")

    def hold(self, seconds: float) -> None:
        """No request for `seconds` from now."""
        self._until = max(self._until, self.clock() + seconds)

    def check(self) -> None:
        """Raise Throttled with the time left, while paused."""
        left = self._until - self.clock()
        if left > 0:
            raise Throttled(left, "paused by an earlier 429", chat=self.chat)
