"""problem follow-up: state history, similar-problem links, search index over stored tokens

Revision ID: 0004_problem_followup
Revises: 0003_proactive_seams
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_problem_followup"
down_revision = "0003_proactive_seams"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", Id, nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    op.create_table(
        "report_history",
        sa.Column("id", Id, nullable=False),
        sa.Column("report_id", Id, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_report_history_person_id_people")),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_report_history_report_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_history")),
    )  # fmt: skip
    op.create_index("ix_report_history_report_id", "report_history", ["report_id"])
    op.create_table(
        "report_links",
        sa.Column("id", Id, nullable=False),
        sa.Column("report_id", Id, nullable=False),
        sa.Column("similar_id", Id, nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_report_links_report_id_reports")),
        sa.ForeignKeyConstraint(["similar_id"], ["reports.id"],
                                name=op.f("fk_report_links_similar_id_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_links")),
        sa.UniqueConstraint("report_id", "similar_id", name="uq_report_links_pair"),
    )  # fmt: skip
    op.create_index("ix_report_links_report_id", "report_links", ["report_id"])
    op.create_index("ix_report_links_similar_id", "report_links", ["similar_id"])
    _build_search_index()


def _build_search_index() -> None:
    """Search terms for every stored report, and the dialect's full-text index over them."""
    from bot.nlp.terms import search_terms
    from storage.search_index import create_index, reindex_sync

    bind = op.get_bind()
    create_index(bind)
    reports = sa.table("reports", sa.column("id", Id), sa.column("norm_text", sa.Text),
                       sa.column("search_text", sa.Text))  # fmt: skip
    rows = bind.execute(sa.select(reports.c.id, reports.c.norm_text)).all()
    for report_id, norm_text in rows:
        terms = " ".join(search_terms(norm_text))
        bind.execute(reports.update().where(reports.c.id == report_id).values(search_text=terms))
    reindex_sync(bind)


def downgrade() -> None:
    from storage.search_index import drop_index

    drop_index(op.get_bind())
    op.drop_index("ix_report_links_similar_id", table_name="report_links")
    op.drop_index("ix_report_links_report_id", table_name="report_links")
    op.drop_table("report_links")
    op.drop_index("ix_report_history_report_id", table_name="report_history")
    op.drop_table("report_history")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("search_text")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("status_changed_at")
