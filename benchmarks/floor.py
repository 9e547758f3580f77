"""The physical floor for `bench_inbound.py`: Prasan's own SQL replayed in raw sqlite3.

While Prasan runs, `Trace` records every statement its writer thread sends to SQLite,
with its parameters and transaction boundaries (BEGIN IMMEDIATE ... COMMIT): the
SQLAlchemy ones through engine events, the hot ones (storage/hot_sqlite.py) through a
thin proxy on the sqlite3 connection.  `replay` then runs exactly that sequence on a
copy of the database as it was before the run, from one plain sqlite3 connection with
the same durability (WAL, synchronous=FULL) and therefore the same batches, fetching
what Prasan fetched.  Nothing else happens between statements, so that is as fast as
this disk and SQLite can store the same work: the floor Prasan is compared with.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

import storage.store
import storage.writer
from storage.store import Store

_COMMIT, _ROLLBACK = "COMMIT", "ROLLBACK"


class _RawProxy:
    """Records the hot statements on their way to the real sqlite3 connection."""

    def __init__(self, real: sqlite3.Connection, trace: Trace) -> None:
        self._real, self._trace = real, trace

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        self._trace.ops.append((sql, params, False))
        return self._real.execute(sql, params)


class Trace:
    """Every statement the store's writer runs while recording is on."""

    def __init__(self) -> None:
        self.ops: list[tuple[str, Any, bool]] = []
        self._store: Store | None = None
        self._init: Any = None
        self._synchronous: Any = None

    def attach(self, store: Store) -> None:
        """Start recording the writer's statements."""
        engine = store.writer._engine  # type: ignore[union-attr]
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        cls = storage.store.LoopConnection
        self._init, trace = cls.__init__, self

        def init(conn: Any, sync_conn: Any) -> None:
            trace._init(conn, sync_conn)
            conn.raw = _RawProxy(conn.raw, trace)

        cls.__init__ = init  # type: ignore[method-assign]
        # A batch of acknowledgements only commits with synchronous=NORMAL: so does the replay.
        self._synchronous = storage.writer._synchronous

        def synchronous(conn: Any, mode: str) -> None:
            trace.ops.append((f"PRAGMA synchronous={mode}", None, False))
            trace._synchronous(conn, mode)

        storage.writer._synchronous = synchronous  # type: ignore[assignment]
        self._store = store

    def detach(self) -> None:
        """Stop recording."""
        assert self._store is not None
        engine = self._store.writer._engine  # type: ignore[union-attr]
        event.remove(engine, "before_cursor_execute", self._statement)
        event.remove(engine, "commit", self._commit)
        event.remove(engine, "rollback", self._rollback)
        storage.store.LoopConnection.__init__ = self._init  # type: ignore[method-assign]
        storage.writer._synchronous = self._synchronous  # type: ignore[assignment]

    def _statement(self, _c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        self.ops.append((sql, params, many))

    def _commit(self, _conn: Any) -> None:
        self.ops.append((_COMMIT, None, False))

    def _rollback(self, _conn: Any) -> None:
        self.ops.append((_ROLLBACK, None, False))

    @property
    def commits(self) -> int:
        """Transactions committed while recording."""
        return sum(1 for sql, _, _ in self.ops if sql == _COMMIT)


def snapshot(db: Path, copy: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included)."""
    src, dst = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def replay(copy: Path, ops: list[tuple[str, Any, bool]]) -> float:
    """Run the recorded statements on `copy` as fast as possible; returns the seconds."""
    conn = sqlite3.connect(copy, isolation_level=None, check_same_thread=False)
    # The writer's own settings (storage/db.py), secure_delete included: freed pages are
    # zeroed there too (erased text must not linger), which costs writes on every delete.
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "secure_delete=ON"):
        conn.execute(f"PRAGMA {pragma}")
    cur = conn.cursor()
    # Prasan reads what its SELECTs and RETURNINGs give back; so does the replay.
    plan = [(sql, params, many, sql.lstrip().upper().startswith("SELECT") or "RETURNING" in sql)
            for sql, params, many in ops]  # fmt: skip
    try:
        start = time.perf_counter()
        for sql, params, many, fetch in plan:
            if params is None:
                cur.execute(sql)
            elif many:
                cur.executemany(sql, params)
            else:
                cur.execute(sql, params)
                if fetch:
                    cur.fetchall()
        return time.perf_counter() - start
    finally:
        conn.close()
