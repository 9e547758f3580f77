"""What the bot sends and schedules: outbox, jobs, media, calendar, broadcasts, meetings; audit, settings, leases."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from storage.schema_base import TS, Id, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(128), nullable=False),
    Column("payload", Text, nullable=False),  # JSON list of Outgoing dicts
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("retry_key", String(36), nullable=False),  # LINE X-Line-Retry-Key (UUID)
    Column("reply_token", String(256), nullable=True),
    # pending | sending (leased) | sent | blocked | expired (not_after passed) | dead (given up)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("sent_at", TS, nullable=True),
    # Proactive rows (notify): whom they are for, what they belong to (e.g. "broadcast:12",
    # for delivery reports), and the moment after which sending them makes no sense.
    Column("person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("tag", String(64), nullable=True),
    Column("not_after", TS, nullable=True),
    # The sender: the LINE multicast a row was grouped into (its X-Line-Retry-Key), when its
    # current run of failures began (give-up window), and who holds its lease.
    Column("batch_key", String(36), nullable=True),
    Column("failing_since", TS, nullable=True),
    Column("leased_by", String(64), nullable=True),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_tag", "tag"),
    Index("ix_outbox_batch_key", "batch_key"),
)

# One row per scheduled job period ("digest-daily", "2026-11-21"): a period that finished
# is never run again, whichever process or trigger (cron, catch-up, CLI) asks.
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("job", String(64), nullable=False),
    Column("period", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running | done | failed
    Column("trigger", String(16), nullable=False),  # cron | catch-up | cli
    Column("started_at", TS, nullable=False),
    Column("finished_at", TS, nullable=True),
    Column("notices", Integer, nullable=False, default=0),
    Column("error", String(200), nullable=True),
    UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
)

# Images the bot sends (charts, report photos), kept in the database because the web and
# worker processes may not share a disk; served at /media/<token> until they expire.
media = Table(
    "media",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token", String(64), nullable=False, unique=True),  # unguessable, in the URL
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False, index=True),
)

# An admin's correction of the working-day calendar: a closure added, or a computed holiday
# removed (Hari Raya follows the moon-sighting announcement), for the whole programme, the
# offices observing Hari Raya ("regional"), or one province, district or area (ref_id).
holiday_overrides = Table(
    "holiday_overrides",
    metadata,
    Column("id", Id, primary_key=True),
    Column("day", Date, nullable=False, index=True),
    Column("action", String(8), nullable=False),  # add | remove
    Column("scope", String(16), nullable=False),  # all | regional | province | district | area
    Column("ref_id", Id, nullable=False, default=0),  # 0 for all / regional
    Column("name", String(200), nullable=True),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("day", "scope", "ref_id", name="uq_holiday_overrides_day_scope"),
)

# A coordinator's leave: no reminders from starts_on to ends_on (inclusive, local dates).
leaves = Table(
    "leaves",
    metadata,
    Column("id", Id, primary_key=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_at", TS, nullable=False),
)

# An admin's announcement: committed first with its target, then expanded into outbox rows
# (one per person, key broadcast:<id>:<person>) in chunks; `cursor` is the last person id
# expanded, so a crash mid-expansion resumes where it stopped and never sends twice.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("created_at", TS, nullable=False),
    Column("created_by", Id, ForeignKey("people.id"), nullable=True),  # None: the CLI
    Column("actor", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("translations", JSON, nullable=False),  # {"en": ..., "ms": ...}
    Column("photo", String(200), nullable=True),
    Column("targets", JSON, nullable=False),  # [["province", 3], ["role", "admin"], ...]
    Column("send_at", TS, nullable=False),
    Column("status", String(16), nullable=False),  # pending | expanding | queued | done
    Column("cursor", Id, nullable=False, default=0),
    Column("queued", Integer, nullable=False, default=0),
    Column("unreachable", Integer, nullable=False, default=0),
    Column("reported_at", TS, nullable=True),
    Index("ix_broadcasts_status", "status", "send_at"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Id, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("starts_at", TS, nullable=False),
    Column("venue", String(300), nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("agenda", Text, nullable=True),
    Column("targets", JSON, nullable=False),
    Column("created_by", Id, ForeignKey("people.id"), nullable=True),
    Column("created_at", TS, nullable=False),
    Column("status", String(16), nullable=False),  # scheduled | cancelled
    # Bumped when the time or venue changes: invitees notified at an older version get an update.
    Column("version", Integer, nullable=False, default=1),
    Index("ix_meetings_starts", "status", "starts_at"),
)

meeting_invitees = Table(
    "meeting_invitees",
    metadata,
    Column("id", Id, primary_key=True),
    Column("meeting_id", Id, ForeignKey("meetings.id"), nullable=False),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("invited_at", TS, nullable=False),
    Column("answer", String(8), nullable=True),  # yes | no; None: not answered
    Column("reason", Text, nullable=True),
    Column("answered_at", TS, nullable=True),
    Column("notified_version", Integer, nullable=True),  # the version their last notice showed
    UniqueConstraint("meeting_id", "person_id", name="uq_meeting_invitees_meeting_person"),
)

# Append-only: storage.audit has no update or delete path, and triggers (migration 0012)
# make the database refuse UPDATE and DELETE on it.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", TS, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
)

# Small key/value store for generated secrets (e.g. the Telegram webhook secret).
settings_kv = Table(
    "settings_kv",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# A report photo to fetch from its chat platform (LINE deletes content after a while), queued
# when it arrives, in the same transaction; the fetcher keeps it as media and records how it went.
photo_fetches = Table(
    "photo_fetches",
    metadata,
    Column("id", Id, primary_key=True),
    Column("ref", String(200), nullable=False, unique=True),  # "line:<message id>", "telegram:<id>"
    Column("person_id", Id, ForeignKey("people.id"), nullable=False),
    # pending | stored | expired | too_large | not_image | failed
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", TS, nullable=False),
    Column("media_token", String(64), nullable=True),
    Column("url", String(500), nullable=True),  # where chat apps fetch the kept photo
    Column("created_at", TS, nullable=False),
    Column("done_at", TS, nullable=True),
    Index("ix_photo_fetches_due", "status", "next_attempt_at"),
)

# Who does a once-per-deployment duty (the scheduler): the holder renews `expires_at`; when
# it stops renewing (its process died), another process takes the lease over.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", TS, nullable=False),
)
