"""Problem follow-up: a ticket's details, state changes with history, follow-ups, links."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, func, select, update

from storage import hot_sqlite as hot
from storage.schema import (
    areas,
    districts,
    people,
    provinces,
    report_history,
    report_links,
    reports,
)

if TYPE_CHECKING:
    from storage.store import Tx


class State(StrEnum):
    """Where a problem stands (stored in reports.status)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REFERRED = "referred"  # not ours: referred elsewhere
    DUPLICATE = "duplicate"


ACTIVE = (State.OPEN, State.ACKNOWLEDGED, State.IN_PROGRESS)
ACTIVE_VALUES = tuple(s.value for s in ACTIVE)
CLOSED = (State.RESOLVED, State.REFERRED, State.DUPLICATE)
# Older versions of Prasan stored "submitted" for progress and used only these two.
LEGACY_ACTIVE = ("open", "in_progress")


@dataclass(frozen=True)
class Ticket:
    """A report with everything its detail view shows."""

    id: int
    kind: str
    person_id: int
    reporter: str
    area_id: int | None
    area_code: str | None
    area_name: str | None
    district: str | None
    province: str | None
    text: str
    category: str | None
    severity: str | None
    participants: int | None
    photos: list[str]
    latitude: float | None
    longitude: float | None
    status: str
    created_at: datetime
    status_changed_at: datetime | None
    duplicate_of: int | None
    activity_date: Any = None  # the coordinator's activity date, where the schema has one


@dataclass(frozen=True)
class HistoryEntry:
    """One state change or follow-up."""

    id: int
    at: datetime
    person_id: int | None
    person: str | None
    kind: str  # state | followup
    from_status: str | None
    to_status: str | None
    note: str | None
    photo: str | None


def _ticket_select():  # type: ignore[no-untyped-def]
    extra = [reports.c.activity_date] if "activity_date" in reports.c else []
    return select(
        reports.c.id, reports.c.kind, reports.c.person_id, people.c.name.label("reporter"),
        reports.c.area_id, areas.c.code.label("area_code"), areas.c.name.label("area_name"),
        districts.c.name_th.label("district"), provinces.c.name_th.label("province"),
        reports.c.raw_text.label("text"), reports.c.category, reports.c.severity,
        reports.c.participants, reports.c.photos, reports.c.latitude, reports.c.longitude,
        reports.c.status, reports.c.created_at, reports.c.status_changed_at,
        reports.c.duplicate_of, *extra,
    ).select_from(
        reports.join(people, reports.c.person_id == people.c.id)
        .outerjoin(areas, reports.c.area_id == areas.c.id)
        .outerjoin(districts, areas.c.district_id == districts.c.id)
        .outerjoin(provinces, districts.c.province_id == provinces.c.id)
    )  # fmt: skip


