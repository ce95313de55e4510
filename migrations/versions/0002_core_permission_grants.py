"""permission grants per kelurahan; group roles declared by plugins

Revision ID: 0002_core
Revises: 0001_core
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0002_core"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "permission_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.Column("permission", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"],
            ["kelurahan.id"],
            name=op.f("fk_permission_grant_kelurahan_id_kelurahan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission_grant")),
        sa.UniqueConstraint(
            "kelurahan_id",
            "permission",
            "role",
            name=op.f("uq_permission_grant_kelurahan_id_permission_role"),
        ),
    )
    with op.batch_alter_table("permission_grant") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permission_grant_kelurahan_id"), ["kelurahan_id"], unique=False
        )
    # Group roles are no longer a fixed pair: plugins declare their own (a KSM's operator).
    with op.batch_alter_table("community_group_member") as batch_op:
        batch_op.drop_constraint(op.f("ck_community_group_member_role_known"), type_="check")


def downgrade():
    with op.batch_alter_table("community_group_member") as batch_op:
        batch_op.execute(
            "UPDATE community_group_member SET role = 'anggota' "
            "WHERE role NOT IN ('ketua', 'anggota')"
        )
        batch_op.create_check_constraint("role_known", "role IN ('ketua', 'anggota')")
    op.drop_table("permission_grant")
