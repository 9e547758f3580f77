"""Counting reports for reminders and digests: per area, per period, within a scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from storage.queries_tickets import ACTIVE
from storage.schema import TS, people, person_scopes, reports

if TYPE_CHECKING:
    from storage.store import Tx

OPEN = tuple(str(s) for s in ACTIVE)  # open, acknowledged, in progress


@dataclass(frozen=True)
class AreaCount:
    """Progress reports of one area in a span: how many, and participants added up."""

    area_id: int
    reports: int
    participants: int


@dataclass(frozen=True)
class Problem:
    """An obstacle report as a digest lists it."""

    id: int
    area_id: int | None
    category: str | None
    severity: str | None
    created_at: datetime


class DigestQueries:
    """Aggregates over reports; `area_ids` None means every area."""

    async def reported_areas(self: Tx, start: datetime, end: datetime) -> set[int]:
        """Areas with at least one progress report in [start, end)."""
        rows = await self.conn.execute(
            select(reports.c.area_id)
            .where(
                reports.c.kind == "progress",
                reports.c.created_at >= start,
                reports.c.created_at < end,
                reports.c.area_id.is_not(None),
            )
            .distinct()
        )
        return {int(a) for (a,) in rows}

    async def progress_by_area(
        self: Tx, area_ids: list[int] | None, start: datetime, end: datetime
    ) -> list[AreaCount]:
        """Progress reports and participants per area in [start, end)."""
        q = (
            select(
                reports.c.area_id,
                func.count(),
                func.coalesce(func.sum(reports.c.participants), 0),
            )
            .where(
                reports.c.kind == "progress",
                reports.c.created_at >= start,
                reports.c.created_at < end,
                reports.c.area_id.is_not(None),
            )
            .group_by(reports.c.area_id)
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        return [AreaCount(int(a), int(n), int(p)) for a, n, p in await self.conn.execute(q)]

    async def problems_between(
        self: Tx, area_ids: list[int] | None, start: datetime, end: datetime
    ) -> list[Problem]:
        """Obstacles reported in [start, end), oldest first."""
        q = _problems().where(
            reports.c.kind == "obstacle", reports.c.created_at >= start, reports.c.created_at < end
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        return [Problem(*r) for r in await self.conn.execute(q.order_by(reports.c.id))]

    async def problems_open_before(
        self: Tx, area_ids: list[int] | None, before: datetime
    ) -> list[Problem]:
        """Obstacles still open that were reported before `before`, oldest first."""
        q = _problems().where(
            reports.c.kind == "obstacle",
            reports.c.status.in_(OPEN),
            reports.c.created_at < before,
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        return [Problem(*r) for r in await self.conn.execute(q.order_by(reports.c.created_at))]

    async def last_progress_at(
        self: Tx, area_ids: list[int] | None, before: datetime
    ) -> dict[int, datetime]:
        """Each area's latest progress report before a moment (never reported: absent)."""
        q = (
            select(reports.c.area_id, func.max(reports.c.created_at))
            .where(
                reports.c.kind == "progress",
                reports.c.area_id.is_not(None),
                reports.c.created_at < before,
            )
            .group_by(reports.c.area_id)
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        out = {}
        for area_id, at in await self.conn.execute(q):
            # MAX() bypasses the column type on SQLite: a naive string or datetime comes back.
            when = TS.process_result_value(_as_datetime(at), self.conn.dialect)
            if when is not None:
                out[int(area_id)] = when
        return out

    async def tokens_between(
        self: Tx, area_ids: list[int] | None, start: datetime, end: datetime
    ) -> list[tuple[int | None, list[str]]]:
        """Each report's area and stored tokens, for reports in [start, end)."""
        q = select(reports.c.area_id, reports.c.tokens).where(
            reports.c.created_at >= start, reports.c.created_at < end
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        return [(a, list(t or [])) for a, t in await self.conn.execute(q)]

    async def weekly_counts(
        self: Tx, area_ids: list[int] | None, start: datetime, end: datetime
    ) -> list[tuple[int, datetime]]:
        """(area_id, created_at) of every progress report in [start, end), for bucketing."""
        q = select(reports.c.area_id, reports.c.created_at).where(
            reports.c.kind == "progress",
            reports.c.created_at >= start,
            reports.c.created_at < end,
            reports.c.area_id.is_not(None),
        )
        if area_ids is not None:
            q = q.where(reports.c.area_id.in_(area_ids))
        return [(int(a), at) for a, at in await self.conn.execute(q)]

    async def coordinators_of_areas(self: Tx) -> dict[int, list[tuple[int, str]]]:
        """Active coordinators named directly on each area: area id -> [(person id, name)]."""
        rows = await self.conn.execute(
            select(person_scopes.c.ref_id, people.c.id, people.c.name)
            .join(people, people.c.id == person_scopes.c.person_id)
            .where(
                person_scopes.c.scope == "area",
                people.c.role == "coordinator",
                people.c.active.is_(True),
            )
            .order_by(people.c.name)
        )
        out: dict[int, list[tuple[int, str]]] = {}
        for area_id, pid, name in rows:
            out.setdefault(int(area_id), []).append((int(pid), name))
        return out

    async def active_people(self: Tx, roles: tuple[str, ...]) -> list[tuple[int, str, str]]:
        """(id, name, role) of active people with these roles, by id."""
        rows = await self.conn.execute(
            select(people.c.id, people.c.name, people.c.role)
            .where(people.c.role.in_(roles), people.c.active.is_(True))
            .order_by(people.c.id)
        )
        return [(int(i), n, r) for i, n, r in rows]


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _problems():  # type: ignore[no-untyped-def]
    return select(
        reports.c.id, reports.c.area_id, reports.c.category, reports.c.severity,
        reports.c.created_at,
    )  # fmt: skip
