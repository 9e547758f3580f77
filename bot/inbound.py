"""The inbound path every channel uses: persist, dedupe, identify, run the flow, queue the reply.

A message's writes (inbox mark, conversation state, report, outbox rows) commit in
one transaction, so a crash either loses nothing or leaves the event unprocessed
in the inbox, where `recover` finds it again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.config import LANGUAGES
from bot.i18n import translator
from bot.logsafe import log_failure
from bot.messages import Incoming, Outgoing, dump_messages
from handlers import router
from handlers.context import Ctx
from storage.queries_messaging import OutboxRow
from storage.store import Store, Tx

log = logging.getLogger(__name__)

REPLY_TOKEN_SECONDS = 50
# Messages per transaction when many arrive at once: more saves fsyncs, but every
# message in a batch waits for the whole batch, so this bounds the added latency.
MAX_BATCH = 16
# How stale an identity's last-seen time may get: one extra write per person per period.
SEEN_EVERY = timedelta(minutes=10)

Queued = Callable[[list[OutboxRow]], Awaitable[None]]


class Inbound:
    """Turns `Incoming` messages into stored effects and queued replies."""

    def __init__(
        self, store: Store, tz: ZoneInfo, default_language: str = "th",
        on_queued: Queued | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.tz = tz
        self.default_language = default_language
        self.on_queued = on_queued
        self._pending: list[tuple[Incoming, int | None, asyncio.Future[list[OutboxRow]]]] = []
        self._batcher: asyncio.Task[None] | None = None

    async def accept(self, inc: Incoming) -> int | None:
        """Write the event to the inbox; None when it was seen before (a redelivery)."""
        return (await self.accept_many([inc]))[0]

    async def accept_many(self, incs: list[Incoming]) -> list[int | None]:
        """Write several events (one webhook request) to the inbox in one transaction."""
        async with self.store.tx() as tx:
            ids = []
            for inc in incs:
                inc = _with_event_id(inc)
                ids.append(await tx.inbox_add(inc.channel, inc.event_id or "", inc.to_json()))
            return ids

    async def receive(self, inc: Incoming) -> list[int]:
        """Record, process and reply (polling, console); returns the queued outbox ids."""
        return await self._submit(_with_event_id(inc), None)

    async def process(self, inc: Incoming, inbox_id: int | None = None) -> list[int]:
        """Run the flow for an event `accept` stored earlier (webhooks, recovery)."""
        return await self._submit(_with_event_id(inc), inbox_id)

    async def _submit(self, inc: Incoming, inbox_id: int | None) -> list[int]:
        # Messages arriving together are handled in one transaction, each inside its own
        # savepoint, so a burst costs one commit (one fsync) instead of one per message.
        future: asyncio.Future[list[OutboxRow]] = asyncio.get_running_loop().create_future()
        self._pending.append((inc, inbox_id, future))
        if self._batcher is None or self._batcher.done():
            self._batcher = asyncio.get_running_loop().create_task(self._run_batches())
        rows = await future
        if rows and self.on_queued is not None:
            await self.on_queued(rows)
        return [r.id for r in rows]

    async def _run_batches(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                results = await self._handle_batch([(inc, iid) for inc, iid, _ in batch])
            except Exception as exc:
                if len(batch) == 1:  # the lone message failed: apologise in a fresh transaction
                    inc, inbox_id, future = batch[0]
                    code = log_failure(log, "event", exc, channel=inc.channel, event=inc.event_id)
                    try:
                        async with self.store.tx() as tx:
                            future.set_result(await self._apologise_in(tx, inc, inbox_id, code))
                    except Exception as again:
                        log_failure(log, "apology", again, channel=inc.channel,
                                    event=inc.event_id)  # fmt: skip
                        future.set_exception(again)
                    continue
                # The commit itself failed: nothing of the batch is kept.
                log_failure(log, "batch commit", exc, messages=len(batch))
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), rows in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(rows)

    async def _handle_batch(
        self, batch: list[tuple[Incoming, int | None]]
    ) -> list[list[OutboxRow]]:
        results: list[list[OutboxRow]] = []
        async with self.store.tx() as tx:
            for inc, inbox_id in batch:
                try:
                    # A lone message needs no savepoint: on error the whole transaction goes.
                    async with tx.savepoint() if len(batch) > 1 else _nothing():
                        if not await self._claim(tx, inc, inbox_id):
                            results.append([])
                            continue
                        results.append(await self._handle(tx, inc))
                except Exception as exc:
                    if len(batch) == 1:
                        raise
                    code = log_failure(log, "event", exc, channel=inc.channel, event=inc.event_id)
                    results.append(await self._apologise_in(tx, inc, inbox_id, code))
        return results

    async def _claim(self, tx: Tx, inc: Incoming, inbox_id: int | None) -> bool:
        """Mark the event processed in this transaction; False if it already was."""
        if inbox_id is not None:
            return await tx.inbox_done(inbox_id)  # False: another worker processed it
        if await tx.inbox_add(inc.channel, inc.event_id or "", inc.to_json(), True) is None:
            log.info("duplicate event skipped channel=%s event=%s", inc.channel, inc.event_id)
            return False
        return True

    async def recover(self, older_than: float = 0.0) -> int:
        """Process accepted events that were never processed (after a crash).

        The periodic job passes `older_than` so it leaves alone events a webhook task
        accepted a moment ago and is about to process itself.
        """
        count = 0
        seen: set[int] = set()
        while True:
            async with self.store.tx() as tx:
                pending = await tx.inbox_pending(limit=100, older_than=older_than)
            pending = [(i, p) for i, p in pending if i not in seen]
            if not pending:
                return count
            for inbox_id, payload in pending:
                seen.add(inbox_id)
                await self.process(Incoming.from_json(payload), inbox_id)
                count += 1

    async def _handle(self, tx: Tx, inc: Incoming) -> list[OutboxRow]:
        identity, person = await tx.identity_and_person(inc.channel, inc.user_id)
        if not identity.active and inc.kind != "unfollow":
            await tx.update_identity(identity.id, active=True)  # they wrote again: unblocked
        if person is not None and not person.active:
            person = None
        seen = identity.last_seen_at
        if inc.kind != "unfollow" and (seen is None or tx.now() - seen > SEEN_EVERY):
            await tx.touch_identity(identity.id)  # notify reaches the app used last
        hint = inc.language_hint if inc.language_hint in LANGUAGES else None
        lang = person.language if person else (hint or self.default_language)
        ctx = Ctx(inc=inc, tx=tx, t=translator(lang), tz=self.tz, identity=identity, person=person)
        replies = await router.handle(ctx)
        return await self._queue(tx, inc, replies)

    async def _queue(self, tx: Tx, inc: Incoming, replies: list[Outgoing]) -> list[OutboxRow]:
        if not replies:
            return []
        # A reply token is only good for about a minute: a recovered event gets a push.
        fresh = inc.received_at is None or time.time() - inc.received_at < REPLY_TOKEN_SECONDS
        row = await tx.enqueue_row(
            inc.channel, inc.user_id, dump_messages(replies), f"reply:{inc.channel}:{inc.event_id}",
            reply_token=inc.reply_token if fresh else None, leased=self.on_queued is not None,
        )  # fmt: skip
        return [row] if row is not None else []

    async def _apologise_in(
        self, tx: Tx, inc: Incoming, inbox_id: int | None, code: str
    ) -> list[OutboxRow]:
        # Record the event as done so a message that always fails cannot wedge recovery.
        t = translator(self.default_language)
        sorry = Outgoing(t("😥 Sorry, something went wrong on my side. Please try again.")
                         + " " + t("(error code {code})", code=code))  # fmt: skip
        if inbox_id is not None:
            await tx.inbox_done(inbox_id)
        elif await tx.inbox_add(inc.channel, inc.event_id or "", inc.to_json(), True) is None:
            return []
        return await self._queue(tx, inc, [sorry])


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


def _with_event_id(inc: Incoming) -> Incoming:
    # A lone surrogate (a JSON escape, an undecodable byte) cannot be stored: one bad code
    # point is replaced rather than failing the event and the others stored with it.
    inc = inc.scrubbed()
    if inc.event_id:
        return inc
    return replace(inc, event_id=uuid.uuid4().hex, received_at=inc.received_at or time.time())
