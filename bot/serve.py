"""Long-running commands: run (all in one), web, worker, console."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import logging
import sys

from bot import heap
from bot.channels.console import ConsoleChannel
from bot.cli_console import remember_buttons, restore_buttons
from bot.cli_text import t
from bot.config import Settings
from bot.looplag import LoopLag
from bot.photos import PhotoFetcher
from bot.runtime import Runtime, stop_event_on_signals
from bot.scheduler import start_scheduler

log = logging.getLogger(__name__)


async def run_all(args: argparse.Namespace, settings: Settings) -> int:
    """Channels, web server, scheduler and sender in one process."""
    return await _serve(settings, web=True, worker=True)


async def run_web(args: argparse.Namespace, settings: Settings) -> int:
    """Only the webhook server (the PaaS `web` process)."""
    return await _serve(settings, web=True, worker=False)


async def run_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Only the scheduler and the outbox sender (the PaaS `worker` process)."""
    return await _serve(settings, web=False, worker=True)


async def _serve(settings: Settings, *, web: bool, worker: bool) -> int:
    from bot import nlp
    from bot.web import serve

    stop = stop_event_on_signals()
    role = "run" if web and worker else "web" if web else "worker"
    runtime = await Runtime.create(settings, role=role)
    nlp.warm_up()  # load the dictionary now, not during the first person's message
    runner = scheduler = None
    tasks: list[asyncio.Task[None]] = []
    try:
        # Leases held when this process last died are due now; before anything is received,
        # so no reply leased by this run is taken for a dead one.
        await runtime.sender.start()
        await runtime.add_configured_channels(receive=web)
        heap.settle()  # after the SDKs' imports and the dictionaries: see bot/heap.py
        if not runtime.channels:
            log.warning("no chat channel configured: set TELEGRAM_BOT_TOKEN and/or "
                        "LINE_CHANNEL_SECRET + LINE_CHANNEL_ACCESS_TOKEN (try `prasan console`)")  # fmt: skip
        await runtime.inbound.recover()
        if web:
            runner = await serve(runtime, settings.PORT)
        if worker:
            scheduler = start_scheduler(runtime)
            tasks.append(asyncio.create_task(runtime.sender.run(stop)))
            # Report photos are fetched where the channels send from (LINE deletes content).
            fetcher = PhotoFetcher(runtime.store, settings, runtime.channels)
            tasks.append(asyncio.create_task(fetcher.run(stop)))
        # Loop lag in /metrics (web) and a log line when the loop stalls (every role), from
        # here on: start-up (imports of the platform SDKs) blocks the loop before anything is
        # served, and would otherwise show as a stall at every start.
        tasks.append(asyncio.create_task(LoopLag(runtime.sender.metrics.registry).run(stop)))
        parts = [p for p, on in (("web", web), ("worker", worker)) if on]
        log.info("prasan %s started (channels: %s)", "+".join(parts),
                 ", ".join(runtime.channels) or "none")  # fmt: skip
        await stop.wait()
        log.info("stopping")
    finally:
        stop.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if scheduler is not None:
            await scheduler.stop()
        if runner is not None:
            await runner.cleanup()
        await runtime.close()
    log.info("stopped cleanly")
    return 0


async def run_console(args: argparse.Namespace, settings: Settings) -> int:
    """Chat in the terminal; with piped stdin, run a script of messages."""
    if args.user is None:  # say who they are and how to be someone else
        print(t("You are the console user 'console', not registered yet: send an invite code, "
                "or try a demo person with `prasan console --as somchai` (coordinator), "
                "`--as fatimah`, `--as arunee` (supervisor) or `--as admin` (load them with "
                "`prasan demo`)."), file=sys.stderr)  # fmt: skip
        args.user = "console"
    runtime = await Runtime.create(settings)
    console = ConsoleChannel(sys.stdout)
    runtime.add_channel(console)
    runtime.sender.recipient = args.user
    interactive = sys.stdin.isatty()
    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
        sys.stdin.reconfigure(errors="replace")
    try:
        await restore_buttons(runtime.store, console, args.user)
        await runtime.sender.deliver()  # messages that waited for this person (notices)
        if interactive:
            print(t("Prasan console — you are '{user}'. Type a message; a number presses a "
                    "button; /photo [caption], /location LAT,LON; Ctrl-D to quit.",
                    user=args.user) + "\n")  # fmt: skip
            await runtime.inbound.receive(console.parse(args.user, "/start"))
        await remember_buttons(runtime.store, console, args.user)
        while True:
            if interactive:
                sys.stdout.write("› ")
                sys.stdout.flush()
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            if not line.strip():
                continue
            if not interactive:
                sys.stdout.write(f"› {line.rstrip()}\n")
            await runtime.inbound.receive(console.parse(args.user, line))
            await remember_buttons(runtime.store, console, args.user)
    finally:
        await runtime.close()
    return 0