@cache
def _prepared() -> dict[str, Any]:
    """The statements a new problem's confirmation runs, built once (building costs more
    than running them on SQLite)."""
    other = bindparam("report_id", type_=reports.c.id.type)
    return {
        "ticket": _ticket_select().where(reports.c.id == bindparam("report_id")),
        "open_ids": select(reports.c.id).where(
            reports.c.kind == "obstacle",
            reports.c.status.in_(ACTIVE_VALUES),
            reports.c.created_at >= bindparam("since", type_=reports.c.created_at.type),
            reports.c.id != bindparam("exclude"),
            reports.c.redacted_at.is_(None),
        ),
        "search_texts": select(reports.c.id, reports.c.search_text).where(
            reports.c.id.in_(bindparam("ids", expanding=True))
        ),
        "link_pairs": select(report_links.c.report_id, report_links.c.similar_id).where(
            (report_links.c.report_id == other) | (report_links.c.similar_id == other)
        ),
        "linked_districts": select(reports.c.id, districts.c.name_th)
        .select_from(
            reports.outerjoin(areas, reports.c.area_id == areas.c.id).outerjoin(
                districts, areas.c.district_id == districts.c.id
            )
        )
        .where(reports.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(reports.c.id),
    }


@dataclass(frozen=True)
class ExportDetail:
    """What the export adds to a report row."""

    photos: list[str]
    latitude: float | None
    longitude: float | None
    status: str
    status_changed_at: datetime | None


class TicketQueries:
    """Queries of the problem follow-up."""

    async def ticket(self: Tx, report_id: int) -> Ticket | None:
        """One report with its reporter and place."""
        row = (await self.conn.execute(_prepared()["ticket"], {"report_id": report_id})).first()
        return None if row is None else Ticket(**row._mapping)

    async def change_state(
        self: Tx, report_id: int, from_status: str, to_status: str, person_id: int,
        note: str | None = None, duplicate_of: int | None = None,
    ) -> int | None:  # fmt: skip
        """Move a ticket on, if it is still in `from_status`; the history entry's id, or None."""
        now = self.now()
        res = await self.conn.execute(
            update(reports)
            .where(reports.c.id == report_id, reports.c.status == from_status)
            .values(status=to_status, status_changed_at=now, duplicate_of=duplicate_of)
        )
        if res.rowcount != 1:
            return None  # someone else moved it first
        return await self._history(report_id, person_id, "state", from_status, to_status, note)

    async def add_followup(
        self: Tx, report_id: int, person_id: int, note: str | None, photo: str | None = None
    ) -> int:
        """Record a coordinator's follow-up text or photo on their problem."""
        return await self._history(report_id, person_id, "followup", None, None, note, photo)

    async def _history(
        self: Tx, report_id: int, person_id: int | None, kind: str, from_status: str | None,
        to_status: str | None, note: str | None, photo: str | None = None,
    ) -> int:  # fmt: skip
        res = await self.conn.execute(
            report_history.insert()
            .values(report_id=report_id, at=self.now(), person_id=person_id, kind=kind,
                    from_status=from_status, to_status=to_status, note=note, photo=photo)
            .returning(report_history.c.id)
        )  # fmt: skip
        return int(res.scalar_one())

    async def history(self: Tx, report_id: int) -> list[HistoryEntry]:
        """A ticket's state changes and follow-ups, oldest first."""
        q = (
            select(
                report_history.c.id, report_history.c.at, report_history.c.person_id,
                people.c.name.label("person"), report_history.c.kind,
                report_history.c.from_status, report_history.c.to_status, report_history.c.note,
                report_history.c.photo,
            )
            .select_from(report_history.outerjoin(people, report_history.c.person_id == people.c.id))
            .where(report_history.c.report_id == report_id)
            .order_by(report_history.c.id)
        )  # fmt: skip
        return [HistoryEntry(**r._mapping) for r in await self.conn.execute(q)]

    async def last_notes(self: Tx, report_ids: list[int]) -> dict[int, str]:
        """The latest state-change note of each ticket that has one."""
        if not report_ids:
            return {}
        latest = (
            select(func.max(report_history.c.id))
            .where(
                report_history.c.report_id.in_(report_ids),
                report_history.c.kind == "state",
                report_history.c.note.is_not(None),
            )
            .group_by(report_history.c.report_id)
        )
        rows = await self.conn.execute(
            select(report_history.c.report_id, report_history.c.note).where(
                report_history.c.id.in_(latest)
            )
        )
        return {int(r): str(n) for r, n in rows.all()}

    async def add_links(self: Tx, report_id: int, similar: list[tuple[int, float]]) -> None:
        """Link a new problem to older ones that look like the same problem."""
        if similar and self.raw is not None:
            hot.add_links(self.raw, report_id, similar)
        elif similar:
            await self.conn.execute(
                self.insert_ignore(report_links),
                [{"report_id": report_id, "similar_id": o, "score": sc} for o, sc in similar],
            )

    async def linked(self: Tx, report_id: int) -> list[tuple[int, str | None]]:
        """Problems linked to this one either way, with their district names."""
        if self.raw is not None:
            return hot.linked(self.raw, report_id)
        pairs = await self.conn.execute(_prepared()["link_pairs"], {"report_id": report_id})
        others = sorted({b if a == report_id else a for a, b in pairs.all()})
        if not others:
            return []
        rows = await self.conn.execute(_prepared()["linked_districts"], {"ids": others})
        return [(int(i), d) for i, d in rows.all()]

    async def links_among(self: Tx, report_ids: list[int]) -> list[tuple[int, int]]:
        """Links whose both ends are among these reports."""
        if not report_ids:
            return []
        rows = await self.conn.execute(
            select(report_links.c.report_id, report_links.c.similar_id).where(
                and_(
                    report_links.c.report_id.in_(report_ids),
                    report_links.c.similar_id.in_(report_ids),
                )
            )
        )
        return [(int(a), int(b)) for a, b in rows.all()]

    async def open_problem_ids(self: Tx, since: datetime, exclude: int | None = None) -> list[int]:
        """Ids of the active problems reported since a moment (redacted ones left out)."""
        skip = -1 if exclude is None else exclude
        if self.raw is not None:
            return hot.open_problem_ids(self.raw, ACTIVE_VALUES, since, skip)
        rows = await self.conn.execute(_prepared()["open_ids"], {"since": since, "exclude": skip})
        return [int(i) for (i,) in rows]

    async def open_problem_terms(
        self: Tx, since: datetime, exclude: int | None = None
    ) -> list[tuple[int, frozenset[str]]]:
        """Active problems reported since a moment, with their search terms as sets."""
        return self.terms.candidates(await self._open_problems_kept(since, exclude))

    async def open_problem_overlaps(
        self: Tx, terms: Iterable[str], since: datetime, exclude: int | None = None,
        min_share: float = 0.0,
    ) -> list[tuple[int, int, int]]:  # fmt: skip
        """Active problems reported since a moment that share search terms with `terms`
        (at least `min_share` of them): (id, how many terms it has, how many are shared)."""
        ids = await self._open_problems_kept(since, exclude)
        return self.terms.overlaps(terms, ids, min_share)

    async def _open_problems_kept(self: Tx, since: datetime, exclude: int | None) -> list[int]:
        ids = await self.open_problem_ids(since, exclude)
        if missing := self.terms.missing(ids):
            self.terms.add(await self.search_texts(missing))
        return ids

    async def search_texts(self: Tx, report_ids: list[int]) -> dict[int, str]:
        """The stored search terms (space-separated) of these reports."""
        out: dict[int, str] = {}
        for start in range(0, len(report_ids), 500):  # bounded IN lists
            rows = await self.conn.execute(
                _prepared()["search_texts"], {"ids": report_ids[start : start + 500]}
            )
            out.update((int(i), t or "") for i, t in rows)
        return out

    async def unacknowledged_high(self: Tx, since: datetime) -> list[Ticket]:
        """High-urgency problems still open (nobody acknowledged them), reported since a moment."""
        q = _ticket_select().where(
            reports.c.kind == "obstacle",
            reports.c.severity == "high",
            reports.c.status == State.OPEN.value,
            reports.c.created_at >= since,
        )
        return [Ticket(**r._mapping) for r in await self.conn.execute(q.order_by(reports.c.id))]

    async def export_details(self: Tx, report_ids: list[int]) -> dict[int, ExportDetail]:
        """Photos, location and state of these reports."""
        out: dict[int, ExportDetail] = {}
        for start in range(0, len(report_ids), 500):  # bounded IN lists
            chunk = report_ids[start : start + 500]
            rows = await self.conn.execute(
                select(reports.c.id, reports.c.photos, reports.c.latitude, reports.c.longitude,
                       reports.c.status, reports.c.status_changed_at)
                .where(reports.c.id.in_(chunk))
            )  # fmt: skip
            for r in rows:
                out[int(r.id)] = ExportDetail(list(r.photos or []), r.latitude, r.longitude,
                                              r.status, r.status_changed_at)  # fmt: skip
        return out
