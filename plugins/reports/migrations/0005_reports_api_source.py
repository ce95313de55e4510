"""reports: a report filed through /api/v1 says so (source 'api')

Revision ID: 0005_reports
Revises: 0004_reports
Create Date: 2026-12-01 06:00:00

"""

from alembic import op

revision = "0005_reports"
down_revision = "0004_reports"
branch_labels = None
depends_on = None

NAME = "ck_reports_report_source_known"


def upgrade():
    with op.batch_alter_table("reports_report") as batch_op:
        batch_op.drop_constraint(batch_op.f(NAME), type_="check")
        batch_op.create_check_constraint(batch_op.f(NAME), "source IN ('web', 'open311', 'api')")


def downgrade():
    op.execute("UPDATE reports_report SET source = 'open311' WHERE source = 'api'")
    with op.batch_alter_table("reports_report") as batch_op:
        batch_op.drop_constraint(batch_op.f(NAME), type_="check")
        batch_op.create_check_constraint(batch_op.f(NAME), "source IN ('web', 'open311')")
