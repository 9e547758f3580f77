"""The storage seam: `Store` opens transactions; `Tx` carries every query.

Flows receive a `Tx`, so all writes for one inbound message commit together
(conversation state, report, outbox rows, inbox mark) or not at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import make_engine, upgrade
from storage.queries_geo import GeoQueries
from storage.queries_messaging import MessagingQueries
from storage.queries_people import PeopleQueries
from storage.queries_reports import ReportQueries


def utcnow() -> datetime:
    """The current time, aware UTC (what we store)."""
    return datetime.now(UTC)


class Tx(GeoQueries, PeopleQueries, ReportQueries, MessagingQueries):
    """One open transaction with every query Prasan makes."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name

    def insert_ignore(self, table: Table) -> Insert:
        """INSERT that silently skips rows violating a unique constraint."""
        if self.dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return sqlite.insert(table).on_conflict_do_nothing()

    def now(self) -> datetime:
        """Current UTC time (one place, so tests could pin it)."""
        return utcnow()


class Store:
    """Owns the engine; hands out transactions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Connect and (by default) bring the schema up to date."""
        engine = make_engine(url)
        if migrate:
            await upgrade(engine)
        return cls(engine)

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """A transaction: committed on normal exit, rolled back on error."""
        async with self.engine.begin() as conn:
            yield Tx(conn)

    async def close(self) -> None:
        """Dispose of pooled connections."""
        await self.engine.dispose()

    @property
    def dialect(self) -> str:
        """sqlite or postgresql."""
        return self.engine.dialect.name


def row_dict(row: Any) -> dict[str, Any]:
    """A result row as a plain dict."""
    return dict(row._mapping)
