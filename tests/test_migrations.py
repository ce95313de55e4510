"""The Alembic migrations (core + every plugin branch) build exactly the models' schema on an
empty database, on SQLite and PostgreSQL, and can be walked back down and up again.

These tests do not use the `app` fixture: its schema comes from `create_all()`, which is
precisely what must not be trusted here.
"""

from __future__ import annotations

from pprint import pformat

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.extensions import db
from tests.conftest import fresh_database, make_app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_app(request, tmp_path):
    """An app on an empty database, inside its app context; nothing migrated yet."""
    with fresh_database(request.param, tmp_path, "kp_migr") as url:
        application = make_app(url, tmp_path)
        with application.app_context():
            try:
                yield application
            finally:
                db.session.remove()
                db.engine.dispose()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def script_directory() -> ScriptDirectory:
    migrate = flask_migrate.current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def test_create_app_does_not_touch_the_schema(migrated_app):
    assert table_names() == set()
    assert "alembic_version" not in inspect(db.engine).get_table_names()


def test_upgrade_from_empty_gives_exactly_the_models_schema(migrated_app):
    flask_migrate.upgrade(revision="heads")
    assert table_names() == set(db.metadata.tables), "tables differ from the models"
    diff = schema_diff()
    assert diff == [], "migrations and models disagree:\n" + pformat(diff)


def test_one_head_per_branch(tmp_path):
    application = make_app(f"sqlite:///{tmp_path / 'heads.db'}", tmp_path)
    with application.app_context():
        script = script_directory()
        heads = script.get_heads()
        labels_by_head: dict[str, set[str]] = {}
        for head in heads:
            # Follow down_revision only: depends_on links another branch, not this one.
            labels: set[str] = set()
            stack = [head]
            while stack:
                revision = script.get_revision(stack.pop())
                labels |= set(revision.branch_labels)
                down = revision.down_revision or ()
                stack.extend([down] if isinstance(down, str) else down)
            labels_by_head[head] = labels
    problems = []
    for label in sorted(set().union(*labels_by_head.values())):
        owners = [head for head, labels in labels_by_head.items() if label in labels]
        if len(owners) != 1:
            problems.append(f"branch {label!r} has {len(owners)} heads: {owners}")
    unlabeled = [head for head, labels in labels_by_head.items() if not labels]
    if unlabeled:
        problems.append(f"heads on no named branch: {unlabeled}")
    assert not problems, "\n".join(problems)
    all_labels = set().union(*labels_by_head.values())
    assert {"core", "notices"} <= all_labels


def test_downgrade_to_base_and_upgrade_again(migrated_app):
    flask_migrate.upgrade(revision="heads")
    flask_migrate.downgrade(revision="base")
    assert table_names() == set(), "downgrade to base left tables behind"
    flask_migrate.upgrade(revision="heads")
    assert table_names() == set(db.metadata.tables)
    diff = schema_diff()
    assert diff == [], "schema after down/up differs from the models:\n" + pformat(diff)
