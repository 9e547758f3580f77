"""The small vocabulary every channel maps platform failures onto.

The core (outbox sender, inbound pipeline) never sees an SDK exception.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Base of all channel failures."""


class Throttled(ChannelError):
    """The platform asked us to slow down; retry after `retry_after` seconds."""

    def __init__(self, retry_after: float, detail: str = "", *, chat: str | None = None) -> None:
        super().__init__(f"throttled, retry after {retry_after}s {detail}".strip())
        self.retry_after = retry_after
        # The one recipient whose own limit this was (Telegram's per-chat limit): only sends
        # to them wait. None: the whole channel waits.
        self.chat = chat


class ContactStopped(ChannelError):
    """The user blocked the bot or left; stop sending to this identity."""


class ConfigError(ChannelError):
    """Bad token or request the platform will never accept; retrying will not help."""


class ConnectionFailed(ChannelError):
    """Network error or 5xx: transient, retry with backoff."""


class ReplyTokenInvalid(ChannelError):
    """A LINE reply token expired or was used; send the same messages as a push."""


class AlreadyDelivered(ChannelError):
    """The platform says this retry key was already accepted (LINE 409)."""
