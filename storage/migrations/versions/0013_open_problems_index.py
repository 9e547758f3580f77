"""open problems: the (kind, status, created_at) index also holds redacted_at, so the ids of
the open, unredacted problems a new one is compared with are read from the index alone

Revision ID: 0013_open_problems_index
Revises: 0012_people_safety
Create Date: 2026-12-01
"""

from alembic import op

revision = "0013_open_problems_index"
down_revision = "0012_people_safety"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_kind_status_created_at")
        batch_op.create_index(
            "ix_reports_open_problems", ["kind", "status", "created_at", "redacted_at"],
            unique=False,
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_index("ix_reports_open_problems")
        batch_op.create_index(
            "ix_reports_kind_status_created_at", ["kind", "status", "created_at"], unique=False
        )
