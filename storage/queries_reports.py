"""Reports: insert, a person's recent ones, scoped lists and the export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storage.schema import areas, districts, people, provinces, reports

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class ReportRow:
    """A report as lists and exports show it."""

    id: int
    kind: str
    created_at: datetime
    area_code: str | None
    area_name: str | None
    district: str | None
    province: str | None
    reporter: str
    text: str
    category: str | None
    severity: str | None
    participants: int | None
    status: str
    activity_date: date | None = None


def _report_select():  # type: ignore[no-untyped-def]
    return select(
        reports.c.id,
        reports.c.kind,
        reports.c.created_at,
        areas.c.code.label("area_code"),
        areas.c.name.label("area_name"),
        districts.c.name_th.label("district"),
        provinces.c.name_th.label("province"),
        people.c.name.label("reporter"),
        reports.c.raw_text.label("text"),
        reports.c.category,
        reports.c.severity,
        reports.c.participants,
        reports.c.status,
        reports.c.activity_date,
    ).select_from(
        reports.join(people, reports.c.person_id == people.c.id)
        .outerjoin(areas, reports.c.area_id == areas.c.id)
        .outerjoin(districts, areas.c.district_id == districts.c.id)
        .outerjoin(provinces, districts.c.province_id == provinces.c.id)
    )


_INSERT = reports.insert().returning(reports.c.id)


class ReportQueries:
    """Queries over reports."""

    async def insert_report(self: Tx, **values: Any) -> int:
        """Store a report; returns its number."""
        values.setdefault("created_at", self.now())
        values.setdefault("photos", [])
        # One statement object: SQLAlchemy caches its compiled form per set of columns given.
        res = await self.conn.execute(_INSERT, values)
        report_id = int(res.scalar_one())
        # The search index follows in the same transaction: a stored report is findable.
        await self.index_report(report_id, values.get("search_text") or "")
        return report_id

    async def recent_reports(self: Tx, person_id: int, limit: int = 10) -> list[ReportRow]:
        """A person's latest reports, newest first."""
        q = (
            _report_select()
            .where(reports.c.person_id == person_id)
            .order_by(reports.c.id.desc())
            .limit(limit)
        )
        return [ReportRow(**r._mapping) for r in await self.conn.execute(q)]

    async def reports_in_areas(
        self: Tx,
        area_ids: list[int] | None,
        kind: str | None = None,
        statuses: tuple[str, ...] | None = None,
        limit: int = 20,
    ) -> list[ReportRow]:
        """Reports within some areas (None = all), newest first."""
        q = _report_select().order_by(reports.c.id.desc()).limit(limit)
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        if kind:
            q = q.where(reports.c.kind == kind)
        if statuses:
            q = q.where(reports.c.status.in_(statuses))
        return [ReportRow(**r._mapping) for r in await self.conn.execute(q)]

    async def export_reports(
        self: Tx, since: datetime | None = None, area_ids: list[int] | None = None
    ) -> list[ReportRow]:
        """Every report (optionally since a time, within some areas), oldest first."""
        q = _report_select().order_by(reports.c.id)
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        if since is not None:
            q = q.where(reports.c.created_at >= since)
        return [ReportRow(**r._mapping) for r in await self.conn.execute(q)]
