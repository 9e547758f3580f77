"""people and data safety: keyed invite hashes, per-code lockout, revocation, erasure and
retention markers, and an append-only audit log

Revision ID: 0012_people_safety
Revises: 0011_photo_fetches
Create Date: 2026-11-30
"""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012_people_safety"
down_revision = "0011_photo_fetches"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
INVITE_KEY = "invite_hmac_key"  # bot.invites.KEY_NAME

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
_PG_TRIGGERS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch_op:
        batch_op.add_column(sa.Column("erased_at", TS, nullable=True))
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("redacted_at", TS, nullable=True))
    with op.batch_alter_table("invites") as batch_op:
        batch_op.add_column(sa.Column("revoked_at", TS, nullable=True))
        batch_op.add_column(sa.Column("locked_at", TS, nullable=True))
    op.create_table(
        "invite_misses",
        sa.Column("id", Id, nullable=False),
        sa.Column("invite_id", Id, nullable=False),
        sa.Column("identity_id", Id, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.ForeignKeyConstraint(["invite_id"], ["invites.id"],
                                name=op.f("fk_invite_misses_invite_id_invites")),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_misses")),
        sa.UniqueConstraint("invite_id", "identity_id", name="uq_invite_misses_entry"),
    )
    _rekey_invites()
    bind = op.get_bind()
    for ddl in _PG_TRIGGERS if bind.dialect.name == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(ddl)


def _rekey_invites() -> None:
    """Plain SHA-256 hashes become HMAC(key, sha256 hex): codes already sent keep working."""
    bind = op.get_bind()
    kv = sa.table("settings_kv", sa.column("key", sa.String), sa.column("value", sa.Text))
    key = bind.execute(sa.select(kv.c.value).where(kv.c.key == INVITE_KEY)).scalar()
    if key is None:
        key = secrets.token_hex(32)
        bind.execute(kv.insert().values(key=INVITE_KEY, value=key))
    inv = sa.table("invites", sa.column("id", Id), sa.column("code_hash", sa.String))
    for invite_id, old in bind.execute(sa.select(inv.c.id, inv.c.code_hash)).all():
        new = hmac.new(bytes.fromhex(key), old.encode(), hashlib.sha256).hexdigest()
        bind.execute(inv.update().where(inv.c.id == invite_id).values(code_hash=new))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    # Keyed hashes cannot be turned back into plain ones: pending codes stop working.
    op.drop_table("invite_misses")
    with op.batch_alter_table("invites") as batch_op:
        batch_op.drop_column("locked_at")
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("redacted_at")
    with op.batch_alter_table("people") as batch_op:
        batch_op.drop_column("erased_at")
