"""`prasan outbox status | dead | retry ID… | retry --all`: what waits, what was given up on."""

from __future__ import annotations

import argparse
import sys

from bot.admin import _actor, _fail
from bot.config import Settings
from bot.dates import format_datetime
from storage.store import Store, utcnow

STATUSES = ("pending", "sending", "sent", "blocked", "expired", "dead")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `outbox` command and its actions."""
    o = sub.add_parser("outbox", help="the queue of outgoing messages")
    osub = o.add_subparsers(dest="outbox_command", required=True, metavar="ACTION")
    osub.add_parser("status", help="rows per channel and status, oldest waiting")
    osub.add_parser("dead", help="messages given up on (dead-lettered)")
    r = osub.add_parser("retry", help="send dead-lettered messages again")
    r.add_argument("ids", nargs="*", type=int, metavar="ID")
    r.add_argument("--all", action="store_true", help="every dead-lettered message")


async def status(args: argparse.Namespace, settings: Settings) -> int:
    """Rows per channel and status, and how long the oldest has waited."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            figures = await tx.queue_figures()
    finally:
        await store.close()
    now = utcnow()
    channels = sorted({c for c, _ in figures})
    print("channel   " + " ".join(f"{s:>8}" for s in STATUSES) + "  oldest waiting")
    for channel in channels:
        counts = [figures.get((channel, s), (0, None))[0] for s in STATUSES]
        waiting = [figures.get((channel, s), (0, None))[1] for s in ("pending", "sending")]
        first = min((w for w in waiting if w is not None), default=None)
        age = _age((now - first).total_seconds()) if first is not None else "-"
        print(f"{channel:<9} " + " ".join(f"{n:>8}" for n in counts) + f"  {age}")
    if not channels:
        print("the outbox is empty")
    return 0


async def dead(args: argparse.Namespace, settings: Settings) -> int:
    """Dead-lettered rows: id, channel, recipient, tag, attempts, queued at, last error."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            rows = await tx.dead_rows()
    finally:
        await store.close()
    if not rows:
        print("no dead-lettered messages")
        return 0
    for r in rows:
        when = format_datetime(r.created_at, settings.timezone, "en")
        print(f"{r.id}\t{r.channel}\t{r.recipient}\t{r.tag or '-'}\t{r.attempts} attempts\t"
              f"{when}\t{(r.last_error or '')[:120]}")  # fmt: skip
    print(f"{len(rows)} dead-lettered; send again with `prasan outbox retry ID` or --all",
          file=sys.stderr)  # fmt: skip
    return 0


async def retry(args: argparse.Namespace, settings: Settings) -> int:
    """Re-queue dead rows, due now, with a fresh give-up window."""
    if bool(args.ids) == bool(args.all):
        return _fail("give the ids to send again (see `prasan outbox dead`), or --all")
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            count = await tx.requeue_dead(None if args.all else list(args.ids))
            await tx.audit(_actor(), "outbox_retry", ids=args.ids or "all", count=count)
    finally:
        await store.close()
    if count == 0:
        return _fail("nothing re-queued: no dead-lettered message with those ids")
    print(f"re-queued {count} message(s); the sender sends them now")
    return 0


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f}s"
    if seconds < 7200:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
