"""leases: exactly one active scheduler among several worker processes

Revision ID: 0007_scheduler_lease
Revises: 0006_media_calendar
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_scheduler_lease"
down_revision = "0006_media_calendar"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
