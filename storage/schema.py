"""The database schema (SQLAlchemy Core), one module per area; Alembic migrations mirror it.

Import tables from here. Times are stored as UTC (timezone-aware); people read them in
PRASAN_TIMEZONE.
"""

from __future__ import annotations

from storage.schema_base import TS, Id, UTCDateTime, metadata
from storage.schema_people import (
    areas,
    districts,
    identities,
    invite_misses,
    invites,
    people,
    person_scopes,
    provinces,
)
from storage.schema_proactive import (
    audit_log,
    broadcasts,
    holiday_overrides,
    job_runs,
    leases,
    leaves,
    media,
    meeting_invitees,
    meetings,
    outbox,
    photo_fetches,
    settings_kv,
)
from storage.schema_reports import (
    conversations,
    inbox,
    report_history,
    report_links,
    reports,
)

__all__ = [
    "TS",
    "Id",
    "UTCDateTime",
    "areas",
    "audit_log",
    "broadcasts",
    "conversations",
    "districts",
    "holiday_overrides",
    "identities",
    "inbox",
    "invite_misses",
    "invites",
    "job_runs",
    "leases",
    "leaves",
    "media",
    "meeting_invitees",
    "meetings",
    "metadata",
    "outbox",
    "people",
    "person_scopes",
    "photo_fetches",
    "provinces",
    "report_history",
    "report_links",
    "reports",
    "settings_kv",
]
