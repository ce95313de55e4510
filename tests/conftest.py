"""Fixtures in layers: database → app → client → login_as(role, kelurahan), plus factories.

The suite runs on SQLite, and again on PostgreSQL when KP_TEST_DATABASE_URL names a server
(postgresql+psycopg://postgres@127.0.0.1:5432/postgres): each run creates its own database
there and drops it at the end. Under CI (CI=true) a missing PostgreSQL, Redis or browser
fails the run instead of skipping, so .ci/run can never pass with those tests unexercised.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import secrets
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from app import create_app, tenancy
from app.extensions import db as _db
from app.models import (
    Group,
    GroupMember,
    Kelurahan,
    Notification,
    RoleAssignment,
    User,
    utcnow,
)
from app.passwords import hash_password

PASSWORD = "Rahasia-Kauman-2026"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# What production requires besides its secrets (app.config._check_production_services). Apps
# built at these addresses never reach them: create_app() opens no connection.
PRODUCTION_SERVICES = {
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kp@db.invalid/kelurahan_pintar",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}

# A deployment's letter-service keys (plugins/services/personal.py), as production requires
# them: tests that start the app with KP_ENV=production are deployments too. Throwaway keys.
os.environ.setdefault("KP_SERVICES_KEYS", "bm90LWEtcmVhbC1rZXktZm9yLXRlc3RzLW9ubHktMDA=")
os.environ.setdefault("KP_SERVICES_LOOKUP_KEY", "not-a-real-lookup-key-for-tests-only")


def require(condition: bool, reason: str) -> None:
    """Skip when a service is missing locally; fail under CI, where it must be present."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


# -- databases --------------------------------------------------------------------------------


