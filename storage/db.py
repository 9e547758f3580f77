"""Engine creation and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one developer process, no lock needed
    fcntl = None  # type: ignore[assignment]

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

MIGRATIONS = Path(__file__).parent / "migrations"


def prepare_sqlite_file(path: str) -> None:
    """Create the data directory (0700) and the database file (0600) readable by the owner only."""
    if not path or path == ":memory:":
        return
    file = Path(path)
    missing = [d for d in (file.parent, *file.parent.parents) if not d.exists()]
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    for directory in missing:  # mkdir's mode is filtered by the umask; chmod is not
        directory.chmod(0o700)
    if not file.exists():
        # SQLite gives its -wal and -shm files the database file's permissions.
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))
        file.chmod(0o600)


def make_engine(url: str) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys, a busy timeout, BEGIN IMMEDIATE.

    On SQLite each statement runs in aiosqlite's thread, so waiting for the write lock
    never blocks the event loop. Every engine hides bound parameters in its error
    messages: they hold report text.
    """
    if url.startswith("sqlite"):
        prepare_sqlite_file(url.split("///", 1)[-1])
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _manual_transactions)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    return create_async_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
    )


def make_sqlite_engine(url: str) -> Engine:
    """The writer thread's synchronous engine: one connection, BEGIN IMMEDIATE."""
    path = url.split("///", 1)[-1]
    prepare_sqlite_file(path)
    engine = create_engine(
        f"sqlite:///{path}", poolclass=StaticPool, connect_args={"check_same_thread": False},
        hide_parameters=True,
    )  # fmt: skip
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", _manual_transactions)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _manual_transactions(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN is deferred).
    dbapi_conn.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    # Take the write lock at BEGIN: two processes (web + worker) then queue on busy_timeout
    # instead of one failing with "database is locked" when a read upgrades to a write.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the web process read while the worker writes; synchronous=FULL keeps
    # every committed report on disk even on power loss (we batch instead of relaxing it).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Erased and expired text must not linger in free pages of the file.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# pg_advisory_xact_lock key for migrations: any fixed 64-bit number, the same in every process.
MIGRATION_LOCK = 0x70726173616E  # "prasan"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent), once even when processes start together.

    On PostgreSQL a transaction-scoped advisory lock, on SQLite a lock file next to the
    database, makes every other process wait; each then reads the version afresh and finds
    nothing left to do.
    """

    def run(sync_conn: Connection) -> None:
        if sync_conn.dialect.name == "postgresql":
            sync_conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        command.upgrade(alembic_config(sync_conn), revision)

    async with _migration_file_lock(engine):
        async with engine.begin() as conn:
            await conn.run_sync(run)


@asynccontextmanager
async def _migration_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    # SQLite's BEGIN IMMEDIATE alone would serialise migrations only up to the busy timeout;
    # a long migration (an index over every report) must make the others wait, not fail.
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:" or fcntl is None:
        yield
        return
    # The lock waits in a thread: the event loop keeps running while another process migrates.
    fd = await asyncio.to_thread(os.open, f"{path}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, or None when it is empty."""
    from alembic.runtime.migration import MigrationContext

    def read(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(read)
