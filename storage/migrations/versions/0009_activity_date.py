"""reports: the day the activity took place, and participants by group

Revision ID: 0009_activity_date
Revises: 0008_digest_indexes
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_activity_date"
down_revision = "0008_digest_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("activity_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("participant_groups", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("participant_groups")
        batch_op.drop_column("activity_date")
