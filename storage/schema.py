"""The database schema (SQLAlchemy Core). Alembic migrations mirror this module.

Times are stored as UTC (timezone-aware); people read them in PRASAN_TIMEZONE.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Integer primary keys that are BIGINT on PostgreSQL but stay INTEGER on SQLite
# (only INTEGER PRIMARY KEY is SQLite's rowid alias with autoincrement).
Id = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; store aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TS = UTCDateTime()

provinces = Table(
    "provinces",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name_th", String(100), nullable=False, unique=True),
    Column("name_en", String(100), nullable=False),
)

districts = Table(
    "districts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("province_id", Id, ForeignKey("provinces.id"), nullable=False),
    Column("name_th", String(100), nullable=False),
    Column("name_en", String(100), nullable=False),
    UniqueConstraint("province_id", "name_th", name="uq_districts_province_name"),
)

areas = Table(
    "areas",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("district_id", Id, ForeignKey("districts.id"), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),  # coordinator | supervisor | admin
    Column("language", String(8), nullable=False, default="th"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", TS, nullable=False),
    # Set by `prasan people erase`: the name is gone, their reports stay as anonymous counts.
    Column("erased_at", TS, nullable=True),
    # The chat app the person asked to be reached on (notify); unset: the one used last.
    Column("preferred_channel", String(16), nullable=True),
)

# A coordinator's areas; a supervisor's areas, districts, provinces or "all".
person_scopes = Table(
    "person_scopes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("person_id", Id, ForeignKey("people.id"), nullable=False, index=True),
    Column("scope", String(16), nullable=False),  # area | district | province | all
    Column("ref_id", Id, nullable=True),
    UniqueConstraint("person_id", "scope", "ref_id", name="uq_person_scopes_entry"),
)

identities = Table(
    "identities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("channel", String(16), nullable=False),  # console | telegram | line
    Column("external_id", String(128), nullable=False),
    Column("person_id", Id, ForeignKey("people.id"), nullable=True, index=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_codes", Integer, nullable=False, default=0),
    Column("locked_until", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    # Refreshed at most every few minutes by the inbound path; notify reaches the app used last.
    Column("last_seen_at", TS, nullable=True),
    UniqueConstraint("channel", "external_id", name="uq_identities_channel_external"),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("name", String(200), nullable=True),
    Column("scope", JSON, nullable=False),  # [["area", id], ["district", id], ...]
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("used_at", TS, nullable=True),
    Column("used_by", Id, ForeignKey("people.id"), nullable=True),
    # Set when the invite links one more chat app to an existing person (no new person).
    Column("person_id", Id, ForeignKey("people.id"), nullable=True),
    Column("revoked_at", TS, nullable=True),
    # Set when near misses of this code came from too many chats (see bot.invites).
    Column("locked_at", TS, nullable=True),
)

# Which chats sent a near miss of an invite code (one row per code and chat).
invite_misses = Table(
    "invite_misses",
    metadata,
    Column("id", Id, primary_key=True),
    Column("invite_id", Id, ForeignKey("invites.id"), nullable=False),
    Column("identity_id", Id, nullable=False),  # no foreign key: erasure deletes identities
    Column("at", TS, nullable=False),
    UniqueConstraint("invite_id", "identity_id", name="uq_invite_misses_entry"),
)

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
    Index("ix_reports_kind_status_created_at", "kind", "status", "created_at"),
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