def _backends():
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def postgres_database(server_url: str, prefix: str):
    """A new, empty PostgreSQL database on the server of `server_url`, dropped afterwards
    (connections still open to it are ended first)."""
    url = make_url(server_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextlib.contextmanager
def fresh_database(backend: str, folder: Path, prefix: str):
    """The URL of a brand-new, empty database of `backend`, removed afterwards: a SQLite
    file in `folder`, or a PostgreSQL database named after `prefix` (the test skips when
    KP_TEST_DATABASE_URL is not set). For tests that build their own app (concurrency,
    migrations, crashes)."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(folder) / f'{prefix}.db'}"
        return
    server = os.environ.get("KP_TEST_DATABASE_URL")
    require(bool(server), "KP_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    with postgres_database(server, prefix) as url:
        yield url


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One empty database per backend for the whole run, created lazily."""
    created: dict[str, str] = {}
    with contextlib.ExitStack() as cleanups:

        def get(backend: str) -> str:
            if backend not in created:
                if backend == "sqlite":
                    path = tmp_path_factory.mktemp("db") / "test.db"
                    created[backend] = f"sqlite:///{path}"
                else:
                    server = os.environ.get("KP_TEST_DATABASE_URL")
                    require(bool(server), "KP_TEST_DATABASE_URL is not set (PostgreSQL tests)")
                    created[backend] = cleanups.enter_context(postgres_database(server, "kp_test"))
            return created[backend]

        yield get


_schema_ready: set[str] = set()


def _reset(app) -> None:
    """Empty every table (fast, keeps the schema), then load the 27 kelurahan."""
    from app.seed import seed_kelurahan

    engine = _db.engine
    url = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if url not in _schema_ready:
        _db.create_all()
        _schema_ready.add(url)
    tables = [t for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(_postgres_reset_sql(conn, tables))
        else:
            conn.execute(text("UPDATE kelurahan SET logo_id = NULL"))
            # Append-only tables refuse DELETE with triggers (TRUNCATE above skips them):
            # lift them for the reset, in the same transaction.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                conn.execute(table.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))
    seed_kelurahan()


def _postgres_reset_sql(conn, tables) -> str:
    """Emptying PostgreSQL's tables between tests. TRUNCATE of every table costs about a
    third of a second each time (a fixed cost per table), more than most tests; DELETE of
    nearly empty tables takes milliseconds. As the superuser (the test server's `postgres`),
    `session_replication_role = replica` skips the triggers (the append-only ledger's guard,
    foreign keys) for this transaction; then every sequence starts again at 1, as RESTART
    IDENTITY did. Another user falls back to TRUNCATE."""
    names = ", ".join(f'"{t.name}"' for t in tables)
    if not conn.exec_driver_sql(
        "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
    ).scalar():
        return f"TRUNCATE {names} RESTART IDENTITY CASCADE"
    return "\n".join(
        [
            "SET LOCAL session_replication_role = replica;",
            *(f'DELETE FROM "{t.name}";' for t in tables),  # noqa: S608 - our own tables
            "SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S';",
        ]
    )


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, so it gets its own app context, `g` and
    kelurahan-scoped database session, as in production, even though the test body holds an
    app context. Around it the test's own session is committed, so the request sees what the
    test made, and expired, so the test then sees what the request wrote."""

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect being followed: already isolated
            return super().open(*args, **kwargs)
        _db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        _db.session.expire_all()
        return response


def make_app(database_url: str, tmp_path: Path, **overrides):
    config = {
        "TESTING": True,
        "KP_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "KP_MEDIA_ROOT": str(tmp_path / "media"),
        "KP_ASSETS": "local",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        "KP_RAISE_PLUGIN_ERRORS": True,
        "KP_STAMP_DIR": str(tmp_path / "stamps"),
        "CACHE_TYPE": "SimpleCache",
    }
    config.update(overrides)
    application = create_app(config)
    application.test_client_class = IsolatedClient
    return application


def watch_test_writes(session) -> None:
    """Rows a test writes straight into the database (factories) change what pages show,
    as a plugin's own change would: after such a commit, every worker's cached answers and
    kelurahan state are renewed. Changes made through requests must renew them on their own
    (events, stamps), and the tests of those flows check that they do."""
    from app import caching

    def flushed(session, flush_context):
        session.info["kp_test_wrote"] = True

    def executed(state):  # bulk insert/update/delete through the ORM flush nothing
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["kp_test_wrote"] = True

    def committed(session):
        if session.info.pop("kp_test_wrote", False):
            caching.cache.clear()
            caching.bump(caching.CONFIG)

    event.listen(session, "after_flush", flushed)
    event.listen(session, "do_orm_execute", executed)
    event.listen(session, "after_commit", committed)


@pytest.fixture(params=_backends())
def backend(request):
    return request.param


@pytest.fixture
def app_overrides():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(backend, database_urls, tmp_path, app_overrides):
    application = make_app(database_urls(backend), tmp_path, **app_overrides)
    with application.app_context():
        _reset(application)
        watch_test_writes(_db.session())
        # Test code reads across kelurahan freely; requests still get their own scoped session.
        with tenancy.all_kelurahan():
            yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


# -- factories --------------------------------------------------------------------------------


def kelurahan(slug: str) -> Kelurahan:
    return _db.session.execute(_db.select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()


_counter = iter(range(1, 10**9))


@functools.cache
def password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return hash_password(PASSWORD)


def make_user(
    role: str | None = "warga",
    kelurahan_slug: str = "kauman",
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    city_admin: bool = False,
    verified: bool = False,
) -> User:
    n = next(_counter)
    home = kelurahan(kelurahan_slug)
    if email is None and phone is None:
        email = f"user{n}@contoh.id"
    user = User(
        email=email,
        phone=phone,
        display_name=name or f"Warga {n}",
        password_hash=password_hash(),
        home_kelurahan=home,
        is_city_admin=city_admin,
    )
    if role:
        user.roles.append(
            RoleAssignment(kelurahan=home, role=role, verified_at=utcnow() if verified else None)
        )
    _db.session.add(user)
    _db.session.commit()
    return user


def make_group(
    kelurahan_slug: str = "kauman",
    leader: User | None = None,
    *,
    name: str | None = None,
    kind: str = "umkm",
    verified: bool = True,
) -> Group:
    n = next(_counter)
    home = kelurahan(kelurahan_slug)
    leader = leader or make_user("warga", kelurahan_slug)
    group = Group(
        kelurahan_id=home.id,
        name=name or f"Kelompok {n}",
        slug=f"kelompok-{n}",
        kind=kind,
        created_by_id=leader.id,
        verified_at=utcnow() if verified else None,
    )
    group.members.append(
        GroupMember(kelurahan_id=home.id, user_id=leader.id, role="ketua", status="active")
    )
    _db.session.add(group)
    _db.session.commit()
    return group


@pytest.fixture
def factory(app):
    """Factories bound to the current app: factory.user(...), factory.group(...)."""

    class Factory:
        user = staticmethod(make_user)
        group = staticmethod(make_group)
        kelurahan = staticmethod(kelurahan)

    return Factory


@pytest.fixture
def login_as(client, app):
    """login_as("admin", "kauman") → a signed-in user of that role (None role: no role;
    "admin_kota": the city admin). Returns the User."""

    def login(role: str | None = "warga", kelurahan_slug: str = "kauman", **kwargs) -> User:
        if role == "admin_kota":
            user = make_user(None, kelurahan_slug, city_admin=True, **kwargs)
        else:
            user = make_user(role, kelurahan_slug, **kwargs)
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def extra_plugin(app):
    """Register fixture plugins on this app's host (before its first request, when they
    bring a blueprint); they are removed afterwards."""
    from app.plugins import host

    added = []

    def add(plugin, name):
        host(app).add_plugin(plugin, name)
        added.append(name)
        return plugin

    yield add
    for name in added:
        host(app).remove_plugin(name)


def fixture_manifest(plugin_id: str, dimension: str = "society", **kwargs):
    from app.plugins import Manifest

    return Manifest(
        id=plugin_id,
        name=plugin_id.title(),
        dimension=dimension,
        description="fixture plugin",
        version="0.1",
        **kwargs,
    )


def enable_plugin(app, plugin_id: str, slug: str, enabled: bool = True) -> None:
    """Switch a plugin as an admin would, without the event (no welcome content)."""
    from app.plugins import host

    with app.test_request_context():
        error = host(app).set_enabled(kelurahan(slug), plugin_id, enabled)
        assert error is None, error
        _db.session.commit()


# -- small helpers shared by the HTTP tests -------------------------------------------------------


def act_as(client, user) -> None:
    """Sign `user` in on `client` (switches from whoever was signed in)."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def notes_for(user) -> list[str]:
    """The in-app notification messages `user` has received."""
    return list(
        _db.session.execute(
            select(Notification.message).where(Notification.user_id == user.id)
        ).scalars()
    )


class StatementCounter:
    """Counts the SQL statements sent to the database inside a `with` block:
    `with StatementCounter() as counter: ...` then `counter.n` or `counter.statements`."""

    def __init__(self, engine=None):
        self.engine = engine if engine is not None else _db.engine
        self.statements: list[str] = []

    @property
    def n(self) -> int:
        return len(self.statements)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def loaded_width(page, image) -> int:
    """The natural width of an <img> once the browser has decoded it: visible is not loaded,
    and naturalWidth reads 0 until then."""
    handle = image.element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    return page.evaluate("img => img.naturalWidth", handle)


# -- object storage ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 API (moto's server mode) for this test worker: its endpoint URL. The keys
    are throwaway; the server still refuses unsigned reads of a bucket's objects."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "kp-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "kp-test-secret")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new empty bucket: the settings that point an app at it."""
    import boto3

    name = f"kp-media-{secrets.token_hex(4)}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=name
    )
    return {"KP_STORAGE": "s3", "KP_S3_BUCKET": name, "KP_S3_ENDPOINT_URL": s3_endpoint}
