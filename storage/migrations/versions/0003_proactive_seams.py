"""seams of the proactive half: job runs, notify columns on outbox, people and identities

Revision ID: 0003_proactive_seams
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_proactive_seams"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", Id, nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "period", name="uq_job_runs_job_period"),
    )
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("person_id", Id, nullable=True))
        batch_op.add_column(sa.Column("tag", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("not_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_outbox_person_id_people", "people", ["person_id"], ["id"])
        batch_op.create_index("ix_outbox_tag", ["tag"], unique=False)
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("preferred_channel", sa.String(length=16), nullable=True))
    with op.batch_alter_table("identities") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("preferred_channel")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_tag")
        batch_op.drop_constraint("fk_outbox_person_id_people", type_="foreignkey")
        batch_op.drop_column("not_after")
        batch_op.drop_column("tag")
        batch_op.drop_column("person_id")
    op.drop_table("job_runs")
