"""Provinces, districts and areas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, or_, select, update

from storage.schema import areas, districts, provinces

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class Area:
    """An area with its place in the hierarchy."""

    id: int
    code: str
    name: str
    district_id: int
    district: str
    district_en: str
    province_id: int
    province: str
    province_en: str


def _area_select():  # type: ignore[no-untyped-def]
    return select(
        areas.c.id,
        areas.c.code,
        areas.c.name,
        areas.c.district_id,
        districts.c.name_th.label("district"),
        districts.c.name_en.label("district_en"),
        provinces.c.id.label("province_id"),
        provinces.c.name_th.label("province"),
        provinces.c.name_en.label("province_en"),
    ).select_from(areas.join(districts).join(provinces))


class GeoQueries:
    """Queries over the area hierarchy."""

    async def upsert_province(self: Tx, name_th: str, name_en: str) -> int:
        """Create or find a province by Thai name."""
        found = await self.conn.scalar(select(provinces.c.id).where(provinces.c.name_th == name_th))
        if found is not None:
            return int(found)
        res = await self.conn.execute(
            provinces.insert().values(name_th=name_th, name_en=name_en).returning(provinces.c.id)
        )
        return int(res.scalar_one())

    async def upsert_district(self: Tx, province_id: int, name_th: str, name_en: str) -> int:
        """Create or find a district within a province."""
        found = await self.conn.scalar(
            select(districts.c.id).where(
                districts.c.province_id == province_id, districts.c.name_th == name_th
            )
        )
        if found is not None:
            return int(found)
        res = await self.conn.execute(
            districts.insert()
            .values(province_id=province_id, name_th=name_th, name_en=name_en)
            .returning(districts.c.id)
        )
        return int(res.scalar_one())

    async def find_province(self: Tx, name: str) -> int | None:
        """A province id by Thai or English name (case-insensitive for English)."""
        found = await self.conn.scalar(
            select(provinces.c.id).where(
                or_(provinces.c.name_th == name, func.lower(provinces.c.name_en) == name.lower())
            )
        )
        return None if found is None else int(found)

    async def find_district(self: Tx, name: str, province_id: int | None = None) -> int | None:
        """A district id by Thai or English name, optionally within a province."""
        q = select(districts.c.id).where(
            or_(districts.c.name_th == name, func.lower(districts.c.name_en) == name.lower())
        )
        if province_id is not None:
            q = q.where(districts.c.province_id == province_id)
        found = (await self.conn.execute(q.limit(2))).scalars().all()
        return int(found[0]) if len(found) == 1 else None

    async def place_names(self: Tx, kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
        """Thai and English names of provinces or districts (`kind`) by id."""
        table = {"province": provinces, "district": districts}[kind]
        rows = await self.conn.execute(
            select(table.c.id, table.c.name_th, table.c.name_en).where(table.c.id.in_(ids))
        )
        return {int(i): (th, en) for i, th, en in rows.all()}

    async def upsert_area(self: Tx, code: str, name: str, district_id: int) -> bool:
        """Create or update an area by code; True when it was new."""
        found = await self.conn.scalar(select(areas.c.id).where(_same_code(code)))
        if found is not None:
            await self.conn.execute(
                update(areas)
                .where(areas.c.id == found)
                .values(name=name, district_id=district_id, active=True)
            )
            return False
        await self.conn.execute(
            areas.insert().values(code=code, name=name, district_id=district_id, active=True)
        )
        return True

    async def list_areas(self: Tx, ids: list[int] | None = None) -> list[Area]:
        """Active areas (optionally only these ids), ordered by code."""
        q = _area_select().where(areas.c.active.is_(True)).order_by(areas.c.code)
        if ids is not None:
            q = q.where(areas.c.id.in_(ids))
        return [Area(**r._mapping) for r in await self.conn.execute(q)]

    async def area_by_code(self: Tx, code: str) -> Area | None:
        """One area by its code (case-insensitive: people type ptn01 for PTN01)."""
        row = (await self.conn.execute(_area_select().where(_same_code(code)))).first()
        return None if row is None else Area(**row._mapping)

    async def area_by_id(self: Tx, area_id: int) -> Area | None:
        """One area by id."""
        row = (await self.conn.execute(_area_select().where(areas.c.id == area_id))).first()
        return None if row is None else Area(**row._mapping)


def _same_code(code: str) -> ColumnElement[bool]:
    """Area codes compare case-insensitively everywhere (imports, CLI options, chat)."""
    return func.upper(areas.c.code) == code.strip().upper()
