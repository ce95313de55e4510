"""The append-only triggers exist on a database built by the migrations (the path production
takes), not only on the tests' `create_all` schema: UPDATE and DELETE of posted ledger rows are
refused there too, on SQLite and PostgreSQL."""

from __future__ import annotations

import flask_migrate
import pytest
from ledger_helpers import make_member, make_operator, make_type, make_unit
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import tenancy
from app.extensions import db
from app.seed import seed_kelurahan
from plugins.wastebank import ledger
from tests.test_migrations import migrated_app  # noqa: F401 - the fixture


def _triggers(connection) -> set[tuple[str, str]]:
    """(table, event) pairs guarded by a trigger."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        return {
            (table, event)
            for table, sql in rows
            for event in ("UPDATE", "DELETE")
            if f"BEFORE {event} ON" in sql.upper()
        }
    rows = connection.execute(
        text(
            "SELECT event_object_table, event_manipulation FROM information_schema.triggers "
            "WHERE event_object_table LIKE 'wastebank_%'"
        )
    ).all()
    return set(rows)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wastebank_entry SET amount = amount + 1000",
        "DELETE FROM wastebank_entry",
        "UPDATE wastebank_entry_line SET value = value + 1",
        "DELETE FROM wastebank_entry_line",
    ],
)
def test_the_migrated_ledger_refuses_updates_and_deletes(migrated_app, statement):  # noqa: F811
    flask_migrate.upgrade(revision="heads")
    with db.engine.connect() as conn:
        assert _triggers(conn) == {
            (table, event)
            for table in ("wastebank_entry", "wastebank_entry_line")
            for event in ("UPDATE", "DELETE")
        }
    seed_kelurahan()
    with tenancy.all_kelurahan():
        unit = make_unit()
        paper = make_type(unit, "Kertas")
        member = make_member(unit)
        ledger.post_deposit(member, [(paper, 1000)], make_operator(), key="k")
        with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
            conn.execute(text(statement))
        assert "append-only" in str(refused.value)
        assert ledger.balance(member) == 2000
