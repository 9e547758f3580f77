"""broadcasts, meetings and meeting invitees

Revision ID: 0005_broadcasts_meetings
Revises: 0004_problem_followup
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_broadcasts_meetings"
down_revision = "0004_problem_followup"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", Id, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("send_at", TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", Id, nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("unreachable", sa.Integer(), nullable=False),
        sa.Column("reported_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_broadcasts_created_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_index("ix_broadcasts_status", "broadcasts", ["status", "send_at"])
    op.create_table(
        "meetings",
        sa.Column("id", Id, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("agenda", sa.Text(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_by", Id, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_meetings_created_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    op.create_index("ix_meetings_starts", "meetings", ["status", "starts_at"])
    op.create_table(
        "meeting_invitees",
        sa.Column("id", Id, nullable=False),
        sa.Column("meeting_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("invited_at", TS, nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("notified_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meetings.id"], name=op.f("fk_meeting_invitees_meeting_id_meetings")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_meeting_invitees_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_invitees")),
        sa.UniqueConstraint(
            "meeting_id", "person_id", name="uq_meeting_invitees_meeting_person"
        ),
    )
    op.create_index(
        "ix_meeting_invitees_person_id", "meeting_invitees", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_meeting_invitees_person_id", table_name="meeting_invitees")
    op.drop_table("meeting_invitees")
    op.drop_index("ix_meetings_starts", table_name="meetings")
    op.drop_table("meetings")
    op.drop_index("ix_broadcasts_status", table_name="broadcasts")
    op.drop_table("broadcasts")
