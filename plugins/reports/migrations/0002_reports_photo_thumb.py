"""reports photo thumbnails

Revision ID: 0002_reports
Revises: 0001_reports
Create Date: 2026-11-30 08:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0002_reports"
down_revision = "0001_reports"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: photos stored before thumbnails existed keep showing the full image.
    with op.batch_alter_table("reports_photo") as batch_op:
        batch_op.add_column(sa.Column("thumb_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_photo_thumb_id_media"), "media", ["thumb_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("reports_photo") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_photo_thumb_id_media"), type_="foreignkey")
        batch_op.drop_column("thumb_id")
