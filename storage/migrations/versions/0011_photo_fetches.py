"""report photos fetched from the chat platforms as soon as they arrive

Revision ID: 0011_photo_fetches
Revises: 0010_outbox_delivery
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_photo_fetches"
down_revision = "0010_outbox_delivery"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "photo_fetches",
        sa.Column("id", Id, nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media_token", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_photo_fetches_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_fetches")),
        sa.UniqueConstraint("ref", name=op.f("uq_photo_fetches_ref")),
    )  # fmt: skip
    op.create_index("ix_photo_fetches_due", "photo_fetches", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_photo_fetches_due", table_name="photo_fetches")
    op.drop_table("photo_fetches")
