"""People management: roles, scopes, activity, search, and what `people show` tells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update

from storage.queries_people import Identity, Person, identity_from_row
from storage.schema import areas, districts, identities, people, person_scopes, provinces, reports

if TYPE_CHECKING:
    from storage.store import Tx

ScopeEntry = tuple[
    str, int | None
]  # ("area", id) | ("district", id) | ("province", id) | ("all", None)


@dataclass(frozen=True)
class Place:
    """A scope entry as people read it: kind, code (areas only) and Thai/English names."""

    kind: str
    ref: int | None
    code: str
    name: str
    name_en: str


def _person(m: Any) -> Person:
    return Person(m["id"], m["name"], m["role"], m["language"], m["active"])


class AccessQueries:
    """Queries behind `prasan people …` and the admin chat screens."""

    async def places(self: Tx, scope: list[ScopeEntry] | list[list[Any]]) -> list[Place]:
        """Name every scope entry (unknown ids are skipped)."""
        found: list[Place] = []
        for kind, ref in scope:
            if kind == "all":
                found.append(Place("all", None, "", "ทุกพื้นที่", "the whole programme"))
            elif kind == "area" and ref is not None:
                area = await self.area_by_id(int(ref))
                if area is not None:
                    found.append(Place("area", area.id, area.code, area.name, area.name))
            elif kind == "district":
                row = (
                    await self.conn.execute(
                        select(districts.c.name_th, districts.c.name_en).where(
                            districts.c.id == ref
                        )
                    )
                ).first()
                if row is not None:
                    found.append(Place("district", ref, "", row.name_th, row.name_en))
            elif kind == "province":
                row = (
                    await self.conn.execute(
                        select(provinces.c.name_th, provinces.c.name_en).where(
                            provinces.c.id == ref
                        )
                    )
                ).first()
                if row is not None:
                    found.append(Place("province", ref, "", row.name_th, row.name_en))
        return found

    async def set_role(self: Tx, person_id: int, role: str) -> None:
        """Change a person's role."""
        await self.conn.execute(update(people).where(people.c.id == person_id).values(role=role))

    async def set_name(self: Tx, person_id: int, name: str) -> None:
        """Change a person's name."""
        await self.conn.execute(update(people).where(people.c.id == person_id).values(name=name))

    async def set_active(self: Tx, person_id: int, active: bool) -> None:
        """Deactivate or reactivate a person."""
        await self.conn.execute(
            update(people).where(people.c.id == person_id).values(active=active)
        )

    async def replace_scope(self: Tx, person_id: int, scope: list[ScopeEntry]) -> None:
        """Replace a person's scope entries."""
        await self.conn.execute(delete(person_scopes).where(person_scopes.c.person_id == person_id))
        for kind, ref in dict.fromkeys(scope):  # drop repeats, keep order
            await self.conn.execute(
                person_scopes.insert().values(person_id=person_id, scope=kind, ref_id=ref)
            )

    async def find_people(
        self: Tx,
        *,
        role: str | None = None,
        area_id: int | None = None,
        active: bool | None = True,
        text: str | None = None,
        limit: int | None = None,
    ) -> list[Person]:
        """People by role, an area their scope covers, activity, or part of name / area code."""
        q = (
            select(people)
            .where(people.c.erased_at.is_(None))
            .order_by(people.c.role, people.c.name)
        )
        if role:
            q = q.where(people.c.role == role)
        if active is not None:
            q = q.where(people.c.active.is_(active))
        if text:
            like = f"%{text.strip().casefold()}%"
            by_area = (
                select(person_scopes.c.person_id)
                .join(areas, (person_scopes.c.scope == "area") & (person_scopes.c.ref_id == areas.c.id))
                .where(or_(func.lower(areas.c.code) == text.strip().casefold(),
                           areas.c.name.like(like)))
            )  # fmt: skip
            q = q.where(or_(func.lower(people.c.name).like(like), people.c.id.in_(by_area)))
        rows = [_person(r._mapping) for r in await self.conn.execute(q)]
        if area_id is not None:
            rows = [p for p in rows if area_id in await self.area_ids_of(p.id)]
        return rows[:limit] if limit is not None else rows

    async def all_identities_of(self: Tx, person_id: int) -> list[Identity]:
        """Every identity of a person, blocked or not."""
        rows = await self.conn.execute(
            select(identities).where(identities.c.person_id == person_id).order_by(identities.c.id)
        )
        return [identity_from_row(r._mapping) for r in rows]

    async def identity_by_id(self: Tx, identity_id: int) -> Identity | None:
        """One identity by id."""
        row = (
            await self.conn.execute(select(identities).where(identities.c.id == identity_id))
        ).first()
        return None if row is None else identity_from_row(row._mapping)

    async def last_seen(self: Tx, person_id: int) -> datetime | None:
        """When the person last wrote, on any of their chat apps."""
        got: datetime | None = await self.conn.scalar(
            select(func.max(identities.c.last_seen_at)).where(identities.c.person_id == person_id)
        )
        return got

    async def report_count(self: Tx, person_id: int) -> int:
        """How many reports a person has sent."""
        count = await self.conn.scalar(
            select(func.count()).select_from(reports).where(reports.c.person_id == person_id)
        )
        return int(count or 0)
