"""media served by the web server, the working-day calendar's overrides, coordinators' leave

Revision ID: 0006_media_calendar
Revises: 0005_broadcasts_meetings
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_media_calendar"
down_revision = "0005_broadcasts_meetings"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", Id, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("token", name=op.f("uq_media_token")),
    )
    with op.batch_alter_table("media") as batch_op:
        batch_op.create_index(batch_op.f("ix_media_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "holiday_overrides",
        sa.Column("id", Id, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("ref_id", Id, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_overrides")),
        sa.UniqueConstraint("day", "scope", "ref_id", name="uq_holiday_overrides_day_scope"),
    )
    with op.batch_alter_table("holiday_overrides") as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_overrides_day"), ["day"], unique=False)
    op.create_table(
        "leaves",
        sa.Column("id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_leaves_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaves")),
    )
    with op.batch_alter_table("leaves") as batch_op:
        batch_op.create_index(batch_op.f("ix_leaves_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_table("leaves")
    op.drop_table("holiday_overrides")
    op.drop_table("media")
