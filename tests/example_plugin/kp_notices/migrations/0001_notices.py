"""notices: the notice board table

Revision ID: 0001_notices
Revises:
Create Date: 2026-11-28

"""

import sqlalchemy as sa
from alembic import op

revision = "0001_notices"
down_revision = None
branch_labels = ("notices",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "notices_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"],
            ["kelurahan.id"],
            name=op.f("fk_notices_notice_kelurahan_id_kelurahan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices_notice")),
    )
    with op.batch_alter_table("notices_notice") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notices_notice_kelurahan_id"), ["kelurahan_id"], unique=False
        )


def downgrade():
    op.drop_table("notices_notice")
