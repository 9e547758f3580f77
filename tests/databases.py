"""Fresh databases for tests: a SQLite file, or a throwaway PostgreSQL database.

`PRASAN_TEST_POSTGRES_URL` names a PostgreSQL database the tests may use as a base: each
test that wants PostgreSQL gets its own database named after it (`<base>_t<n>`), created
empty and dropped after the test. `PRASAN_TEST_BACKEND=postgresql` makes every test that
opens a store use PostgreSQL (`.ci/run` runs the whole suite a second time that way).
Both are read at import, before fixtures scrub `PRASAN_*` from the environment.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

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


def _run_in_thread(go: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine in a thread with its own loop: callable from sync fixtures and from
    inside a running loop alike; its exception is re-raised here."""
    error: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(go())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]


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

    _run_in_thread(go)


def _migrate(url: str) -> None:
    """Bring the database at `url` to head."""
    from bot.config import load_settings
    from storage.store import Store

    async def go() -> None:
        store = await Store.open(load_settings(DATABASE_URL=url).DATABASE_URL)
        await store.close()

    _run_in_thread(go)


# Migrating a database from nothing costs 0.3 s on SQLite and 2 s on PostgreSQL; most tests
# only need one at head. Each process migrates one template per backend and copies it.
_templates: dict[str, str] = {}


def _sqlite_template() -> Path:
    if "sqlite" not in _templates:
        path = Path(tempfile.mkdtemp(prefix="prasan-template-")) / "prasan.db"
        _migrate(f"sqlite:///{path}")
        with closing(sqlite3.connect(path)) as conn:  # everything in the main file, none in -wal
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _templates["sqlite"] = str(path)
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
    return Path(_templates["sqlite"])


def _postgres_names() -> tuple[str, str]:
    assert PG_URL is not None
    base_url, _, base_name = _plain(PG_URL).rpartition("/")
    return base_url, base_name.split("?", 1)[0]


def _postgres_template() -> str:
    if "postgresql" not in _templates:
        base_url, base_name = _postgres_names()
        # Named like the per-test databases, so .ci/run's clean-up finds it after a kill.
        name = f"{base_name}_t{os.getpid()}_template"
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
        _migrate(f"{base_url}/{name}")
        _templates["postgresql"] = name
        atexit.register(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return _templates["postgresql"]


@contextmanager
def postgres_database(*, migrated: bool = False) -> Iterator[str]:
    """A new PostgreSQL database for one test (plain postgresql:// URL), dropped after.

    Empty, or `migrated` to head (a copy of this process's template).
    """
    base_url, base_name = _postgres_names()
    name = f"{base_name}_t{os.getpid()}_{next(_numbers)}"
    template = f' TEMPLATE "{_postgres_template()}"' if migrated else ""
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"{template}')
    try:
        yield f"{base_url}/{name}"
    finally:
        # FORCE: a test that failed midway may still hold connections (a killed subprocess's).
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(
    tmp_path: Path, backend: str = BACKEND, *, migrated: bool = True
) -> Iterator[str]:
    """A new database URL on `backend` (what DATABASE_URL would be set to).

    Migrated to head unless `migrated=False` (tests of migrations themselves want it empty).
    """
    if backend == "sqlite":
        path = tmp_path / "prasan.db"
        if migrated:
            shutil.copyfile(_sqlite_template(), path)
            path.chmod(0o600)
        yield f"sqlite:///{path}"
        return
    with postgres_database(migrated=migrated) as url:
        yield url


def skip_without_postgres() -> None:
    """Skip the calling test with a reason when no PostgreSQL is configured."""
    if PG_URL is None:
        pytest.skip(NO_POSTGRES)


# For tests about SQLite itself (its write lock, its file): the PostgreSQL run skips them.
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about SQLite's own lock and file")
