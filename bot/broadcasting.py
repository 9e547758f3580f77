"""Broadcasts: expanded into outbox rows in resumable chunks, then reported to their sender.

A broadcast is first committed as one row holding its text and target (chat or
CLI). Expanding it resolves the audience (ordered by person id) and queues one
notice per person through `notify` (key `broadcast:<id>:<person>`, tag
`broadcast:<id>`), a chunk per transaction that also advances the broadcast's
cursor. A crash loses at most the chunk in flight, which is rolled back whole;
the next tick resumes after the cursor, and the dedupe keys make even a chunk
done twice (two workers) queue each person once.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.messages import Outgoing
from bot.notify import Compose, NotifyResult, notify
from storage.queries_broadcasts import Broadcast
from storage.store import Store

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

CHUNK = 500
# Outbox statuses that are final; anything else is still on its way.
DELIVERED = frozenset({"sent"})
BLOCKED = frozenset({"blocked"})
FAILED = frozenset({"failed", "dead", "dropped", "expired"})
FINAL = DELIVERED | BLOCKED | FAILED


def compose_broadcast(b: Broadcast) -> Compose:
    """The message as each person reads it: their language's version when the admin gave one."""

    def compose(t: Translator) -> list[Outgoing]:
        body = b.translations.get(t.lang) or b.text
        head = t("📢 Announcement from the programme office")
        return [Outgoing(f"{head}\n\n{body}", image_url=b.photo)]

    return compose


async def expand(store: Store, broadcast_id: int, chunk: int = CHUNK) -> int:
    """Queue a due broadcast's notices, chunk by chunk; returns how many were queued now."""
    total = 0
    while True:
        async with store.tx() as tx:
            b = await tx.broadcast(broadcast_id)
            if b is None or b.status not in ("pending", "expanding") or b.send_at > tx.now():
                return total
            ids = [pid for pid in await tx.audience(b.targets) if pid > b.cursor][:chunk]
            if not ids:
                await tx.broadcast_progress(b.id, cursor=b.cursor, queued=0, unreachable=0,
                                            status="queued")  # fmt: skip
                log.info("broadcast queued id=%s recipients=%d", b.id, b.queued)
                return total
            compose = compose_broadcast(b)
            results: Counter[NotifyResult] = Counter()
            for pid in ids:
                results[await notify(tx, pid, compose, f"{b.tag}:{pid}", tag=b.tag)] += 1
            await tx.broadcast_progress(
                b.id, cursor=ids[-1], queued=results[NotifyResult.QUEUED],
                unreachable=results[NotifyResult.UNREACHABLE], status="expanding",
            )  # fmt: skip
            total += results[NotifyResult.QUEUED]


def delivery_counts(counts: dict[str, int]) -> tuple[int, int, int, int]:
    """(delivered, failed, blocked, waiting) from a tag's outbox status counts."""
    delivered = sum(n for s, n in counts.items() if s in DELIVERED)
    failed = sum(n for s, n in counts.items() if s in FAILED)
    blocked = sum(n for s, n in counts.items() if s in BLOCKED)
    waiting = sum(n for s, n in counts.items() if s not in FINAL)
    return delivered, failed, blocked, waiting


def compose_report(b: Broadcast, counts: dict[str, int], not_registered: int) -> Compose:
    """The delivery report for the admin who sent the broadcast."""
    delivered, failed, blocked, _ = delivery_counts(counts)

    def compose(t: Translator) -> list[Outgoing]:
        lines = [
            t("📊 Delivery report for announcement #{id}", id=b.id),
            t("✅ Delivered: {n}", n=delivered),
            t("❌ Could not be delivered: {n}", n=failed),
            t("🚫 Blocked the bot or no chat app: {n}", n=blocked + b.unreachable),
            t("⏳ Invited but not yet registered: {n}", n=not_registered),
        ]
        return [Outgoing("\n".join(lines))]

    return compose


async def report_finished(store: Store) -> int:
    """Send the delivery report of every broadcast whose messages are all final."""
    sent = 0
    async with store.tx() as tx:
        for b in await tx.broadcasts_in(("queued",)):
            counts = await tx.tag_counts(b.tag)
            if delivery_counts(counts)[3]:
                continue
            if not await tx.broadcast_reported(b.id):
                continue
            if b.created_by is not None:
                waiting = await tx.invited_not_registered(b.targets)
                report = compose_report(b, counts, waiting)
                await notify(tx, b.created_by, report, f"broadcast-report:{b.id}")
                sent += 1
    return sent


async def tick(store: Store) -> int:
    """Expand every due broadcast and report finished ones; returns notices queued."""
    async with store.tx() as tx:
        due = [b.id for b in await tx.broadcasts_in(("pending", "expanding"))
               if b.send_at <= tx.now()]  # fmt: skip
    queued = 0
    for broadcast_id in due:
        queued += await expand(store, broadcast_id)
    return queued + await report_finished(store)


async def tick_runtime(runtime: Runtime) -> None:
    """The scheduler's periodic call: expand and report, then let the sender go."""
    try:
        if await tick(runtime.store):
            runtime.sender.wake()
    except Exception as exc:  # the type only: a data error's message can carry text
        log.error("broadcast tick failed error=%s", type(exc).__name__)
