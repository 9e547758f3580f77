"""Statements on the inbound hot path, built once per dialect.

Building a SQLAlchemy statement costs more than running it on SQLite (coercions
and cache keys, ~50-100 µs each); these run for every message, so they are built
once with bind parameters and only executed afterwards.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from sqlalchemy import Table, and_, bindparam, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.schema import (
    areas,
    conversations,
    districts,
    identities,
    inbox,
    outbox,
    people,
    person_scopes,
    provinces,
)


def _insert(dialect: str, table: Table):  # type: ignore[no-untyped-def]
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _bind(table: Table, *names: str) -> dict[str, object]:
    return {name: bindparam(name, type_=table.c[name].type) for name in names}


@cache
def statements(dialect: str) -> SimpleNamespace:
    """The prepared statements for one dialect."""
    identity_person = (
        select(
            identities.c.id, identities.c.channel, identities.c.external_id,
            identities.c.person_id, identities.c.active, identities.c.failed_codes,
            identities.c.locked_until, identities.c.last_seen_at, people.c.name, people.c.role, people.c.language,
            people.c.active.label("person_active"),
        )
        .select_from(identities.outerjoin(people, identities.c.person_id == people.c.id))
        .where(
            identities.c.channel == bindparam("channel"),
            identities.c.external_id == bindparam("external_id"),
        )
    )  # fmt: skip
    conversation_get = select(
        conversations.c.flow, conversations.c.state, conversations.c.data,
        conversations.c.updated_at,
    ).where(conversations.c.person_id == bindparam("person_id"))  # fmt: skip
    upsert = _insert(dialect, conversations).values(
        **_bind(conversations, "person_id", "flow", "state", "data", "updated_at")
    )
    conversation_put = upsert.on_conflict_do_update(
        index_elements=[conversations.c.person_id],
        set_={c: upsert.excluded[c] for c in ("flow", "state", "data", "updated_at")},
    )
    inbox_add = (
        _insert(dialect, inbox)
        .values(**_bind(inbox, "channel", "event_id", "payload", "received_at", "processed_at"))
        .on_conflict_do_nothing()
        .returning(inbox.c.id)
    )
    outbox_add = (
        _insert(dialect, outbox)
        .values(**_bind(outbox, "channel", "recipient", "payload", "dedupe_key", "retry_key",
                        "reply_token", "status", "attempts", "next_attempt_at", "created_at",
                        "leased_by"))
        .on_conflict_do_nothing()
        .returning(outbox.c.id)
    )  # fmt: skip
    pid = bindparam("person_id", type_=person_scopes.c.person_id.type)
    # A scope entry covers an area by the area itself, its district, its province, or all.
    covers = or_(
        and_(person_scopes.c.scope == "area", person_scopes.c.ref_id == areas.c.id),
        and_(person_scopes.c.scope == "district", person_scopes.c.ref_id == areas.c.district_id),
        and_(person_scopes.c.scope == "province", person_scopes.c.ref_id == districts.c.province_id),
        person_scopes.c.scope == "all",
    )  # fmt: skip
    in_scope = and_(person_scopes.c.person_id == pid, covers)
    areas_of_person = (
        select(
            areas.c.id, areas.c.code, areas.c.name, areas.c.district_id,
            districts.c.name_th.label("district"), districts.c.name_en.label("district_en"),
            provinces.c.id.label("province_id"), provinces.c.name_th.label("province"),
            provinces.c.name_en.label("province_en"),
        )
        .select_from(areas.join(districts).join(provinces).join(person_scopes, in_scope))
        .where(areas.c.active.is_(True))
        .distinct()
        .order_by(areas.c.code)
    )  # fmt: skip
    # Who oversees an area, with the kind of each scope entry that covers it: one query
    # for what was one query per supervisor and admin (a problem's notice runs it).
    area_id = bindparam("area_id", type_=areas.c.id.type)
    overseers = (
        select(people.c.id, people.c.name, people.c.role, people.c.language, people.c.active,
               person_scopes.c.scope)
        .select_from(people.join(person_scopes, person_scopes.c.person_id == people.c.id)
                     .join(areas, areas.c.id == area_id).join(districts))
        .where(people.c.role.in_(("supervisor", "admin")), people.c.active.is_(True),
               areas.c.active.is_(True), covers)
        .order_by(people.c.id)
    )  # fmt: skip
    # A person and their active chat accounts in one query (notify runs it per notice).
    reachable = (
        select(people.c.language, people.c.active, people.c.preferred_channel,
               identities.c.channel, identities.c.external_id, identities.c.last_seen_at)
        .select_from(people.outerjoin(identities, and_(
            identities.c.person_id == people.c.id, identities.c.active.is_(True))))
        .where(people.c.id == bindparam("person_id", type_=people.c.id.type))
        .order_by(identities.c.id)
    )  # fmt: skip
    notice_add = (
        _insert(dialect, outbox)
        .values(**_bind(outbox, "channel", "recipient", "payload", "dedupe_key", "retry_key",
                        "reply_token", "status", "attempts", "next_attempt_at", "created_at",
                        "person_id", "tag", "not_after"))
        .on_conflict_do_nothing()
        .returning(outbox.c.id)
    )  # fmt: skip
    return SimpleNamespace(
        overseers=overseers,
        reachable=reachable,
        notice_add=notice_add,
        identity_person=identity_person,
        conversation_get=conversation_get,
        conversation_put=conversation_put,
        inbox_add=inbox_add,
        outbox_add=outbox_add,
        areas_of_person=areas_of_person,
    )
