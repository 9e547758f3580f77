"""Recording sends: queued at once, in order, without holding up the message that sent them.

A send is recorded ("sent") by a job on the store's per-message path, queued the moment
the platform accepted the call. The writer runs jobs in queue order, so the record
commits no later than any message handled after that send; it commits with those
messages, one commit for both, instead of a commit of its own that every reply would wait
for. What a crash can leave unrecorded stays the same: only sends whose calls were in
flight, or accepted an instant before. The next send to the same recipient waits for the
previous one's record, so at most one message per recipient can go out twice.
"""

from __future__ import annotations

import asyncio
import logging

from storage.store import Store, Tx
from storage.writer import Job

log = logging.getLogger(__name__)

Recipient = tuple[str, str]  # (channel, recipient)


class Acks:
    """Records of sends on their way to the database."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: set[asyncio.Task[None]] = set()
        self._last: dict[Recipient, asyncio.Task[None]] = {}
        self.retry_pause = 0.5  # seconds before the first retry of a failed record, doubling

    def record(self, ids: list[int], recipients: list[Recipient]) -> None:
        """Queue the record of these rows as sent (now, before anything queued later)."""

        async def mark(tx: Tx) -> None:
            await tx.outbox_delivered(ids)

        try:
            # Not fsynced alone (WAL keeps it if the process dies); a power cut may lose
            # it, and the row is then sent again as after a crash mid-call.
            queued: asyncio.Future[None] | None = self.store.submit(mark, durable=False)
        except Exception as exc:  # e.g. the store is closing: tried again below
            log.error("recording %d sends failed (%s); trying again", len(ids),
                      type(exc).__name__)  # fmt: skip
            queued = None
        task = asyncio.ensure_future(self._settle(queued, mark, len(ids)))
        self._pending.add(task)
        for to in recipients:
            self._last[to] = task
        task.add_done_callback(lambda done: self._forget(done, recipients))

    async def before_send(self, to: Recipient) -> None:
        """Wait until the recipient's previous send is recorded."""
        last = self._last.get(to)
        if last is not None and not last.done():
            await asyncio.shield(last)

    async def flush(self) -> None:
        """Wait for every record on its way."""
        while self._pending:
            await asyncio.gather(*self._pending)

    def _forget(self, done: asyncio.Task[None], recipients: list[Recipient]) -> None:
        self._pending.discard(done)
        for to in recipients:
            if self._last.get(to) is done:
                del self._last[to]

    async def _settle(
        self, queued: asyncio.Future[None] | None, mark: Job[None], count: int
    ) -> None:
        failures = 0
        while True:
            try:
                if queued is None:
                    failures += 1
                    await asyncio.sleep(min(30.0, self.retry_pause * 2**failures))
                    queued = self.store.submit(mark, durable=False)
                await queued
                return
            except Exception as exc:  # by type: keep trying, or the rows would be resent
                log.error("recording %d sends failed (%s); trying again", count,
                          type(exc).__name__)  # fmt: skip
                queued = None
