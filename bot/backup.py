"""SQLite backup (online, consistent under writes) and restore (only while Prasan is stopped).

A running process (`run`, `web`, `worker`, `console`) holds a shared lock on
`<database>.lock`; restore takes it exclusively, so it refuses while any is running.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from storage.db import prepare_sqlite_file

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, restore trusts the operator
    fcntl = None  # type: ignore[assignment]


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, None for other databases."""
    if not url.startswith("sqlite"):
        return None
    return Path(url.split("///", 1)[-1])


def pg_dump_hint(url: str) -> str:
    """The pg_dump command for a PostgreSQL URL, with the password left out."""
    parts = urlsplit(url.replace("+asyncpg", ""))
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    safe = f"postgresql://{user}{parts.hostname or ''}{port}{parts.path}"
    return f'PGPASSWORD=… pg_dump --format=custom --file=FILE "{safe}"'


def _lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _open_lock(db: Path) -> IO[bytes]:
    fd = os.open(_lock_path(db), os.O_CREAT | os.O_RDWR, 0o600)
    return os.fdopen(fd, "r+b")


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


class RunningLock:
    """Held by a serving process for its lifetime; tells restore the database is in use."""

    def __init__(self, url: str) -> None:
        db = sqlite_path(url)
        self._file: IO[bytes] | None = None
        if db is None or fcntl is None or str(db) == ":memory:":
            return
        prepare_sqlite_file(str(db))
        self._file = _open_lock(db)
        fcntl.flock(self._file, fcntl.LOCK_SH)

    def release(self) -> None:
        """Let restore run again (the process is stopping)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    if create:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def backup(db: Path, dest: Path) -> int:
    """Copy a live database to `dest` (owner-only) with SQLite's online backup; returns pages."""
    if not db.exists():
        raise BackupError(f"there is no database at {db}")
    if dest.exists():
        raise BackupError(f"{dest} exists: choose a new file name")
    src = _connect(db)
    try:
        out = _connect(dest, create=True)
        try:
            src.backup(out)  # one step: a consistent snapshot even while others write (WAL)
            pages = int(out.execute("PRAGMA page_count").fetchone()[0])
            out.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            out.close()
    finally:
        src.close()
    return pages


def check_backup(file: Path) -> None:
    """Refuse anything that is not a sound Prasan database."""
    if not file.is_file():
        raise BackupError(f"{file} does not exist")
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file} is not a SQLite database ({type(exc).__name__})") from None
    if ok != "ok":
        raise BackupError(f"{file} is damaged (integrity check failed)")
    if not {"alembic_version", "reports", "people"} <= tables:
        raise BackupError(f"{file} is not a Prasan database")


def restore(file: Path, db: Path) -> Path | None:
    """Replace the database with a backup; the previous one is kept beside it (returned)."""
    check_backup(file)
    db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = _open_lock(db)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BackupError("the database is in use by a running prasan process: "
                                  "stop it first, then restore") from None  # fmt: skip
        kept = None
        if db.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            kept = db.with_name(f"{db.name}.before-restore-{stamp}")
            backup(db, kept)
        else:
            os.close(os.open(db, os.O_CREAT | os.O_WRONLY, 0o600))
        src = _connect(file)
        try:
            target = _connect(db)
            try:
                src.backup(target)  # page by page into the live file, WAL handled by SQLite
            finally:
                target.close()
        finally:
            src.close()
        return kept
    finally:
        lock.close()


def checkpoint(db: Path | None) -> None:
    """Fold the WAL into the database and empty it, so removed text leaves no old page copies."""
    if db is None or not db.exists():
        return
    conn = _connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
