"""Wires settings, storage, channels, the inbound path and the sender together."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.backup import RunningLock
from bot.channels.base import Channel
from bot.config import Settings
from bot.inbound import Inbound
from bot.outbox import Sender
from storage.store import Store

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a running Prasan process holds."""

    settings: Settings
    store: Store
    inbound: Inbound
    sender: Sender
    channels: dict[str, Channel] = field(default_factory=dict)
    # Channel adapters with a life of their own (polling loops, HTTP sessions).
    services: list[Any] = field(default_factory=list)
    # Tells `prasan restore` that this database is in use.
    running: RunningLock | None = None

    @classmethod
    async def create(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        """Open storage and build the inbound path (channels are added by `add_channel`)."""
        running = RunningLock(settings.DATABASE_URL)
        store = await Store.open(settings.DATABASE_URL, migrate=migrate)
        sender = Sender(store, {})
        inbound = Inbound(
            store, settings.timezone, settings.PRASAN_LANGUAGE, on_queued=sender.deliver_now
        )
        return cls(settings, store, inbound, sender, running=running)

    def add_channel(self, channel: Channel) -> None:
        """Let the sender deliver through this channel."""
        self.channels[channel.name] = channel
        self.sender.channels[channel.name] = channel

    async def add_configured_channels(self, *, receive: bool) -> None:
        """Start Telegram and/or LINE as the environment asks."""
        for name, enabled in (
            ("telegram", self.settings.telegram_enabled),
            ("line", self.settings.line_enabled),
        ):
            if not enabled:
                continue
            factory = _channel_factory(name)
            channel = await factory(self, receive)
            self.add_channel(channel)
            self.services.append(channel)
            log.info("channel %s ready", name)

    async def close(self) -> None:
        """Stop channels and close storage."""
        await self.sender.flush()
        for service in reversed(self.services):
            stop = getattr(service, "stop", None)
            if stop is not None:
                try:
                    await stop()
                except Exception:
                    log.exception("error while stopping %s", getattr(service, "name", service))
        await self.sender.flush()  # stopping a channel may have finished a last send
        await self.store.close()
        if self.running is not None:
            self.running.release()


def _channel_factory(name: str) -> Callable[[Runtime, bool], Awaitable[Channel]]:
    # Imported lazily: a console-only install never loads the platform SDKs.
    factory: Callable[[Runtime, bool], Awaitable[Channel]]
    if name == "telegram":
        from bot.channels.telegram import start_channel as factory
    else:
        from bot.channels.line import start_channel as factory
    return factory


def stop_event_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, for a clean shutdown."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    return stop
