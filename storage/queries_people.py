"""People, their scopes and channel identities, invites, the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from storage import hot_sqlite as hot
from storage.audit import AuditAction, audit, audit_entries
from storage.prepared import statements
from storage.queries_geo import Area
from storage.schema import identities, people, person_scopes, settings_kv

if TYPE_CHECKING:
    from storage.store import Tx


# Scope kinds from the narrowest: the narrowest covering a place names who follows it up.
NARROWNESS = {"area": 0, "district": 1, "province": 2, "all": 3}


@dataclass(frozen=True)
class Person:
    """A registered person."""

    id: int
    name: str
    role: str
    language: str
    active: bool


@dataclass(frozen=True)
class Identity:
    """One account on one channel, registered (person_id) or not."""

    id: int
    channel: str
    external_id: str
    person_id: int | None
    active: bool
    failed_codes: int
    locked_until: datetime | None
    last_seen_at: datetime | None = None


def identity_from_row(m: Any) -> Identity:
    return Identity(
        m["id"],
        m["channel"],
        m["external_id"],
        m["person_id"],
        m["active"],
        m["failed_codes"],
        m["locked_until"],
        m.get("last_seen_at"),
    )


class PeopleQueries:
    """Queries over people and identities."""

    async def identity(self: Tx, channel: str, external_id: str) -> Identity | None:
        """The identity for a channel account, if seen before."""
        stmt = statements(self.dialect).identity_person
        row = (
            await self.conn.execute(stmt, {"channel": channel, "external_id": external_id})
        ).first()
        return None if row is None else identity_from_row(row._mapping)

    async def ensure_identity(self: Tx, channel: str, external_id: str) -> Identity:
        """The identity for a channel account, created on first contact."""
        found = await self.identity(channel, external_id)
        if found is not None:
            return found
        await self.conn.execute(
            self.insert_ignore(identities).values(
                channel=channel, external_id=external_id, active=True, failed_codes=0,
                created_at=self.now(),
            )
        )  # fmt: skip
        found = await self.identity(channel, external_id)
        assert found is not None
        return found

    async def identity_and_person(
        self: Tx, channel: str, external_id: str
    ) -> tuple[Identity, Person | None]:
        """Who is writing: the identity (created on first contact) and its person, in one query."""
        if self.raw is not None:
            return await self._identity_and_person_raw(self.raw, channel, external_id)
        stmt = statements(self.dialect).identity_person
        params = {"channel": channel, "external_id": external_id}
        row = (await self.conn.execute(stmt, params)).first()
        if row is None:
            await self.ensure_identity(channel, external_id)
            row = (await self.conn.execute(stmt, params)).one()
        ident = identity_from_row(row._mapping)
        if row.person_id is None:
            return ident, None
        return ident, Person(row.person_id, row.name, row.role, row.language, row.person_active)

    async def _identity_and_person_raw(
        self: Tx, raw: Any, channel: str, external_id: str
    ) -> tuple[Identity, Person | None]:
        row = hot.identity_person(raw, channel, external_id)
        if row is None:
            await self.ensure_identity(channel, external_id)
            row = hot.identity_person(raw, channel, external_id)
        iid, chan, ext, pid, active, failed, locked, seen, name, role, lang, p_active = row
        ident = Identity(iid, chan, ext, pid, bool(active), failed, hot.parse_ts(locked),
                         hot.parse_ts(seen))  # fmt: skip
        return ident, None if pid is None else Person(pid, name, role, lang, bool(p_active))

    async def areas_of_person(self: Tx, person_id: int) -> list[Area]:
        """The active areas a person's scope covers, by code (one query)."""
        if self.raw is not None:
            return [Area(*row) for row in hot.areas_of_person(self.raw, person_id)]
        stmt = statements(self.dialect).areas_of_person
        return [Area(**r._mapping) for r in await self.conn.execute(stmt, {"person_id": person_id})]

    async def update_identity(self: Tx, identity_id: int, **values: Any) -> None:
        """Change an identity's person link, activity or lockout counters."""
        await self.conn.execute(
            update(identities).where(identities.c.id == identity_id).values(**values)
        )

    async def identities_of(self: Tx, person_id: int) -> list[Identity]:
        """All active identities of a person."""
        rows = await self.conn.execute(
            select(identities)
            .where(identities.c.person_id == person_id, identities.c.active.is_(True))
            .order_by(identities.c.id)
        )
        return [identity_from_row(r._mapping) for r in rows]

    async def create_person(
        self: Tx, name: str, role: str, scope: list[list[Any]], language: str = "th"
    ) -> int:
        """Create a person with their scope entries."""
        res = await self.conn.execute(
            people.insert()
            .values(name=name, role=role, language=language, active=True, created_at=self.now())
            .returning(people.c.id)
        )
        pid = int(res.scalar_one())
        for kind, ref in scope:
            await self.conn.execute(
                person_scopes.insert().values(person_id=pid, scope=kind, ref_id=ref)
            )
        return pid

    async def person(self: Tx, person_id: int) -> Person | None:
        """One person by id."""
        row = (await self.conn.execute(select(people).where(people.c.id == person_id))).first()
        if row is None:
            return None
        m = row._mapping
        return Person(m["id"], m["name"], m["role"], m["language"], m["active"])

    async def people_list(self: Tx) -> list[Person]:
        """Everyone, by role then name."""
        rows = await self.conn.execute(select(people).order_by(people.c.role, people.c.name))
        return [
            Person(m["id"], m["name"], m["role"], m["language"], m["active"])
            for m in (r._mapping for r in rows)
        ]

    async def set_language(self: Tx, person_id: int, language: str) -> None:
        """Remember a person's language."""
        await self.conn.execute(
            update(people).where(people.c.id == person_id).values(language=language)
        )

    async def scope_of(self: Tx, person_id: int) -> list[tuple[str, int | None]]:
        """A person's scope entries."""
        rows = await self.conn.execute(
            select(person_scopes.c.scope, person_scopes.c.ref_id).where(
                person_scopes.c.person_id == person_id
            )
        )
        return [(s, r) for s, r in rows.all()]

    async def area_ids_of(self: Tx, person_id: int) -> list[int]:
        """Every area a person's scope covers."""
        return [a.id for a in await self.areas_of_person(person_id)]

    async def overseers_of(self: Tx, area_id: int) -> list[Person]:
        """Active supervisors and admins whose scope covers an area."""
        return [person for person, _ in await self.overseers_with_reach(area_id)]

    async def overseers_with_reach(self: Tx, area_id: int) -> list[tuple[Person, str]]:
        """Active supervisors and admins whose scope covers an area, by id, each with the
        narrowest kind of scope that covers it ("area", "district", "province" or "all")."""
        rows = await self.conn.execute(statements(self.dialect).overseers, {"area_id": area_id})
        found: dict[int, tuple[Person, str]] = {}
        for pid, name, role, language, active, kind in rows.all():
            got = found.get(pid)
            if got is None or NARROWNESS[kind] < NARROWNESS[got[1]]:
                found[pid] = (Person(pid, name, role, language, bool(active)), kind)
        return list(found.values())

    async def audit(self: Tx, actor: str, action: AuditAction | str, **detail: Any) -> None:
        """Append to the audit log (never report text); `action` should be an AuditAction."""
        await audit(self, actor, action, detail)

    async def audit_entries(self: Tx, action: str | None = None) -> list[dict[str, Any]]:
        """Audit entries as dicts, oldest first."""
        return [vars(e) for e in await audit_entries(self, action=action)]

    async def kv_get(self: Tx, key: str) -> str | None:
        """A stored setting."""
        return await self.conn.scalar(select(settings_kv.c.value).where(settings_kv.c.key == key))

    async def kv_set_default(self: Tx, key: str, value: str) -> str:
        """Store a setting unless present; return whichever value won."""
        await self.conn.execute(self.insert_ignore(settings_kv).values(key=key, value=value))
        got = await self.kv_get(key)
        assert got is not None
        return got
