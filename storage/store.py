"""The storage seam: `Store` opens transactions; `Tx` carries every query.

Flows receive a `Tx`, so all writes for one inbound message commit together
(conversation state, report, outbox rows, inbox mark) or not at all.

On SQLite, statements run synchronously on the event loop over one connection:
a query takes tens of microseconds there, while the aiosqlite thread hop costs
~250 µs per statement through SQLAlchemy's adapter (measured, see
benchmarks/RESULTS.md). An asyncio lock keeps transactions from interleaving, so
no coroutine ever blocks the loop waiting for SQLite's write lock held by another.
PostgreSQL uses the asyncpg engine as usual.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import make_engine, make_sqlite_engine, upgrade
from storage.queries_access import AccessQueries
from storage.queries_audience import AudienceQueries
from storage.queries_broadcasts import BroadcastQueries
from storage.queries_geo import GeoQueries
from storage.queries_invites import InviteQueries
from storage.queries_messaging import MessagingQueries
from storage.queries_people import PeopleQueries
from storage.queries_privacy import PrivacyQueries
from storage.queries_proactive import ProactiveQueries
from storage.queries_reports import ReportQueries
from storage.queries_search import SearchQueries
from storage.queries_tickets import TicketQueries


def utcnow() -> datetime:
    """The current time, aware UTC (what we store)."""
    return datetime.now(UTC)


class LoopConnection:
    """The async connection interface over a synchronous SQLite connection."""

    def __init__(self, conn: Connection) -> None:
        self.sync_connection = conn
        self.dialect = conn.dialect

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
    BroadcastQueries,
):  # fmt: skip
    """One open transaction with every query Prasan makes."""

    def __init__(
        self, conn: AsyncConnection | LoopConnection, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        self._clock = clock

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: an error inside rolls back only what was done inside."""
        if isinstance(self.conn, LoopConnection):
            with self.conn.sync_connection.begin_nested():
                yield
        else:
            async with self.conn.begin_nested():
                yield

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT that silently skips rows violating a unique constraint."""
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()

    def now(self) -> datetime:
        """Current UTC time: the store's clock (tests move it instead of sleeping)."""
        return self._clock()


class Store:
    """Owns the engines; hands out transactions."""

    def __init__(self, engine: AsyncEngine, sync_engine: Engine | None = None) -> None:
        # `engine` serves migrations (and every query on PostgreSQL).
        self.engine = engine
        self.sync_engine = sync_engine
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        # What every transaction takes as "now"; tests replace it with a movable clock.
        self.clock: Callable[[], datetime] = utcnow

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect and (by default) bring the schema up to date."""
        engine = make_engine(url)
        if migrate:
            await upgrade(engine)
        if engine.dialect.name == "sqlite":
            await engine.dispose()  # migrations only; queries use the loop connection
            return cls(engine, make_sqlite_engine(url))
        return cls(engine)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """A transaction: committed on normal exit, rolled back on error."""
        if self.sync_engine is None:
            async with self.engine.begin() as conn:
                yield Tx(conn, self.clock)
            return
        me = asyncio.current_task()
        if self._owner is not None and self._owner is me:
            # Waiting for our own lock would hang forever: fail loudly instead.
            raise RuntimeError("store.tx() opened inside another transaction of the same task")
        async with self._lock:
            self._owner = me
            try:
                with self.sync_engine.begin() as sync_conn:
                    yield Tx(LoopConnection(sync_conn), self.clock)
            finally:
                self._owner = None

    async def close(self) -> None:
        """Dispose of pooled connections."""
        if self.sync_engine is not None:
            self.sync_engine.dispose()
        await self.engine.dispose()

    @property
    def dialect(self) -> str:
        """sqlite or postgresql."""
        return self.engine.dialect.name
