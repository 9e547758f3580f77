"""invites can link a further chat app to an existing person

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch_op:
        batch_op.add_column(
            sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                      nullable=True)  # fmt: skip
        )
        batch_op.create_foreign_key(
            "fk_invites_person_id_people", "people", ["person_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch_op:
        batch_op.drop_constraint("fk_invites_person_id_people", type_="foreignkey")
        batch_op.drop_column("person_id")
