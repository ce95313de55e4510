"""a resident's RT and RW on their profile, for schedules and alerts of one RW

Revision ID: 0007_core
Revises: 0006_core
Create Date: 2026-12-01 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_core"
down_revision = "0006_core"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rt", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("rw", sa.String(length=3), nullable=True))
        batch_op.create_index("ix_user_account_home_rw", ["home_kelurahan_id", "rw"], unique=False)


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_home_rw")
        batch_op.drop_column("rw")
        batch_op.drop_column("rt")
