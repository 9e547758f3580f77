"""Fresh databases for tests: a SQLite file, or a throwaway PostgreSQL database.

`PRASAN_TEST_POSTGRES_URL` names a PostgreSQL database the tests may use as a base: each
test that wants PostgreSQL gets its own database named after it (`<base>_t<n>`), created
empty and dropped after the test. `PRASAN_TEST_BACKEND=postgresql` makes every test that
opens a store use PostgreSQL (`.ci/run` runs the whole suite a second time that way).
Both are read at import, before fixtures scrub `PRASAN_*` from the environment.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PG_URL = os.environ.get("PRASAN_TEST_POSTGRES_URL") or None
BACKEND = os.environ.get("PRASAN_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError("PRASAN_TEST_BACKEND: expected sqlite or postgresql")
if BACKEND == "postgresql" and not PG_URL:
    raise RuntimeError("PRASAN_TEST_BACKEND=postgresql needs PRASAN_TEST_POSTGRES_URL")

NO_POSTGRES = "PostgreSQL cases need PRASAN_TEST_POSTGRES_URL (.ci/run sets it)"
_numbers = itertools.count(1)


def _plain(url: str) -> str:
    """The libpq-style URL asyncpg accepts (no SQLAlchemy driver suffix)."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _admin(sql: str) -> None:
    """Run one statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import asyncpg

    assert PG_URL is not None
    base = _plain(PG_URL).rsplit("/", 1)[0] + "/postgres"

    async def go() -> None:
        conn = await asyncpg.connect(base, timeout=10)
        try:
            await conn.execute(sql, timeout=30)
        finally:
            await conn.close()

    # A thread with its own loop: callable from sync fixtures and from inside a running loop.
    error: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(go())
        except BaseException as exc:  # re-raised in the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new empty PostgreSQL database for one test (plain postgresql:// URL), dropped after."""
    assert PG_URL is not None
    base_url, _, base_name = _plain(PG_URL).rpartition("/")
    base_name = base_name.split("?", 1)[0]
    name = f"{base_name}_t{os.getpid()}_{next(_numbers)}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base_url}/{name}"
    finally:
        # FORCE: a test that failed midway may still hold connections (a killed subprocess's).
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(tmp_path: Path, backend: str = BACKEND) -> Iterator[str]:
    """A new empty database URL on `backend` (what DATABASE_URL would be set to)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'prasan.db'}"
        return
    with postgres_database() as url:
        yield url


def skip_without_postgres() -> None:
    """Skip the calling test with a reason when no PostgreSQL is configured."""
    if PG_URL is None:
        pytest.skip(NO_POSTGRES)


# For tests about SQLite itself (its write lock, its file): the PostgreSQL run skips them.
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about SQLite's own lock and file")
