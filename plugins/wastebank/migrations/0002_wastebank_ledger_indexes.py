"""wastebank: indexes for reading a large ledger: (unit, kind, time) of the entries for the
reports' per-kind sums, and (kelurahan, entry) of the lines for reading them by entry

Revision ID: 0002_wastebank
Revises: 0001_wastebank
Create Date: 2026-11-30 12:50:00

"""

from alembic import op

revision = "0002_wastebank"
down_revision = "0001_wastebank"
branch_labels = None
depends_on = None


# A plain CREATE INDEX, not a batch operation: on SQLite a batch would copy the table and
# drop the triggers that refuse updates and deletes of posted entries.
def upgrade():
    op.create_index(
        "ix_wastebank_entry_unit_kind_created",
        "wastebank_entry",
        ["unit_id", "kind", "created_at"],
    )
    op.create_index(
        "ix_wastebank_entry_line_kelurahan_entry",
        "wastebank_entry_line",
        ["kelurahan_id", "entry_id"],
    )


def downgrade():
    op.drop_index("ix_wastebank_entry_line_kelurahan_entry", table_name="wastebank_entry_line")
    op.drop_index("ix_wastebank_entry_unit_kind_created", table_name="wastebank_entry")
