"""Time as a seam: the runtime reads a clock, tests move one instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class MovableClock:
    """A clock that stands still until told to move (tests, previews of another day)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        """The current (pinned) time, aware UTC."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to a moment."""
        if when.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward."""
        self._now += delta


class RunningClock:
    """Real time, shifted so that it started at a given moment (PRASAN_CLOCK_START)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._offset = start - datetime.now(UTC)

    def __call__(self) -> datetime:
        """The shifted current time, aware UTC."""
        return datetime.now(UTC) + self._offset
