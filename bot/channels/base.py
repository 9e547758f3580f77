"""The seam between the core and each platform."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.messages import Outgoing


class Channel(Protocol):
    """A platform adapter: it renders `Outgoing` messages in the platform's idiom.

    Parsing inbound updates into `Incoming` happens in the adapter's own receive
    path (polling loop or webhook route), which hands them to `Inbound.accept`.
    `send` raises only `bot.channels.errors` exceptions.
    """

    name: str

    async def send(
        self,
        recipient: str,
        messages: Sequence[Outgoing],
        *,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> None:
        """Deliver messages to one recipient (reply token first where the platform has one)."""
        ...
