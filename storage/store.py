"""The storage seam: `Store` opens transactions; `Tx` carries every query.

Two ways in, and neither ever blocks the event loop on the database:

- ``await store.run(job)`` is the per-message path: ``job(tx)`` runs in a transaction
  it may share with other jobs waiting at the same moment (one commit for all), and is
  re-run alone if that shared transaction fails (see storage/writer.py).  On SQLite it
  runs in the writer thread, which owns the one write connection, so a lock held by
  another process is waited for there, not on the loop.
- ``async with store.tx() as tx`` is for everything else (the sender, jobs, admin,
  tests): SQLAlchemy's async engine, aiosqlite or asyncpg, one transaction per block.
  On SQLite blocks take turns in the process, and the writer waits between two
  batches while one is open.

Flows receive a `Tx`, so all writes for one inbound message commit together
(conversation state, report, outbox rows, inbox mark) or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import make_engine, make_sqlite_engine, upgrade
from storage.queries_access import AccessQueries
from storage.queries_audience import AudienceQueries
from storage.queries_broadcasts import BroadcastQueries
from storage.queries_calendar import CalendarQueries
from storage.queries_digest import DigestQueries
from storage.queries_geo import GeoQueries
from storage.queries_invites import InviteQueries
from storage.queries_leases import LeaseQueries
from storage.queries_media import MediaQueries
from storage.queries_meetings import MeetingQueries
from storage.queries_messaging import MessagingQueries
from storage.queries_outbox import OutboxQueries
from storage.queries_people import PeopleQueries
from storage.queries_photos import PhotoQueries
from storage.queries_privacy import PrivacyQueries
from storage.queries_proactive import ProactiveQueries
from storage.queries_reports import ReportQueries
from storage.queries_search import SearchQueries
from storage.queries_tickets import TicketQueries
from storage.stored_terms import StoredTerms
from storage.writer import Job, LoopWriter, ThreadWriter

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The current time, aware UTC (what we store)."""
    return datetime.now(UTC)


class LoopConnection:
    """The async connection interface over a synchronous SQLite connection."""

    def __init__(self, conn: Connection) -> None:
        self.sync_connection = conn
        self.dialect = conn.dialect
        # The sqlite3 connection underneath, for the hot statements (storage/hot_sqlite.py).
        self.raw: sqlite3.Connection = conn.connection.dbapi_connection  # type: ignore[assignment]

    async def execute(self, statement: Any, parameters: Any = None) -> Any:
        """Run a statement now (no thread hop)."""
        if parameters is None:
            return self.sync_connection.execute(statement)
        return self.sync_connection.execute(statement, parameters)

    async def scalar(self, statement: Any, parameters: Any = None) -> Any:
        """Run a statement and return the first column of the first row."""
        return self.sync_connection.scalar(statement, parameters)


class Tx(
    GeoQueries, PeopleQueries, AccessQueries, InviteQueries, PrivacyQueries, ReportQueries,
    MessagingQueries, ProactiveQueries, TicketQueries, SearchQueries, AudienceQueries,
    BroadcastQueries, MediaQueries, MeetingQueries, OutboxQueries, CalendarQueries,
    DigestQueries, LeaseQueries, PhotoQueries,
):  # fmt: skip
    """One open transaction with every query Prasan makes."""

    def __init__(
        self, conn: AsyncConnection | LoopConnection, clock: Callable[[], datetime] = utcnow,
        terms: StoredTerms | None = None,
    ) -> None:  # fmt: skip
        self.conn = conn
        self.terms = StoredTerms() if terms is None else terms  # the store's, shared by its Txs
        self.dialect = conn.dialect.name
        self._clock = clock
        # Set in the SQLite writer thread: the hot statements skip SQLAlchemy there.
        self.raw = conn.raw if isinstance(conn, LoopConnection) else None

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT that silently skips rows violating a unique constraint."""
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()

    def now(self) -> datetime:
        """Current UTC time: the store's clock (tests move it instead of sleeping)."""
        return self._clock()


