"""reports: Open311 API keys move to the core's api_key table (scope reports.write)

Each reports_api_key row is copied into api_key (same id when api_key is still empty, as
it is right after 0009_core) with the scope "reports.write"; reports posted with a key point
at its copy; reports_api_key is dropped. The downgrade copies keys carrying reports.write
back, with the same ids, and removes them from api_key.

Revision ID: 0004_reports
Revises: 0003_reports
Create Date: 2026-12-01 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_reports"
down_revision = "0003_reports"
branch_labels = None
depends_on = "0009_core"

SCOPE = "reports.write"
OLD_FK = "fk_reports_report_api_key_id_reports_api_key"
NEW_FK = "fk_reports_report_api_key_id_api_key"


def _reset_sequence(table: str) -> None:
    """PostgreSQL: after rows were written with explicit ids, new rows continue after them."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY takes the largest id + 1 by itself
    largest = f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"  # noqa: S608 - a table of ours
    sequence = f"pg_get_serial_sequence('{table}', 'id')"
    bind.execute(sa.text(f"SELECT setval({sequence}, ({largest}), false)"))


def upgrade():
    bind = op.get_bind()
    offset = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM api_key")).scalar_one()
    bind.execute(
        sa.text(
            "INSERT INTO api_key (id, label, prefix, key_hash, scopes, created_by_id, "
            "created_at, revoked_at, last_used_at, kelurahan_id) "
            "SELECT id + :offset, label, prefix, key_hash, :scope, created_by_id, created_at, "
            "revoked_at, NULL, kelurahan_id FROM reports_api_key"
        ),
        {"offset": offset, "scope": SCOPE},
    )
    _reset_sequence("api_key")
    with op.batch_alter_table("reports_report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(OLD_FK), type_="foreignkey")
    if offset:
        bind.execute(
            sa.text(
                "UPDATE reports_report SET api_key_id = api_key_id + :offset "
                "WHERE api_key_id IS NOT NULL"
            ),
            {"offset": offset},
        )
    with op.batch_alter_table("reports_report", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f(NEW_FK), "api_key", ["api_key_id"], ["id"])
    with op.batch_alter_table("reports_api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_api_key_kelurahan_id"))
    op.drop_table("reports_api_key")


def downgrade():
    op.create_table(
        "reports_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_reports_api_key_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"],
            ["kelurahan.id"],
            name=op.f("fk_reports_api_key_kelurahan_id_kelurahan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_reports_api_key_key_hash")),
    )
    with op.batch_alter_table("reports_api_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reports_api_key_kelurahan_id"), ["kelurahan_id"], unique=False
        )
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO reports_api_key (id, label, prefix, key_hash, created_by_id, "
            "created_at, revoked_at, kelurahan_id) "
            "SELECT id, label, prefix, key_hash, created_by_id, created_at, revoked_at, "
            "kelurahan_id FROM api_key WHERE ' ' || scopes || ' ' LIKE :scope"
        ),
        {"scope": f"% {SCOPE} %"},
    )
    _reset_sequence("reports_api_key")
    # A report posted with a key that could not post reports keeps no key.
    bind.execute(
        sa.text(
            "UPDATE reports_report SET api_key_id = NULL WHERE api_key_id IS NOT NULL "
            "AND api_key_id NOT IN (SELECT id FROM reports_api_key)"
        )
    )
    with op.batch_alter_table("reports_report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(NEW_FK), type_="foreignkey")
        batch_op.create_foreign_key(batch_op.f(OLD_FK), "reports_api_key", ["api_key_id"], ["id"])
    bind.execute(sa.text("DELETE FROM api_key WHERE id IN (SELECT id FROM reports_api_key)"))
