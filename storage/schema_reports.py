"""Reports and their follow-up, conversations, and the inbox of inbound events."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.schema_base import TS, Id, metadata

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),  # progress | obstacle
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("area_id", Id, ForeignKey("areas.id"), nullable=True, index=True),
    Column("raw_text", Text, nullable=False),
    Column("norm_text", Text, nullable=False),
    Column("tokens", JSON, nullable=False),
    Column("category", String(32), nullable=True),
    Column("severity", String(8), nullable=True),  # low | medium | high
    Column("participants", Integer, nullable=True),
    Column("photos", JSON, nullable=False),  # ["telegram:<file_id>", "line:<message id>", ...]
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("status", String(16), nullable=False),  # submitted | open | in_progress | resolved
    Column("channel", String(16), nullable=False),
    Column("event_id", String(128), nullable=True),
    Column("created_at", TS, nullable=False, index=True),
    # Problem follow-up: when the state last changed, which ticket this one duplicates,
    # and the normalised search terms (space-separated) the search index is built from.
    Column("status_changed_at", TS, nullable=True),
    Column("duplicate_of", Id, nullable=True),
    Column("search_text", Text, nullable=True),
    # Progress reports: the day the activity took place (local date; created_at is when it was
    # sent) and the groups the text named, [["ชาย", 10], ["หญิง", 15]].
    Column("activity_date", Date, nullable=True),
    Column("participant_groups", JSON, nullable=True),
    # Reminders and digests: reports of a kind in a time window, open problems by age, and
    # each area's latest progress report (migration 0008).
    # Set when retention or erasure removed the text, photos and location.
    Column("redacted_at", TS, nullable=True),
    Index("ix_reports_kind_created_at", "kind", "created_at"),
    # Open problems by age; redacted_at too, so a new problem's comparison reads only the
    # index (migration 0013).
    Index("ix_reports_open_problems", "kind", "status", "created_at", "redacted_at"),
    Index("ix_reports_area_kind_created_at", "area_id", "kind", "created_at"),
)

# Every state change of a problem (and a coordinator's follow-ups): who, when, from, to, note.
report_history = Table(
    "report_history",
    metadata,
    Column("id", Id, primary_key=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("kind", String(16), nullable=False),  # state | followup
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=True),
    Column("note", Text, nullable=True),
    Column("photo", String(200), nullable=True),  # a follow-up photo ("line:<message id>")
)

# A new problem linked to older open problems that look like the same one (similar.py).
report_links = Table(
    "report_links",
    metadata,
    Column("id", Id, primary_key=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False, index=True),
    Column("similar_id", Id, ForeignKey("reports.id"), nullable=False, index=True),
    Column("score", Float, nullable=False),
    UniqueConstraint("report_id", "similar_id", name="uq_report_links_pair"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("person_id", Id, ForeignKey("people.id"), primary_key=True),
    Column("flow", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# Every inbound event is written here before it is processed: the dedupe key
# (channel, event_id) makes redeliveries no-ops, and unprocessed rows are
# picked up again after a crash.
inbox = Table(
    "inbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("event_id", String(128), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("processed_at", TS, nullable=True),
    UniqueConstraint("channel", "event_id", name="uq_inbox_channel_event"),
    Index("ix_inbox_unprocessed", "processed_at"),
)
