"""Wires settings, storage, channels, the inbound path and the sender together."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.backup import RunningLock
from bot.channels.base import Channel
from bot.channels.errors import ChannelError, ConfigError, ConnectionFailed
from bot.clock import RunningClock
from bot.config import Settings
from bot.inbound import Inbound
from bot.liveness import default_instance
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
    # (host, port) once the web server listens; webhooks are registered only after that.
    web_address: tuple[str, int] | None = None
    # Seconds before start-up attempt n (1, 2, …) of a channel whose API is unreachable.
    start_delay: Callable[[int], float] = field(default=lambda n: min(300.0, 2.0**n))
    _starting: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    # Tells `prasan restore` that this database is in use.
    running: RunningLock | None = None

    @classmethod
    async def create(
        cls, settings: Settings, *, migrate: bool = True, role: str = "run"
    ) -> Runtime:
        """Open storage and build the inbound path (channels are added by `add_channel`)."""
        running = RunningLock(settings.DATABASE_URL)
        store = await Store.open(settings.DATABASE_URL, migrate=migrate)
        if settings.PRASAN_CLOCK_START:
            store.clock = RunningClock(datetime.fromisoformat(settings.PRASAN_CLOCK_START))
            log.warning("clock starts at %s (PRASAN_CLOCK_START)", settings.PRASAN_CLOCK_START)
        sender = Sender(store, {}, instance=settings.PRASAN_INSTANCE or default_instance(role),
                        give_up_after=settings.give_up_after)  # fmt: skip
        sender.default_language, sender.timezone = settings.PRASAN_LANGUAGE, settings.timezone
        inbound = Inbound(
            store, settings.timezone, settings.PRASAN_LANGUAGE, on_queued=sender.deliver_now
        )
        inbound.leased_by = sender.instance  # replies it queues are leased to this sender
        return cls(settings, store, inbound, sender, running=running)

    def add_channel(self, channel: Channel) -> None:
        """Let the sender deliver through this channel."""
        self.channels[channel.name] = channel
        self.sender.channels[channel.name] = channel

    async def add_configured_channels(self, *, receive: bool) -> None:
        """Start Telegram and/or LINE as the environment asks, each on its own.

        A channel whose API cannot be reached keeps trying in the background (one log line
        an attempt) while the others serve; one whose settings are refused is left off.
        """
        for name, enabled in (
            ("telegram", self.settings.telegram_enabled),
            ("line", self.settings.line_enabled),
        ):
            if enabled and not await self._try_start(name, receive, attempt=0):
                self._starting[name] = asyncio.create_task(self._keep_starting(name, receive))

    async def _try_start(self, name: str, receive: bool, attempt: int) -> bool:
        """One start-up attempt; False when the API was unreachable (worth another try)."""
        try:
            channel = await _channel_factory(name)(self, receive)
        except ConnectionFailed as exc:
            wait = self.start_delay(attempt + 1)
            log.warning("channel %s unreachable (%s); trying again in %.0fs", name, exc, wait)
            return False
        except ConfigError as exc:
            log.error("channel %s not started: %s; the other channels keep running", name, exc)
            return True
        self.add_channel(channel)
        self.services.append(channel)
        log.info("channel %s ready", name)
        if self.web_address is not None:  # started late: the server already listens
            await _on_listening(channel)
        return True

    async def _keep_starting(self, name: str, receive: bool) -> None:
        attempt = 1
        while True:
            await asyncio.sleep(self.start_delay(attempt))
            if await self._try_start(name, receive, attempt):
                return
            attempt += 1

    def deferred_routes(self) -> list[tuple[str, str]]:
        """(path, channel) of webhooks whose channel is still starting."""
        routes = []
        if "telegram" in self._starting and self.settings.TELEGRAM_WEBHOOK_URL:
            from bot.channels.telegram import WEBHOOK_PATH as TELEGRAM_PATH

            routes.append((TELEGRAM_PATH, "telegram"))
        if "line" in self._starting:
            from bot.channels.line import WEBHOOK_PATH as LINE_PATH

            routes.append((LINE_PATH, "line"))
        return routes

    async def on_listening(self) -> None:
        """The web server is up: let channels register their webhooks."""
        for service in list(self.services):
            await _on_listening(service)

    async def close(self) -> None:
        """Stop channels and close storage."""
        for task in self._starting.values():
            task.cancel()
        await asyncio.gather(*self._starting.values(), return_exceptions=True)
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


async def _on_listening(service: Any) -> None:
    hook = getattr(service, "on_listening", None)
    if hook is None:
        return
    try:
        await hook()
    except ChannelError as exc:  # e.g. setWebhook refused: say so, keep serving the rest
        log.error("%s could not register its webhook: %s", getattr(service, "name", "?"), exc)


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
