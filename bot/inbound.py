"""The inbound path every channel uses: persist, dedupe, identify, run the flow, queue the reply.

A message's writes (inbox mark, conversation state, report, outbox rows) are one job on
the store's per-message path (`Store.run`): they commit together, possibly with other
messages' in one group commit, before the reply is handed to the sender.  So a crash
either loses nothing or leaves the event unprocessed in the inbox, where `recover`
finds it again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
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
        self.leased_by: str | None = None  # the sender that replies are leased to

    async def accept(self, inc: Incoming) -> int | None:
        """Write the event to the inbox; None when it was seen before (a redelivery)."""
        return (await self.accept_many([inc]))[0]

    async def accept_many(self, incs: list[Incoming]) -> list[int | None]:
        """Write several events (one webhook request) to the inbox in one transaction."""
        events = [_with_event_id(inc) for inc in incs]

        async def add(tx: Tx) -> list[int | None]:
            return [
                await tx.inbox_add(inc.channel, inc.event_id or "", inc.to_json()) for inc in events
            ]

        # Urgent: the platform waits for our 200 while earlier messages are still queued.
        return await self.store.run(add, urgent=True)

    async def receive(self, inc: Incoming) -> list[int]:
        """Record, process and reply (polling, console); returns the queued outbox ids."""
        return await self._submit(_with_event_id(inc), None)

    async def process(self, inc: Incoming, inbox_id: int | None = None) -> list[int]:
        """Run the flow for an event `accept` stored earlier (webhooks, recovery)."""
        return await self._submit(_with_event_id(inc), inbox_id)

    async def _submit(self, inc: Incoming, inbox_id: int | None) -> list[int]:
        try:
            rows = await self.store.run(partial(self._message, inc, inbox_id))
        except Exception as exc:
            # It failed alone (a shared transaction that fails is re-run message by
            # message): nothing of it was kept.  Apologise in a fresh transaction.
            code = log_failure(log, "event", exc, channel=inc.channel, event=inc.event_id)
            rows = await self.store.run(partial(self._apologise, inc, inbox_id, code))
        if rows and self.on_queued is not None:
            await self.on_queued(rows)
        return [r.id for r in rows]

    async def _message(self, inc: Incoming, inbox_id: int | None, tx: Tx) -> list[OutboxRow]:
        # Several web processes (PostgreSQL): wait for this person's turn, and handle first
        # what they sent earlier that another process has not got to, in arrival order.
        rows: list[OutboxRow] = []
        for earlier_id, payload in await tx.person_turn(inc.channel, inc.user_id, inbox_id):
            if await tx.inbox_done(earlier_id):
                rows += await self._handle(tx, Incoming.from_json(payload))
        if not await self._claim(tx, inc, inbox_id):
            return rows
        return rows + await self._handle(tx, inc)

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
            leased_by=self.leased_by,
        )  # fmt: skip
        return [row] if row is not None else []

    async def _apologise(
        self, inc: Incoming, inbox_id: int | None, code: str, tx: Tx
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


def _with_event_id(inc: Incoming) -> Incoming:
    # A lone surrogate (a JSON escape, an undecodable byte) cannot be stored: one bad code
    # point is replaced rather than failing the event and the others stored with it.
    inc = inc.scrubbed()
    if inc.event_id:
        return inc
    return replace(inc, event_id=uuid.uuid4().hex, received_at=inc.received_at or time.time())
