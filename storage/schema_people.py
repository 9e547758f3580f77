"""Places, people, their chat identities and invite codes."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from storage.schema_base import TS, Id, metadata

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
