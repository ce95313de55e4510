"""offline gazetteer: streets, RT/RW areas and public places

Revision ID: 0004_core
Revises: 0003_core
Create Date: 2026-11-30 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_core"
down_revision = "0003_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kelurahan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("search_key", sa.String(length=200), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lng", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('jalan', 'rt_rw', 'tempat')", name=op.f("ck_place_kind_known")
        ),
        sa.CheckConstraint(
            "source IN ('reference', 'staff', 'import')", name=op.f("ck_place_source_known")
        ),
        sa.CheckConstraint("(lat IS NULL) = (lng IS NULL)", name=op.f("ck_place_point_whole")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_place_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"], ["kelurahan.id"], name=op.f("fk_place_kelurahan_id_kelurahan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint(
            "kelurahan_id", "kind", "search_key", name=op.f("uq_place_kelurahan_id_kind_search_key")
        ),
    )
    with op.batch_alter_table("place") as batch_op:
        batch_op.create_index(batch_op.f("ix_place_kelurahan_id"), ["kelurahan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_place_search_key"), ["search_key"], unique=False)


def downgrade():
    op.drop_table("place")
