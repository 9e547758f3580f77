"""Group commit for the per-message path: jobs share a transaction, a failing one runs alone.

A job is ``async def job(tx) -> result``: everything one inbound message writes (inbox
mark, conversation state, report, reply row).  Jobs waiting together run one after the
other in one transaction and one commit (one fsync), in the order they were submitted,
so one person's messages keep their order.  If anything in that shared transaction
fails, it is rolled back and each of its jobs is run again alone, so one bad message
never fails its neighbours and nothing is half-written.  A job's result (or its own
error) comes back only after its transaction committed.

On SQLite one thread owns the write connection and runs the jobs: waiting for SQLite's
write lock (another process writing) or for the disk happens there, never on the event
loop.  On PostgreSQL the same batching runs as a task on the loop over asyncpg.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from storage.store import Tx

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[["Tx"], Awaitable[T]]
# Jobs per transaction: more saves fsyncs, but every job in a batch waits for the whole
# batch, so this bounds the latency it adds.
MAX_BATCH = 16
# While another process holds SQLite's write lock the writer keeps waiting (it never
# drops a job); it says so in the log this often.
LOCK_LOG_EVERY = 10.0

_Outcome = tuple[bool, Any]  # (True, result) or (False, exception)


class _Wake:
    """Queued with an urgent job: wakes the writer, which takes the urgent jobs first."""


_WAKE = _Wake()
_Begin = Callable[[], AbstractAsyncContextManager["Tx"]]


async def run_batch(begin: _Begin, jobs: list[Job[Any]]) -> list[_Outcome]:
    """Run jobs in one transaction; if it fails, run each in its own. One outcome per job."""
    if len(jobs) > 1:
        try:
            async with begin() as tx:
                results = [await job(tx) for job in jobs]
            return [(True, r) for r in results]
        except Exception as exc:
            # Type only: a data error's message can carry report text.
            log.warning("batch of %d failed (%s); running it one by one", len(jobs),
                        type(exc).__name__)  # fmt: skip
    outcomes: list[_Outcome] = []
    for job in jobs:
        try:
            async with begin() as tx:
                outcomes.append((True, await job(tx)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


def _settle(items: list[tuple[asyncio.Future[Any], _Outcome]]) -> None:
    for future, (ok, value) in items:
        if future.done():  # the caller was cancelled; the job ran (and committed) anyway
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)


# (job, its future, durable): a batch of only non-durable jobs commits without an fsync.
_Item = tuple[Job[Any], asyncio.Future[Any], bool]


@dataclass(frozen=True)
class _Pause:
    future: asyncio.Future[None]  # set once the writer is idle
    resume: threading.Event


def _synchronous(conn: Any, mode: str) -> None:
    """Set SQLite's synchronous mode on the writer's connection, between transactions."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute(f"PRAGMA synchronous={mode}")


