"""session versions, outbox delivery state, private media, idempotency tokens, city settings

Revision ID: 0003_core
Revises: 0002_core
Create Date: 2026-11-30 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0003_core"
down_revision = "0002_core"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("secret_masked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("media") as batch_op:
        batch_op.add_column(
            sa.Column("public", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "submission_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("result_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_submission_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_token")),
        sa.UniqueConstraint("token", name=op.f("uq_submission_token_token")),
    )
    with op.batch_alter_table("submission_token") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_token_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "city_setting",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_city_setting")),
    )


def downgrade():
    op.drop_table("city_setting")
    op.drop_table("submission_token")
    with op.batch_alter_table("media") as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("outbox_message") as batch_op:
        for column in ("secret_masked", "sent_at", "error", "attempts"):
            batch_op.drop_column(column)
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("session_version")
