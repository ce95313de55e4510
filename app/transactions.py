"""Starting a write transaction before the reads it depends on."""

from __future__ import annotations

from .extensions import db


def begin_write() -> None:
    """Take SQLite's write lock now (`BEGIN IMMEDIATE`) when no transaction is open yet.

    pysqlite opens a deferred transaction at the first write, after the reads: in WAL mode
    such a transaction cannot wait for a writer that committed meanwhile and fails with
    "database is locked". With the lock taken first, a second writer queues behind the busy
    timeout instead. PostgreSQL needs nothing here: use conditional UPDATEs or row locks.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