class ThreadWriter:
    """SQLite: one thread, one connection, jobs taken from a queue in batches."""

    def __init__(
        self, engine: Engine, make_tx: Callable[[Any], Tx], name: str = "prasan-writer"
    ) -> None:
        self._engine = engine
        self._make_tx = make_tx
        self._queue: queue.SimpleQueue[_Item | _Pause | _Wake | None] = queue.SimpleQueue()
        self._urgent: collections.deque[_Item] = collections.deque()  # see submit's `urgent`
        self._stopping = False
        self.commits = 0  # transactions committed so far (tests and benchmarks read it)
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    async def run(self, job: Job[T], durable: bool = True, urgent: bool = False) -> T:
        """Queue a job and wait until its transaction committed; its result or error.

        `durable=False` (a send's acknowledgement): when a batch holds only such jobs it
        commits with synchronous=NORMAL: in WAL mode that survives the process dying, only
        not the machine losing power, and it saves the fsync a reply would otherwise cost.
        """
        return await self.submit(job, durable, urgent)

    def submit(self, job: Job[T], durable: bool = True, urgent: bool = False) -> asyncio.Future[T]:
        """Queue a job now (behind every job queued before it); the future of its outcome.

        `urgent` (a webhook's inbox write, which the platform waits on for its 200): the job
        goes into the next batch, ahead of the queued messages, so a burst of work does not
        delay the answer; urgent jobs keep their order among themselves.
        """
        if self._stopping:
            raise RuntimeError("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if urgent:
            self._urgent.append((job, future, durable))
            self._queue.put(_WAKE)
        else:
            self._queue.put((job, future, durable))
        return future

    @asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Hold the writer between two batches (outside any transaction) for the block."""
        resume = threading.Event()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put(_Pause(future, resume))
        try:
            await future
            yield
        finally:
            resume.set()

    async def close(self) -> None:
        """Finish the queued jobs, then stop the thread."""
        self._stopping = True
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)

    # --- the writer thread ---------------------------------------------------------

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        conn = self._engine.connect()
        pending: _Item | _Pause | _Wake | None = None  # taken while forming a batch
        try:
            while True:
                item = pending if pending is not None else self._queue.get()
                pending = None
                if isinstance(item, _Pause):
                    # Outside any transaction: the lock is free for store.tx().
                    self._post([item.future], [(True, None)])
                    item.resume.wait()
                    continue
                batch = self._take_urgent([])
                if item is None:  # closing: what jumped the queue still runs
                    while batch:
                        self._run(loop, conn, batch)
                        batch = self._take_urgent([])
                    return
                if not isinstance(item, _Wake):
                    batch.append(item)
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None or isinstance(more, _Pause):
                        pending = more
                        break
                    if isinstance(more, _Wake):
                        self._take_urgent(batch)
                    else:
                        batch.append(more)
                if batch:
                    self._run(loop, conn, batch)
        finally:
            conn.close()
            loop.close()

    def _take_urgent(self, batch: list[_Item]) -> list[_Item]:
        while self._urgent and len(batch) < MAX_BATCH:
            batch.append(self._urgent.popleft())
        return batch

    def _run(self, loop: asyncio.AbstractEventLoop, conn: Any, batch: list[_Item]) -> None:
        jobs = [job for job, _, _ in batch]
        relaxed = not any(durable for _, _, durable in batch)
        try:
            if relaxed:
                _synchronous(conn, "NORMAL")
            outcomes = loop.run_until_complete(run_batch(lambda: self._begin(conn), jobs))
        except BaseException as exc:  # the writer itself failed: tell every caller
            outcomes = [(False, exc)] * len(batch)
            if not isinstance(exc, Exception):
                raise
        finally:
            if relaxed:
                _synchronous(conn, "FULL")
        self._post([future for _, future, _ in batch], outcomes)

    @asynccontextmanager
    async def _begin(self, conn: Any) -> AsyncIterator[Tx]:
        waited_since = time.monotonic()
        logged = waited_since
        while True:
            try:
                trans = conn.begin()  # BEGIN IMMEDIATE: waits up to busy_timeout for the lock
                break
            except OperationalError as exc:
                if "locked" not in str(exc.orig) or self._stopping:
                    raise
                if time.monotonic() - logged >= LOCK_LOG_EVERY:
                    logged = time.monotonic()
                    log.warning("database locked by another process for %.0fs; still waiting",
                                logged - waited_since)  # fmt: skip
        try:
            yield self._make_tx(conn)
        except BaseException:
            trans.rollback()
            raise
        trans.commit()
        self.commits += 1

    def _post(self, futures: list[asyncio.Future[Any]], outcomes: list[_Outcome]) -> None:
        # One wake-up per waiting loop, not one per job.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], _Outcome]]] = {}
        for future, outcome in zip(futures, outcomes, strict=True):
            by_loop.setdefault(future.get_loop(), []).append((future, outcome))
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, items)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                pass


class LoopWriter:
    """PostgreSQL: the same batching, as a task on the event loop."""

    def __init__(self, engine: AsyncEngine, make_tx: Callable[[Any], Tx]) -> None:
        self._engine = engine
        self._make_tx = make_tx
        self._pending: list[tuple[Job[Any], asyncio.Future[Any]]] = []
        self._urgent = 0  # how many of the pending jobs, at its head, are urgent
        self._task: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed so far (tests and benchmarks read it)

    async def run(self, job: Job[T], durable: bool = True, urgent: bool = False) -> T:
        """Queue a job and wait until its transaction committed; its result or error.

        `durable` is SQLite's matter (see ThreadWriter.run); PostgreSQL commits alike.
        """
        return await self.submit(job, durable, urgent)

    def submit(self, job: Job[T], durable: bool = True, urgent: bool = False) -> asyncio.Future[T]:
        """Queue a job now; the future of its outcome (`urgent`: see ThreadWriter.submit)."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        if urgent:
            self._pending.insert(self._urgent, (job, future))
            self._urgent += 1
        else:
            self._pending.append((job, future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain())
        return future

    async def close(self) -> None:
        """Wait for the queued jobs."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self._urgent = max(0, self._urgent - len(batch))
            try:
                outcomes = await run_batch(self._begin, [job for job, _ in batch])
            except Exception as exc:
                outcomes = [(False, exc)] * len(batch)
            _settle([(future, o) for (_, future), o in zip(batch, outcomes, strict=True)])

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[Tx]:
        async with self._engine.begin() as conn:
            yield self._make_tx(conn)
        self.commits += 1
