"""Who a broadcast or a meeting reaches: targets resolved to people, counted per chat app."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from storage.schema import areas, districts, identities, invites, people, person_scopes, provinces

if TYPE_CHECKING:
    from storage.store import Tx


class TargetKind(StrEnum):
    """What a target names."""

    ALL = "all"
    ROLE = "role"
    PROVINCE = "province"
    DISTRICT = "district"
    AREA = "area"


ROLES = ("coordinator", "supervisor", "admin")


@dataclass(frozen=True)
class Target:
    """One part of an audience; an audience is the union of its targets."""

    kind: TargetKind
    ref: int | str | None = None  # a role name, or a province/district/area id

    def dump(self) -> list[Any]:
        """JSON form, as stored with a broadcast or meeting."""
        return [str(self.kind), self.ref]

    @classmethod
    def load(cls, raw: list[Any]) -> Target:
        """Inverse of dump."""
        return cls(TargetKind(raw[0]), raw[1])


def dump_targets(targets: list[Target]) -> list[list[Any]]:
    """Targets for a JSON column."""
    return [t.dump() for t in targets]


def load_targets(raw: list[list[Any]]) -> list[Target]:
    """Targets from a JSON column."""
    return [Target.load(r) for r in raw]


@dataclass(frozen=True)
class Reach:
    """How an audience would be reached: people per chat app, and those with none."""

    person_ids: list[int]
    per_channel: dict[str, int]
    unreachable: int  # registered, but no active chat account (blocked the bot everywhere)


@dataclass(frozen=True)
class _Places:
    """Where one person (or invite) works, from their scope entries."""

    role: str
    everywhere: bool
    areas: frozenset[int]
    districts: frozenset[int]
    provinces: frozenset[int]


class _Geo:
    """The area hierarchy, loaded once per resolution (a few hundred rows at most)."""

    def __init__(self, rows: list[Any], district_rows: list[Any]) -> None:
        self.area_district = {r.id: r.district_id for r in rows}
        self.district_province = {r.id: r.province_id for r in district_rows}
        self.areas_in_district: dict[int, set[int]] = {}
        for area_id, district_id in self.area_district.items():
            self.areas_in_district.setdefault(district_id, set()).add(area_id)

    def places(self, role: str, scope: list[tuple[str, Any]]) -> _Places:
        """Expand scope entries: a district covers its areas, a province its districts."""
        area_ids: set[int] = set()
        district_ids: set[int] = set()
        province_ids: set[int] = set()
        for kind, ref in scope:
            if kind == "area" and ref in self.area_district:
                area_ids.add(ref)
                district_ids.add(self.area_district[ref])
            elif kind == "district":
                district_ids.add(ref)
            elif kind == "province":
                province_ids.add(ref)
                district_ids |= {d for d, p in self.district_province.items() if p == ref}
        for d in list(district_ids):
            area_ids |= self.areas_in_district.get(d, set())
            if d in self.district_province:
                province_ids.add(self.district_province[d])
        everywhere = any(kind == "all" for kind, _ in scope)
        return _Places(role, everywhere, frozenset(area_ids), frozenset(district_ids),
                       frozenset(province_ids))  # fmt: skip


def matches(places: _Places, targets: list[Target]) -> bool:
    """Is this person in the audience?

    A place target reaches those whose work lies in or covers it (a province
    supervisor gets a district's notice); a programme-wide scope (admins) is not
    reached by place, only by `all` or its role.
    """
    for t in targets:
        if t.kind == TargetKind.ALL or (t.kind == TargetKind.ROLE and t.ref == places.role):
            return True
        if (
            (t.kind == TargetKind.PROVINCE and t.ref in places.provinces)
            or (t.kind == TargetKind.DISTRICT and t.ref in places.districts)
            or (t.kind == TargetKind.AREA and t.ref in places.areas)
        ):
            return True
    return False


class AudienceQueries:
    """Resolving targets to people."""

    async def _geo(self: Tx) -> _Geo:
        area_rows = (await self.conn.execute(select(areas.c.id, areas.c.district_id))).all()
        district_rows = (
            await self.conn.execute(select(districts.c.id, districts.c.province_id))
        ).all()
        return _Geo(list(area_rows), list(district_rows))

    async def audience(self: Tx, targets: list[Target]) -> list[int]:
        """Active people the targets reach, by id (each once, however many targets match)."""
        geo = await self._geo()
        scopes: dict[int, list[tuple[str, Any]]] = {}
        for pid, kind, ref in await self.conn.execute(
            select(person_scopes.c.person_id, person_scopes.c.scope, person_scopes.c.ref_id)
        ):
            scopes.setdefault(pid, []).append((kind, ref))
        rows = await self.conn.execute(
            select(people.c.id, people.c.role)
            .where(people.c.active.is_(True))
            .order_by(people.c.id)
        )
        return [
            pid
            for pid, role in rows.all()
            if matches(geo.places(role, scopes.get(pid, [])), targets)
        ]

    async def reach(self: Tx, person_ids: list[int]) -> Reach:
        """Which chat app notify would use for each person, counted (same rule as `reachable`)."""
        wanted = set(person_ids)
        preferred = {
            pid: ch
            for pid, ch in await self.conn.execute(select(people.c.id, people.c.preferred_channel))
            if pid in wanted
        }
        best: dict[int, tuple[bool, Any, str]] = {}
        rows = await self.conn.execute(
            select(identities.c.person_id, identities.c.channel, identities.c.last_seen_at)
            .where(identities.c.active.is_(True), identities.c.person_id.is_not(None))
            .order_by(identities.c.id)
        )
        for pid, channel, seen in rows:
            if pid not in wanted:
                continue
            rank = (channel == preferred.get(pid), seen.timestamp() if seen else 0.0, channel)
            # Ties keep the first identity, as `reachable` does (max keeps the first maximum).
            if pid not in best or rank[:2] > best[pid][:2]:
                best[pid] = rank
        per_channel = Counter(r[2] for r in best.values())
        return Reach(sorted(wanted), dict(per_channel), len(wanted) - len(best))

    async def invited_not_registered(self: Tx, targets: list[Target]) -> int:
        """Unused, unexpired invites (new people) the targets would reach once they register."""
        geo = await self._geo()
        rows = await self.conn.execute(
            select(invites.c.role, invites.c.scope).where(
                invites.c.used_at.is_(None),
                invites.c.person_id.is_(None),
                invites.c.expires_at > self.now(),
            )
        )
        return sum(
            1
            for role, scope in rows.all()
            if matches(geo.places(role, [(k, r) for k, r in scope]), targets)
        )

    async def provinces_list(self: Tx) -> list[tuple[int, str, str]]:
        """(id, Thai name, English name) of every province, by Thai name."""
        rows = await self.conn.execute(
            select(provinces.c.id, provinces.c.name_th, provinces.c.name_en).order_by(
                provinces.c.name_th
            )
        )
        return [(int(i), th, en) for i, th, en in rows.all()]

    async def districts_of(self: Tx, province_id: int) -> list[tuple[int, str, str]]:
        """(id, Thai name, English name) of a province's districts, by Thai name."""
        rows = await self.conn.execute(
            select(districts.c.id, districts.c.name_th, districts.c.name_en)
            .where(districts.c.province_id == province_id)
            .order_by(districts.c.name_th)
        )
        return [(int(i), th, en) for i, th, en in rows.all()]

    async def place_name(self: Tx, kind: TargetKind, ref: int) -> tuple[str, str] | None:
        """(Thai, English) name of a province, district or area (an area's code as English)."""
        if kind == TargetKind.PROVINCE:
            q = select(provinces.c.name_th, provinces.c.name_en).where(provinces.c.id == ref)
        elif kind == TargetKind.DISTRICT:
            q = select(districts.c.name_th, districts.c.name_en).where(districts.c.id == ref)
        else:
            q = select(areas.c.name, areas.c.code).where(areas.c.id == ref)
        row = (await self.conn.execute(q)).first()
        return None if row is None else (row[0], row[1])
