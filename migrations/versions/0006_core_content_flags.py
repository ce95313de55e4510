"""content flags: a person's flag on a plugin's item, shared by every plugin (app.flags)

Revision ID: 0006_core
Revises: 0005_core
Create Date: 2026-11-30 18:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006_core"
down_revision = "0005_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plugin_id", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"],
            ["kelurahan.id"],
            name=op.f("fk_content_flag_kelurahan_id_kelurahan"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["user_account.id"],
            name=op.f("fk_content_flag_reviewed_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_content_flag_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_flag")),
        sa.UniqueConstraint(
            "plugin_id",
            "target_type",
            "target_id",
            "user_id",
            name=op.f("uq_content_flag_plugin_id_target_type_target_id_user_id"),
        ),
    )
    with op.batch_alter_table("content_flag") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_flag_kelurahan_id"), ["kelurahan_id"], unique=False
        )
        batch_op.create_index(
            "ix_content_flag_target", ["plugin_id", "target_type", "target_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("content_flag") as batch_op:
        batch_op.drop_index("ix_content_flag_target")
        batch_op.drop_index(batch_op.f("ix_content_flag_kelurahan_id"))
    op.drop_table("content_flag")
