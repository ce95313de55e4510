"""kit.begin_write: a write that decides on what it reads takes SQLite's write lock first,
so a second writer waits behind it instead of failing half-way ("database is locked")."""

from __future__ import annotations

import sqlite3

import pytest

from app.extensions import db
from app.kit import begin_write


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_write_lock_is_held_from_the_first_read(app):
    path = db.engine.url.database
    begin_write()
    db.session.execute(db.text("SELECT 1"))  # the reads a decision depends on
    other = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
        other.execute("BEGIN IMMEDIATE")  # released with the transaction
        other.rollback()
    finally:
        other.close()
