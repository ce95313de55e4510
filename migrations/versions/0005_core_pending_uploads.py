"""pending uploads: photos kept for a form that was refused

Revision ID: 0005_core
Revises: 0004_core
Create Date: 2026-11-30 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_core"
down_revision = "0004_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pending_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"],
            ["kelurahan.id"],
            name=op.f("fk_pending_upload_kelurahan_id_kelurahan"),
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_pending_upload_media_id_media")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_pending_upload_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_upload")),
        sa.UniqueConstraint("media_id", name=op.f("uq_pending_upload_media_id")),
    )
    with op.batch_alter_table("pending_upload") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_upload_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pending_upload_kelurahan_id"), ["kelurahan_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pending_upload_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("pending_upload") as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_upload_user_id"))
        batch_op.drop_index(batch_op.f("ix_pending_upload_kelurahan_id"))
        batch_op.drop_index(batch_op.f("ix_pending_upload_created_at"))
    op.drop_table("pending_upload")
