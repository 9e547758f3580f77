"""The audit log: who did what, when. Append-only: this module has no update or delete path.

Entries name the actor and ids, never report text or people's names (an erased person's
name must not survive here, and the log itself is never rewritten). The database refuses
UPDATE and DELETE on the table too (triggers from migration 0012).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from storage.schema import audit_log

if TYPE_CHECKING:
    from storage.store import Tx


class AuditAction(StrEnum):
    """Everything the audit log records (the strings are stored)."""

    REGISTER = "register"  # an identity joined with an invite code
    INVITE_FAILED = "invite_failed"
    INVITE_LOCKED = "invite_locked"  # a code locked itself after near misses from many chats
    INVITE_CREATED = "invite_created"
    LINK_INVITE_CREATED = "link_invite_created"
    INVITE_REVOKED = "invite_revoked"
    INVITE_SWITCH = "invite_switch"  # a registered person took a new code's role and scope
    ROLE_CHANGED = "role_changed"
    SCOPE_CHANGED = "scope_changed"
    NAME_CHANGED = "name_changed"  # never the names themselves
    DEACTIVATED = "person_deactivated"
    REACTIVATED = "person_reactivated"
    IDENTITY_UNLOCKED = "identity_unlocked"
    EXPORT = "export_reports"
    BROADCAST = "broadcast_created"
    PROBLEM_STATE = "ticket_state"  # a problem moved (open → in progress → resolved, duplicate)
    PROBLEM_FOLLOWUP = "ticket_followup"  # a coordinator added a note or photo to a problem
    ERASED = "person_erased"
    RETENTION = "retention"
    DENIED = "denied"  # a press or command outside the person's role or scope
    BACKUP = "backup"
    RESTORE = "restore"
    AREAS_IMPORTED = "areas_imported"
    DEMO_LOADED = "demo_loaded"
    MEETING_CREATED = "meeting_created"
    MEETING_CHANGED = "meeting_changed"  # its time or venue: everyone invited is told
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_ATTENDEES_EXPORTED = "meeting_attendees_exported"
    SEARCH = "search"  # an operator searched report texts (the query itself is not kept)
    HOLIDAY_ADDED = "holiday-add"
    HOLIDAY_REMOVED = "holiday-remove"
    OUTBOX_RETRY = "outbox_retry"  # dead-lettered messages queued again
    LEAVE = "leave"  # a coordinator paused their reminders


_KNOWN = frozenset(a.value for a in AuditAction)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def person_actor(person_id: int) -> str:
    """How a registered person appears as an actor."""
    return f"person:{person_id}"


def identity_actor(identity_id: int) -> str:
    """How an unregistered chat identity appears as an actor."""
    return f"identity:{identity_id}"


async def audit(tx: Tx, actor: str, action: AuditAction | str, detail: Mapping[str, Any]) -> None:
    """Append one entry (ids and codes only: never report text or names)."""
    if action not in _KNOWN:
        # Recorded all the same (an audit entry must never be lost), but the vocabulary
        # should name it: add it to AuditAction.
        log.warning("audit action %r is not in AuditAction", str(action)[:64])
    await tx.conn.execute(
        audit_log.insert().values(at=tx.now(), actor=actor, action=str(action), detail=dict(detail))
    )


async def audit_entries(
    tx: Tx,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries oldest first; `actor` "12" matches person 12, anything else the actor exactly."""
    q = select(audit_log).order_by(audit_log.c.id)
    if since is not None:
        q = q.where(audit_log.c.at >= since)
    if actor:
        names = [actor, person_actor(int(actor))] if actor.isdigit() else [actor]
        q = q.where(or_(*(audit_log.c.actor == n for n in names)))
    if action:
        q = q.where(audit_log.c.action == action)
    if limit is not None:
        q = q.limit(limit)
    rows = await tx.conn.execute(q)
    return [
        AuditEntry(m["id"], m["at"], m["actor"], m["action"], dict(m["detail"] or {}))
        for m in (r._mapping for r in rows)
    ]
