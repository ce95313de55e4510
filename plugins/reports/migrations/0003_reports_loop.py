"""reports loop: reporter's confirmation, assignee, photos on updates, internal notes,
forwards to city agencies

Revision ID: 0003_reports
Revises: 0002_reports
Create Date: 2026-11-30 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0003_reports"
down_revision = "0002_reports"
branch_labels = None
depends_on = None


def _tenant(table: str):
    return [
        sa.Column("kelurahan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kelurahan_id"], ["kelurahan.id"], name=op.f(f"fk_{table}_kelurahan_id_kelurahan")
        ),
    ]


def upgrade():
    with op.batch_alter_table("reports_report") as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_report_assignee_id_user_account"),
            "user_account",
            ["assignee_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_reports_report_assignee_id"), ["assignee_id"])
    with op.batch_alter_table("reports_update") as batch_op:
        batch_op.add_column(
            sa.Column("by_reporter", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "reports_update_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("thumb_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_tenant("reports_update_photo"),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["reports_update.id"],
            name=op.f("fk_reports_update_photo_update_id_reports_update"),
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_reports_update_photo_media_id_media")
        ),
        sa.ForeignKeyConstraint(
            ["thumb_id"], ["media.id"], name=op.f("fk_reports_update_photo_thumb_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports_update_photo")),
    )
    op.create_table(
        "reports_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("reports_note"),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports_report.id"],
            name=op.f("fk_reports_note_report_id_reports_report"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_reports_note_author_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports_note")),
    )
    op.create_table(
        "reports_forward",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("reports_forward"),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports_report.id"],
            name=op.f("fk_reports_forward_report_id_reports_report"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_reports_forward_actor_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports_forward")),
    )
    for table, column in (
        ("reports_update_photo", "update_id"),
        ("reports_note", "report_id"),
        ("reports_forward", "report_id"),
    ):
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_kelurahan_id"), ["kelurahan_id"])
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column])


def downgrade():
    for table in ("reports_forward", "reports_note", "reports_update_photo"):
        op.drop_table(table)
    with op.batch_alter_table("reports_update") as batch_op:
        batch_op.drop_column("by_reporter")
    with op.batch_alter_table("reports_report") as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_report_assignee_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_reports_report_assignee_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("confirmed_at")
        batch_op.drop_column("assignee_id")
