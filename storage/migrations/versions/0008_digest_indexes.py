"""indexes for reminders and digests: reports by kind and time, open problems, per-area latest

Revision ID: 0008_digest_indexes
Revises: 0007_scheduler_lease
Create Date: 2026-11-30
"""

from alembic import op

revision = "0008_digest_indexes"
down_revision = "0007_scheduler_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.create_index("ix_reports_kind_created_at", ["kind", "created_at"], unique=False)
        batch_op.create_index(
            "ix_reports_kind_status_created_at", ["kind", "status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_reports_area_kind_created_at", ["area_id", "kind", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_area_kind_created_at")
        batch_op.drop_index("ix_reports_kind_status_created_at")
        batch_op.drop_index("ix_reports_kind_created_at")
