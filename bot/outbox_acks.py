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
        # A record is the writer's future while all goes well (no task per send: this is on
        # every reply's path) and a retrying task once its first attempt failed.
        self._pending: set[asyncio.Future[None]] = set()
        self._last: dict[Recipient, asyncio.Future[None]] = {}
        self.retry_pause = 0.5  # seconds before the first retry of a failed record, doubling

    def record(self, ids: list[int], recipients: list[Recipient]) -> None:
        """Queue the record of these rows as sent (now, before anything queued later)."""

        async def mark(tx: Tx) -> None:
            await tx.outbox_delivered(ids)

        try:
            # Not fsynced alone (WAL keeps it if the process dies); a power cut may lose
            # it, and the row is then sent again as after a crash mid-call.
            queued: asyncio.Future[None] = self.store.submit(mark, durable=False)
        except Exception as exc:  # e.g. the store is closing: tried again below
            log.error("recording %d sends failed (%s); trying again", len(ids),
                      type(exc).__name__)  # fmt: skip
            self._track(asyncio.ensure_future(self._retry(mark, len(ids))), recipients)
            return
        self._track(queued, recipients, (mark, len(ids)))

    async def before_send(self, to: Recipient) -> None:
        """Wait until the recipient's previous send is recorded."""
        while (last := self._last.get(to)) is not None and not last.done():
            try:
                await asyncio.shield(last)
            except Exception:  # its first attempt failed: the retry now stands in for it
                continue

    async def flush(self) -> None:
        """Wait for every record on its way."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    def _track(
        self, record: asyncio.Future[None], recipients: list[Recipient],
        retry: tuple[Job[None], int] | None = None,
    ) -> None:  # fmt: skip
        self._pending.add(record)
        for to in recipients:
            self._last[to] = record
        record.add_done_callback(lambda done: self._done(done, recipients, retry))

    def _done(
        self, done: asyncio.Future[None], recipients: list[Recipient],
        retry: tuple[Job[None], int] | None,
    ) -> None:  # fmt: skip
        self._pending.discard(done)
        failed = not done.cancelled() and done.exception() is not None
        if failed and retry is not None:
            mark, count = retry
            exc = done.exception()
            log.error("recording %d sends failed (%s); trying again", count,
                      type(exc).__name__)  # fmt: skip
            task = asyncio.ensure_future(self._retry(mark, count))
            self._pending.add(task)
            for to in recipients:
                if self._last.get(to) is done:
                    self._last[to] = task
            task.add_done_callback(lambda t: self._done(t, recipients, None))
            return
        for to in recipients:
            if self._last.get(to) is done:
                del self._last[to]

    async def _retry(self, mark: Job[None], count: int) -> None:
        failures = 0
        while True:
            failures += 1
            await asyncio.sleep(min(30.0, self.retry_pause * 2**failures))
            try:
                await self.store.submit(mark, durable=False)
                return
            except Exception as exc:  # by type: keep trying, or the rows would be resent
                log.error("recording %d sends failed (%s); trying again", count,
                          type(exc).__name__)  # fmt: skip
