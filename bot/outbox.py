"""The outbox sender: drains queued messages under each platform's limits.

Each row is leased before sending, so two senders never send one row at once and
a sender that dies mid-send leaves the row to be retried when the lease runs out.
LINE pushes carry the row's retry key, so such a retry is never delivered twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from bot.channels.base import Channel
from bot.channels.errors import (
    AlreadyDelivered,
    ConfigError,
    ConnectionFailed,
    ContactStopped,
    Throttled,
)
from bot.messages import load_messages
from storage.queries_messaging import OutboxRow
from storage.store import Store, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
ACK_DELAY = 0.05  # seconds of sends acknowledged per transaction
REPLY_TOKEN_TTL = timedelta(seconds=50)  # LINE accepts a reply token for about a minute


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (2, 4, 8 … capped at 10 minutes)."""
    return float(min(600, 2**attempt))


class Sender:
    """Sends outbox rows through the channels this process runs."""

    def __init__(
        self, store: Store, channels: Mapping[str, Channel], recipient: str | None = None
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        # The console sender only delivers to the person at the keyboard.
        self.recipient = recipient
        self._wake = asyncio.Event()
        self._acks: list[int] = []
        self._ack_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New rows were queued (a job, the CLI in this process): look at the outbox now."""
        self._wake.set()

    async def deliver(self, ids: list[int] | None = None, limit: int = 50) -> int:
        """Send due rows (or just these ids); returns how many were handled."""
        if not self.channels:
            return 0
        async with self.store.tx() as tx:
            rows = await tx.claim_outbox(
                tuple(self.channels), ids=ids, limit=limit, recipient=self.recipient
            )
        for row in rows:
            await self._send(row)
        return len(rows)

    async def deliver_now(self, rows: list[OutboxRow]) -> None:
        """Send replies the inbound path queued already leased to us, without claiming them."""
        for row in rows:
            if row.channel in self.channels:
                await self._send(row)
            else:  # a channel this process does not run: let its own sender pick it up
                async with self.store.tx() as tx:
                    await tx.outbox_retry(row.id, 0, "queued for another process")

    async def flush(self) -> None:
        """Wait until every delivered row is recorded as sent."""
        while self._ack_task is not None and not self._ack_task.done():
            await self._ack_task

    def _ack(self, outbox_id: int) -> None:
        # Acknowledgements are batched: one transaction marks a burst of sends. A crash
        # before it leaves rows leased, and they are retried (LINE dedupes by retry key).
        self._acks.append(outbox_id)
        if self._ack_task is None or self._ack_task.done():
            self._ack_task = asyncio.get_running_loop().create_task(self._flush_acks())

    async def _flush_acks(self) -> None:
        await asyncio.sleep(ACK_DELAY)
        while self._acks:
            ids, self._acks = self._acks, []
            async with self.store.tx() as tx:
                await tx.outbox_sent_many(ids)

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Drain the outbox until `stop` is set."""
        while not stop.is_set():
            try:
                handled = await self.deliver()
            except Exception:
                log.exception("outbox pass failed")
                handled = 0
            if handled:
                continue
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            _done, pending = await asyncio.wait(
                waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED
            )
            for w in pending:
                w.cancel()

    async def _send(self, row: OutboxRow) -> None:
        channel = self.channels[row.channel]
        token = row.reply_token if utcnow() - row.created_at < REPLY_TOKEN_TTL else None
        try:
            await channel.send(
                row.recipient, load_messages(row.payload), reply_token=token,
                retry_key=row.retry_key,
            )  # fmt: skip
        except AlreadyDelivered:
            pass
        except Throttled as exc:
            await self._retry(row, max(exc.retry_after, 1.0), str(exc))
            return
        except ContactStopped as exc:
            log.info("recipient blocked the bot channel=%s outbox=%s", row.channel, row.id)
            async with self.store.tx() as tx:
                await tx.outbox_failed(row.id, str(exc), status="blocked")
                await tx.block_recipient(row.channel, row.recipient)
            return
        except ConfigError as exc:
            log.error("send refused channel=%s outbox=%s: %s", row.channel, row.id, exc)
            async with self.store.tx() as tx:
                await tx.outbox_failed(row.id, str(exc))
            return
        except (ConnectionFailed, Exception) as exc:  # anything unexpected is treated as transient
            if row.attempts >= MAX_ATTEMPTS:
                log.error("giving up channel=%s outbox=%s: %s", row.channel, row.id, exc)
                async with self.store.tx() as tx:
                    await tx.outbox_failed(row.id, str(exc))
                return
            await self._retry(row, backoff(row.attempts), str(exc))
            return
        self._ack(row.id)

    async def _retry(self, row: OutboxRow, delay: float, error: str) -> None:
        log.warning("send retry in %.0fs channel=%s outbox=%s", delay, row.channel, row.id)
        async with self.store.tx() as tx:
            await tx.outbox_retry(row.id, delay, error, drop_reply_token=True)
