"""outbox delivery: multicast groups, failing window, lease holder

Revision ID: 0010_outbox_delivery
Revises: 0009_activity_date
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_outbox_delivery"
down_revision = "0009_activity_date"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("batch_key", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("leased_by", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_outbox_batch_key", ["batch_key"], unique=False)
    # "failed" rows of earlier versions are what is now called dead-lettered.
    op.execute("UPDATE outbox SET status = 'dead' WHERE status = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET status = 'failed' WHERE status = 'dead'")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_batch_key")
        batch_op.drop_column("leased_by")
        batch_op.drop_column("failing_since")
        batch_op.drop_column("batch_key")
