"""Full-text search over reports' stored terms, within a set of areas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, literal_column, select, text

from storage import hot_sqlite as hot
from storage.queries_reports import ReportRow, _report_select
from storage.schema import reports, settings_kv
from storage.search_index import FTS_TABLE

if TYPE_CHECKING:
    from storage.store import Tx

_INDEX = text(f"INSERT OR REPLACE INTO {FTS_TABLE}(rowid, terms) VALUES (:id, :terms)")
CANDIDATES = 2000  # matches ranked per search; far more than anyone pages through


@dataclass(frozen=True)
class Hit:
    """A matching report: its id, when, and its stored terms (ranking happens in Python)."""

    id: int
    created_at: datetime
    terms: frozenset[str]


class SearchQueries:
    """Index upkeep and term matching."""

    async def index_report(self: Tx, report_id: int, terms: str) -> None:
        """Keep the index in step with a stored report (PostgreSQL indexes the column itself)."""
        if self.raw is not None:
            hot.index_report(self.raw, report_id, terms)
        elif self.dialect == "sqlite":
            await self.conn.execute(_INDEX, {"id": report_id, "terms": terms})

    async def search_matches(
        self: Tx, terms: tuple[str, ...], area_ids: list[int] | None, since: datetime | None
    ) -> list[Hit]:
        """Reports within the areas (None: all) holding any of the terms."""
        if not terms:
            return []
        q = select(reports.c.id, reports.c.created_at, reports.c.search_text)
        if self.dialect == "sqlite":
            match = " OR ".join(f'"{t}"' for t in terms)  # terms are letters/digits only
            ids: Any = (
                select(literal_column("rowid"))
                .select_from(text(FTS_TABLE))
                .where(text(f"{FTS_TABLE} MATCH :match"))
            )
            q = q.where(reports.c.id.in_(ids)).params(match=match)
        else:
            query = " | ".join(terms)
            vector = func.to_tsvector("simple", func.coalesce(reports.c.search_text, ""))
            q = q.where(vector.op("@@")(func.to_tsquery("simple", bindparam("match", query))))
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        if since is not None:
            q = q.where(reports.c.created_at >= since)
        q = q.order_by(reports.c.created_at.desc(), reports.c.id.desc()).limit(CANDIDATES)
        return [
            Hit(int(i), at, frozenset((st or "").split()))
            for i, at, st in await self.conn.execute(q)
        ]

    async def report_rows(self: Tx, ids: list[int]) -> list[ReportRow]:
        """Reports by id, in the order given."""
        if not ids:
            return []
        rows = await self.conn.execute(_report_select().where(reports.c.id.in_(ids)))
        found = {r.id: ReportRow(**r._mapping) for r in rows}
        return [found[i] for i in ids if i in found]

    async def kv_put(self: Tx, key: str, value: str) -> None:
        """Store (or replace) a small setting."""
        await self.conn.execute(settings_kv.delete().where(settings_kv.c.key == key))
        await self.conn.execute(settings_kv.insert().values(key=key, value=value))
