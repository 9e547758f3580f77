"""Who may do what, and every change to people and invites, audited (CLI and admin chat share it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.invites import VALID_DAYS, code_hash, new_code
from storage.audit import AuditAction, audit
from storage.queries_access import Place, ScopeEntry
from storage.queries_people import Person
from storage.store import Tx

ROLES = ("coordinator", "supervisor", "admin")


class Refusal(StrEnum):
    """Why a change was refused (the CLI and the chat word these themselves)."""

    NO_PERSON = "no_person"
    BAD_ROLE = "bad_role"
    COORDINATOR_AREAS = "coordinator_areas"  # a coordinator's scope is areas only
    EMPTY_SCOPE = "empty_scope"
    LAST_ADMIN = "last_admin"
    ERASED = "erased"


class AccessError(Exception):
    """A change that cannot be made; `reason` says why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class NewInvite:
    """A code just created (the code exists only here and in the message that carries it)."""

    id: int
    code: str
    expires_at: datetime


def scope_labels(places: list[Place]) -> list[str]:
    """Scope entries for the audit log and the CLI: area codes and place names, no ids."""
    return ["all" if p.kind == "all" else f"{p.kind}:{p.code or p.name_en}" for p in places]


def normalise_scope(role: str, scope: list[ScopeEntry]) -> list[ScopeEntry]:
    """The scope a role gets: admins see everything, coordinators report on areas."""
    if role not in ROLES:
        raise AccessError(Refusal.BAD_ROLE)
    if role == "admin" or any(kind == "all" for kind, _ in scope):
        if role == "coordinator":
            raise AccessError(Refusal.COORDINATOR_AREAS)
        return [("all", None)]
    if role == "coordinator" and any(kind != "area" for kind, _ in scope):
        raise AccessError(Refusal.COORDINATOR_AREAS)
    if not scope:
        raise AccessError(Refusal.EMPTY_SCOPE)
    return list(dict.fromkeys(scope))


async def _living(tx: Tx, person_id: int) -> Person:
    person = await tx.person(person_id)
    if person is None:
        raise AccessError(Refusal.NO_PERSON)
    if person.name == ERASED_NAME:
        raise AccessError(Refusal.ERASED)
    return person


async def _last_admin(tx: Tx, person: Person) -> bool:
    if person.role != "admin" or not person.active:
        return False
    return len(await tx.find_people(role="admin", active=True)) <= 1


async def change_access(
    tx: Tx,
    actor: str,
    person_id: int,
    *,
    role: str | None = None,
    scope: list[ScopeEntry] | None = None,
    name: str | None = None,
    via: str = "admin",
) -> dict[str, Any]:
    """Change role, scope and/or name; one audit entry with the scope before and after."""
    person = await _living(tx, person_id)
    before_scope = await tx.scope_of(person_id)
    new_role = role or person.role
    if new_role != "admin" and await _last_admin(tx, person):
        raise AccessError(Refusal.LAST_ADMIN)
    if scope is None and new_role != person.role:
        kept = [e for e in before_scope if new_role != "coordinator" or e[0] == "area"]
        scope = [] if new_role == "admin" else kept
    new_scope = normalise_scope(new_role, scope if scope is not None else before_scope)
    before = scope_labels(await tx.places(before_scope))
    after = scope_labels(await tx.places(new_scope))
    if new_role != person.role:
        await tx.set_role(person_id, new_role)
    if new_scope != before_scope:
        await tx.replace_scope(person_id, new_scope)
    if name is not None and name.strip() and name.strip() != person.name:
        await tx.set_name(person_id, name.strip()[:200])
        await audit(tx, actor, AuditAction.NAME_CHANGED, {"person_id": person_id})
    change = {"person_id": person_id, "role_before": person.role, "role_after": new_role,
              "scope_before": before, "scope_after": after, "via": via}  # fmt: skip
    if new_role != person.role:
        await audit(tx, actor, AuditAction.ROLE_CHANGED, change)
    elif before != after:
        await audit(tx, actor, AuditAction.SCOPE_CHANGED, change)
    return change


async def set_active(tx: Tx, actor: str, person_id: int, active: bool) -> bool:
    """Deactivate or reactivate; False when nothing changed. Reports always stay."""
    person = await _living(tx, person_id)
    if person.active == active:
        return False
    if not active and await _last_admin(tx, person):
        raise AccessError(Refusal.LAST_ADMIN)
    await tx.set_active(person_id, active)
    if not active:
        await tx.clear_conversation(person_id)  # a deactivated person's draft goes
    action = AuditAction.REACTIVATED if active else AuditAction.DEACTIVATED
    await audit(tx, actor, action, {"person_id": person_id})
    return True


async def create_invite(
    tx: Tx, actor: str, role: str, scope: list[ScopeEntry], name: str | None
) -> NewInvite:
    """A one-time code for a new person with this role and scope."""
    scope = normalise_scope(role, scope)
    code = new_code()
    expires = tx.now() + timedelta(days=VALID_DAYS)
    stored = [[kind, ref] for kind, ref in scope]
    invite_id = await tx.create_invite(await code_hash(tx, code), role, name, stored, expires)
    labels = scope_labels(await tx.places(scope))
    await audit(tx, actor, AuditAction.INVITE_CREATED,
                {"invite_id": invite_id, "role": role, "scope": labels})  # fmt: skip
    return NewInvite(invite_id, code, expires)


async def create_link_invite(tx: Tx, actor: str, person: Person) -> NewInvite:
    """A one-time code that links one more chat app to someone registered."""
    code = new_code()
    expires = tx.now() + timedelta(days=VALID_DAYS)
    invite_id = await tx.create_invite(
        await code_hash(tx, code), person.role, None, [], expires, person_id=person.id
    )
    await audit(tx, actor, AuditAction.LINK_INVITE_CREATED,
                {"invite_id": invite_id, "person_id": person.id})  # fmt: skip
    return NewInvite(invite_id, code, expires)


async def revoke_invite(tx: Tx, actor: str, invite_id: int) -> bool:
    """Revoke an unused code; False when it was used or revoked already (or never existed)."""
    if not await tx.revoke_invite(invite_id):
        return False
    await audit(tx, actor, AuditAction.INVITE_REVOKED, {"invite_id": invite_id})
    return True


async def unlock_identity(tx: Tx, actor: str, identity_id: int) -> bool:
    """Lift the wrong-code lockout of one chat identity; False when there is no such identity."""
    ident = await tx.identity_by_id(identity_id)
    if ident is None:
        return False
    await tx.update_identity(identity_id, failed_codes=0, locked_until=None)
    await audit(tx, actor, AuditAction.IDENTITY_UNLOCKED,
                {"identity_id": identity_id, "was_locked": ident.locked_until is not None})  # fmt: skip
    return True


# What an erased person is called wherever their reports are listed or exported.
ERASED_NAME = "erased"


def can_see_location(viewer: Person, reporter_id: int) -> bool:
    """A precise location is shown only to admins and to the person who sent it."""
    return viewer.role == "admin" or viewer.id == reporter_id


async def export_area_ids(tx: Tx, viewer: Person) -> list[int] | None:
    """The areas a person may export (None = all); coordinators may not export."""
    if viewer.role == "admin":
        return None
    if viewer.role != "supervisor" or not viewer.active:
        raise AccessError(Refusal.BAD_ROLE)
    if any(kind == "all" for kind, _ in await tx.scope_of(viewer.id)):
        return None
    return await tx.area_ids_of(viewer.id)