T = TypeVar("T")


class Store:
    """Owns the engines and the writer; hands out transactions."""

    def __init__(self, engine: AsyncEngine, writer_engine: Engine | None = None) -> None:
        # `engine` serves store.tx() and migrations; on SQLite `writer_engine` is the
        # writer thread's synchronous connection, on PostgreSQL the engine serves both.
        self.engine = engine
        self._dialect: str = engine.dialect.name  # asked on every message
        # What every transaction takes as "now"; tests replace it with a movable clock.
        self.clock: Callable[[], datetime] = utcnow
        self.writer: ThreadWriter | LoopWriter
        if writer_engine is not None:
            self.writer = ThreadWriter(writer_engine, self._loop_tx)
        else:
            self.writer = LoopWriter(engine, self._async_tx)
        self._holders: set[asyncio.Task[Any]] = set()
        self._tx_lock = asyncio.Lock()
        self.left_open = 0  # connections still checked out when the store was closed
        self.terms = StoredTerms()  # open problems' search terms, read once (see its module)

    def _loop_tx(self, conn: Connection) -> Tx:
        return Tx(LoopConnection(conn), self.clock, self.terms)

    def _async_tx(self, conn: AsyncConnection) -> Tx:
        return Tx(conn, self.clock, self.terms)

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect and (by default) bring the schema up to date."""
        engine = make_engine(url)
        if migrate:
            await upgrade(engine)
        if engine.dialect.name == "sqlite":
            return cls(engine, make_sqlite_engine(url))
        return cls(engine)

    async def run(self, job: Job[T], *, durable: bool = True, urgent: bool = False) -> T:
        """Run ``job(tx)`` on the per-message path; returns after its transaction committed.

        ``durable=False`` only for what may be lost with the machine's power but not with
        the process (a send's acknowledgement): see ThreadWriter.run.  ``urgent`` for what
        a platform waits on (a webhook's inbox write): see ThreadWriter.submit.
        """
        return await self.submit(job, durable=durable, urgent=urgent)

    def submit(
        self, job: Job[T], *, durable: bool = True, urgent: bool = False
    ) -> asyncio.Future[T]:
        """Queue ``job(tx)`` on the per-message path now, in order with every job queued
        before and after it; await the future for its result (see `run`)."""
        if self._holders and self._dialect == "sqlite" and asyncio.current_task() in self._holders:
            # The writer would wait for the write lock this task's own tx() holds.
            raise RuntimeError("store.run() called inside store.tx() of the same task")
        return self.writer.submit(job, durable, urgent)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """A transaction: committed on normal exit, rolled back on error."""
        me = asyncio.current_task()
        if me is not None and me in self._holders and self.dialect == "sqlite":
            # It would wait for its own write lock until the busy timeout: fail loudly.
            raise RuntimeError("store.tx() opened inside another transaction of the same task")
        if me is not None:
            self._holders.add(me)
        try:
            if isinstance(self.writer, ThreadWriter):
                # One connection writes at a time in this process, first come first
                # served: the writer waits between two batches for this block (left to
                # SQLite's busy handler, a busy writer could starve it past the timeout).
                async with self._tx_lock, self.writer.paused(), self.engine.begin() as conn:
                    yield Tx(conn, self.clock, self.terms)
            else:
                async with self.engine.begin() as conn:
                    yield Tx(conn, self.clock, self.terms)
        finally:
            self._holders.discard(me)  # type: ignore[arg-type]

    async def close(self) -> None:
        """Finish queued writes and dispose of pooled connections."""
        await self.writer.close()
        # A connection still checked out belongs to a task that outlives the store: the
        # pool cannot close it, and it is torn down later by the garbage collector.
        self.left_open = getattr(self.engine.pool, "checkedout", lambda: 0)()
        if self.left_open:
            log.warning("store closed with %d connection(s) still in use", self.left_open)
        await self.engine.dispose()

    @property
    def dialect(self) -> str:
        """sqlite or postgresql."""
        return self._dialect
