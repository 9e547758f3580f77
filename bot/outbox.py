"""The outbox sender: drains queued messages at each platform's limits, losing none.

Each row is leased before sending, so two senders never send one row at once; a sender that
dies mid-send leaves its leases, which it takes back at once when it starts again (others
wait for the lease to run out). What happens after each kind of failure is in
`bot.outbox_policy`; the guarantees per channel are in the README ("Delivery guarantees").

LINE: every push and multicast carries a retry key fixed in the database before the first
attempt, so a repeat after a crash is answered 409 and never delivered twice; identical
messages to many people go out as multicasts of ≤ 500 ids, grouped in the database first.
A reply goes with its reply token; a retry of a reply (after a crash or an error) tries the
same token again first, because only LINE knows whether the earlier attempt used it: accepted
now means it was not used; refused while the token is surely still valid means it was, and
nothing is pushed. Refused after the token's life, the outcome is unknown and the reply is
pushed (never lost; the rare duplicate this allows is in the README's guarantees table).
Every send is recorded as sent right after its HTTP call, through the store's group commit,
so what is unknown after a crash is at most the sends whose calls were in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.base import Channel
from bot.channels.errors import (
    AlreadyDelivered,
    ChannelError,
    ConfigError,
    ContactStopped,
    ReplyTokenInvalid,
    Throttled,
)
from bot.liveness import default_instance, is_dead_sender
from bot.messages import Incoming, load_messages
from bot.outbox_acks import Acks
from bot.outbox_alerts import alert_admins, check_quota, late_note
from bot.outbox_policy import GIVE_UP_AFTER, Gates, backoff
from storage.queries_messaging import OutboxRow
from storage.queries_outbox import Claimed
from storage.store import Store, Tx

log = logging.getLogger(__name__)

REPLY_TOKEN_TTL = timedelta(seconds=50)  # LINE accepts a reply token for about a minute
TOKEN_SURELY_VALID = 55.0  # seconds: a token this young that LINE refuses was used
# Rows claimed per pass: about ten seconds of Telegram at its limit, two full LINE multicasts.
CLAIM = {"telegram": 300, "line": 1000}
CLAIM_DEFAULT = 100
CONCURRENCY = 64  # recipients served at once per channel (pacing decides the rate)
QUOTA_EVERY = 900.0  # seconds between readings of LINE's monthly quota


def _chat_gate(channel: str, recipient: str) -> str:
    """The gate of one chat (Telegram's per-chat limit), beside its channel's."""
    return f"{channel}\x00{recipient}"


class Sender:
    """Sends outbox rows through the channels this process runs."""

    def __init__(
        self,
        store: Store,
        channels: Mapping[str, Channel],
        recipient: str | None = None,
        *,
        instance: str | None = None,
        give_up_after: timedelta = GIVE_UP_AFTER,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.channels = dict(channels)
        self.recipient = recipient  # the console sender only delivers to the person at the keys
        self.instance = instance or default_instance()
        self.give_up_after = give_up_after
        self.rng = rng
        self.gates = Gates()
        self.default_language = "th"  # the runtime sets both from the settings
        self.timezone = ZoneInfo("Asia/Bangkok")
        from bot.metrics import OutboxMetrics  # prometheus-client, loaded with the sender

        self.metrics = OutboxMetrics()
        self._wake = asyncio.Event()
        self._stopped: set[tuple[str, str]] = set()  # (channel, recipient) who blocked the bot
        self._db = asyncio.Lock()
        self.acks = Acks(store)

    def now(self) -> datetime:
        """The store's clock (tests move it)."""
        return self.store.clock()

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[Tx]:
        # One transaction of the sender's at a time: its many concurrent sends would otherwise
        # queue on SQLite's write lock, each holding a pooled connection, up to the busy timeout.
        async with self._db, self.store.tx() as tx:
            yield tx

    def wake(self) -> None:
        """New rows were queued (a job, the CLI in this process): look at the outbox now."""
        self._wake.set()

    async def start(self) -> int:
        """Take back the leases a previous run of this process held when it died: its own
        name (an operator's PRASAN_INSTANCE) or a default name of this host whose process is
        gone. Another host's rows wait for their leases to run out."""
        async with self._tx() as tx:
            held = await tx.lease_owners()
            count = await tx.reclaim_leases(
                [h for h in held if h == self.instance or is_dead_sender(h, self.instance)]
            )
        if count:
            log.info("took back %d outbox rows leased before a restart", count)
        return count

    # ---- passes ------------------------------------------------------------------------

    async def deliver(self, ids: list[int] | None = None, limit: int | None = None) -> int:
        """One pass over every channel: send due rows (or just these ids); returns how many."""
        total = 0
        for name in list(self.channels):
            total += await self._pass(name, ids=ids, limit=limit)
        await self.flush()
        return total

    async def _pass(self, name: str, ids: list[int] | None = None, limit: int | None = None) -> int:
        if self.gates.closed_until(name, self.now()) is not None:
            return 0
        async with self._tx() as tx:
            claimed = await tx.claim_due(
                name, limit or CLAIM.get(name, CLAIM_DEFAULT), self.instance, ids=ids,
                recipient=self.recipient, multicast=hasattr(self.channels[name], "multicast"),
            )  # fmt: skip
        if claimed.expired:
            self.metrics.count("expired", name, claimed.expired)
        await self._run(claimed)
        return len(claimed.rows)

    async def deliver_now(self, rows: list[OutboxRow]) -> None:
        """Send replies the inbound path queued already leased to us, without claiming them."""
        mine = [r for r in rows if r.channel in self.channels]
        others = [r.id for r in rows if r.channel not in self.channels]
        if others:  # a channel this process does not run: let its own sender pick them up
            async with self._tx() as tx:
                await tx.outbox_later(others, self.now(), "for another process", failed=False)
        if mine:
            await self._run(Claimed(mine, {}, 0))

    async def _run(self, claimed: Claimed) -> None:
        """Multicast groups as one call each; other rows one recipient at a time, in order."""
        if len(claimed.rows) == 1 and not claimed.groups:  # a reply: no tasks to gather
            row = claimed.rows[0]
            if (row.channel, row.recipient) not in self._stopped:
                await self._guarded(self._send, [row])
            return
        grouped = {r.id for rows in claimed.groups.values() for r in rows}
        by_person: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in claimed.rows:
            if row.id not in grouped:
                by_person.setdefault((row.channel, row.recipient), []).append(row)
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one_by_one(rows: list[OutboxRow]) -> None:
            async with limit:
                for row in rows:
                    if (row.channel, row.recipient) in self._stopped:
                        break  # blocked the bot just now: block_recipient marked the rest
                    await self._guarded(self._send, [row])

        async def together(key: str, rows: list[OutboxRow]) -> None:
            async with limit:
                await self._guarded(self._multicast, rows, key)

        await asyncio.gather(
            *(one_by_one(rows) for rows in by_person.values()),
            *(together(key, rows) for key, rows in claimed.groups.items()),
        )

    async def _guarded(self, send: Any, rows: list[OutboxRow], *args: Any) -> None:
        # A bug or a database error in one send must not stop the others; the rows stay
        # leased and are tried again when the lease runs out.
        try:
            await send(rows, *args)
        except Exception as exc:
            log.error("outbox send crashed channel=%s rows=%s: %s", rows[0].channel,
                      [r.id for r in rows][:5], type(exc).__name__)  # fmt: skip

    # ---- one send ----------------------------------------------------------------------

    async def _send(self, rows: list[OutboxRow]) -> None:
        (row,) = rows
        if await self._paused(rows):
            return
        channel = self.channels[row.channel]
        messages = load_messages(row.payload)
        if row.dedupe_key.startswith("reply:"):
            messages = await late_note(self, row, messages)
        fresh = self.now() - row.created_at < REPLY_TOKEN_TTL
        # A retry tries the original token first, however old: only LINE knows whether an
        # earlier attempt used it, and a stale token costs one refused call, never a message.
        token = row.reply_token if fresh or row.attempts > 1 else None
        await self.acks.before_send((row.channel, row.recipient))
        try:
            try:
                await channel.send(row.recipient, messages, reply_token=token,
                                   retry_key=row.retry_key)  # fmt: skip
            except ReplyTokenInvalid:
                if await self._used_earlier(row):
                    # Refused while surely valid, on a later attempt: an earlier one used it.
                    log.info("LINE reply token already used by an earlier attempt outbox=%s",
                             row.id)  # fmt: skip
                else:
                    if row.attempts > 1:  # the README's one LINE duplicate window
                        log.warning("LINE reply token refused after its life; whether an "
                                    "earlier attempt used it is unknown: pushing outbox=%s",
                                    row.id)  # fmt: skip
                    # Recorded before pushing, so a retry can never reply *and* push.
                    async with self._tx() as tx:
                        await tx.outbox_drop_reply_token(row.id)
                    await channel.send(row.recipient, messages, retry_key=row.retry_key)
        except Exception as exc:
            await self._failed(rows, exc)
            return
        self._ack(rows)

    async def _used_earlier(self, row: OutboxRow) -> bool:
        """Whether a refused reply token can only mean an earlier attempt of this row used it:
        it was tried before, and the token is younger than LINE keeps tokens for sure."""
        if row.attempts <= 1:
            return False
        age = (self.now() - row.created_at).total_seconds()
        event_id = row.dedupe_key.split(":", 2)[2] if row.dedupe_key.startswith("reply:") else ""
        async with self._tx() as tx:
            payload = await tx.inbox_payload(row.channel, event_id) if event_id else None
        received = Incoming.from_json(payload).received_at if payload else None
        if received is not None:  # the token's life began when LINE sent the event
            age = max(age, time.time() - received)
        return age < TOKEN_SURELY_VALID

    async def _multicast(self, rows: list[OutboxRow], key: str) -> None:
        if await self._paused(rows):
            return
        channel: Any = self.channels[rows[0].channel]
        messages = load_messages(rows[0].payload)
        for row in rows:
            await self.acks.before_send((row.channel, row.recipient))
        try:
            await channel.multicast([r.recipient for r in rows], messages, retry_key=key)
        except Exception as exc:
            await self._failed(rows, exc)
            return
        self._ack(rows)

    async def _paused(self, rows: list[OutboxRow]) -> bool:
        """While a channel (or this one chat) is paused by a 429, rows go back untried."""
        name, now = rows[0].channel, self.now()
        until = self.gates.closed_until(name, now)
        if until is None and len(rows) == 1:
            until = self.gates.closed_until(_chat_gate(name, rows[0].recipient), now)
        if until is None:
            return False
        async with self._tx() as tx:
            await tx.outbox_later([r.id for r in rows], until, "channel paused", failed=False)
        return True

    # ---- outcomes ----------------------------------------------------------------------

    async def _failed(self, rows: list[OutboxRow], exc: Exception) -> None:
        name, ids, now = rows[0].channel, [r.id for r in rows], self.now()
        if isinstance(exc, AlreadyDelivered):
            self._ack(rows)
            return
        if isinstance(exc, Throttled):
            until = now + timedelta(seconds=max(exc.retry_after, 0.1))
            if exc.chat is not None:  # that chat's own limit: the others go on
                if self.gates.pause(_chat_gate(name, exc.chat), until):
                    log.info("one %s chat paused %.1fs by a 429", name, exc.retry_after)
            elif self.gates.pause(name, until):
                log.warning("channel %s paused %.1fs by a 429", name, exc.retry_after)
            self.metrics.count("retried", name, len(rows))
            async with self._tx() as tx:
                await tx.outbox_later(ids, until, str(exc))
            return
        if isinstance(exc, ContactStopped):
            log.info("recipient blocked the bot channel=%s outbox=%s", name, ids[0])
            self._stopped.add((name, rows[0].recipient))
            self.metrics.count("blocked", name, len(rows))
            async with self._tx() as tx:
                await tx.block_recipient(name, rows[0].recipient)
            return
        # Channel errors carry the platform's words; anything else only its type (it could
        # quote message text).
        error = str(exc)[:300] if isinstance(exc, ChannelError) else type(exc).__name__
        self.metrics.count("failed", name, len(rows))
        since = min((r.failing_since or now for r in rows), default=now)
        if isinstance(exc, ConfigError) or now - since >= self.give_up_after:
            await self._dead(rows, error)
            return
        delay = backoff(max(r.attempts for r in rows), self.rng)
        log.warning("send failed channel=%s outbox=%s (%s); retry in %.0fs", name, ids[0],
                    error[:120], delay)  # fmt: skip
        self.metrics.count("retried", name, len(rows))
        async with self._tx() as tx:
            await tx.outbox_later(ids, now + timedelta(seconds=delay), error)

    async def _dead(self, rows: list[OutboxRow], error: str) -> None:
        name = rows[0].channel
        log.error("giving up channel=%s outbox=%s: %s", name, [r.id for r in rows][:5], error)
        self.metrics.count("dead", name, len(rows))
        async with self._tx() as tx:
            await tx.outbox_dead([r.id for r in rows], error)
            queued = await alert_admins(tx, rows, self.give_up_after)
        if queued:
            self.wake()

    def _ack(self, rows: list[OutboxRow]) -> None:
        """Record rows as sent, queued right after their call (see bot/outbox_acks.py)."""
        self.metrics.count("sent", rows[0].channel, len(rows))
        self.acks.record([r.id for r in rows], [(r.channel, r.recipient) for r in rows])

    async def flush(self) -> None:
        """Wait until every send so far is recorded (before stopping, and in tests)."""
        await self.acks.flush()

    # ---- the loop ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        """Drain the outbox until `stop` is set: one loop per channel, so a paused or slow
        channel never holds up another. (Call `start` first, before anything is received.)"""
        loops = [self._loop(name, stop, idle) for name in list(self.channels)]
        await asyncio.gather(*loops, self._quota_loop(stop))
        await self.flush()

    async def _loop(self, name: str, stop: asyncio.Event, idle: float) -> None:
        while not stop.is_set():
            try:
                handled = await self._pass(name)
            except Exception as exc:  # by type only: storage errors can quote message text
                log.error("outbox pass failed channel=%s: %s", name, type(exc).__name__)
                handled = 0
            if handled:
                continue
            wait = idle
            until = self.gates.closed_until(name, self.now())
            if until is not None:
                wait = max(0.01, (until - self.now()).total_seconds())
            self._wake.clear()
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            _done, pending = await asyncio.wait(
                waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED
            )
            for w in pending:
                w.cancel()

    async def check_quota(self) -> None:
        """Read LINE's monthly quota into /metrics; warn admins once a month from 80 %."""
        await check_quota(self)

    async def _quota_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.check_quota()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), QUOTA_EVERY)

    async def compose_language(self, row: OutboxRow) -> str:
        """The language a row's recipient reads."""
        async with self._tx() as tx:
            _identity, person = await tx.identity_and_person(row.channel, row.recipient)
        return person.language if person is not None else self.default_language
