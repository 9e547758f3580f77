"""The full-text index over reports' stored search terms, per dialect.

SQLite: an FTS5 table whose rowid is the report id. PostgreSQL: a GIN index on
the 'simple' tsvector of reports.search_text. The terms themselves come from
`bot.nlp.terms` (computed when a report is stored), so both indexes see the same
words and a query is matched with the same terms.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

FTS_TABLE = "reports_fts"
PG_INDEX = "ix_reports_search"


def create_index(conn: Connection) -> None:
    """Create the dialect's index (empty; `reindex_sync` fills SQLite's)."""
    if conn.dialect.name == "sqlite":
        # unicode61 keeps Thai vowels and tone marks inside tokens; no diacritic folding
        # (the terms are folded already).
        conn.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                          "terms, tokenize = 'unicode61 remove_diacritics 0')"))  # fmt: skip
    else:
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON reports "
                          "USING gin (to_tsvector('simple', coalesce(search_text, '')))"))  # fmt: skip


def drop_index(conn: Connection) -> None:
    """Remove the index (migration downgrade)."""
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS_TABLE}"))
    else:
        conn.execute(text(f"DROP INDEX IF EXISTS {PG_INDEX}"))


def reindex_sync(conn: Connection) -> None:
    """Rebuild SQLite's FTS table from reports.search_text (PostgreSQL indexes the column)."""
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text(f"DELETE FROM {FTS_TABLE}"))
    conn.execute(text(f"INSERT INTO {FTS_TABLE}(rowid, terms) "
                      "SELECT id, coalesce(search_text, '') FROM reports"))  # fmt: skip


def is_index_object(name: str | None) -> bool:
    """True for the index's own tables/indexes (not part of the schema module)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == PG_INDEX)
