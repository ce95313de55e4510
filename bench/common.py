"""What the benchmarks share: a test-configured app, timing, the Markdown table, and a
throwaway PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402


def make_app(database_url: str, media_root: str, **overrides):
    settings = {
        "TESTING": True,
        "KP_ENV": "testing",
        "SECRET_KEY": "bench-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "KP_MEDIA_ROOT": media_root,
        "KP_STAMP_DIR": str(Path(media_root).parent / "stamps"),
        "KP_ASSETS": "local",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
    return create_app({**settings, **overrides})


def add_backend_arguments(parser) -> None:
    """--postgres URL (default $KP_TEST_DATABASE_URL) and --no-sqlite, for every bench."""
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KP_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (postgresql+psycopg://...); a fresh database is "
        "created on it and dropped afterwards (default: $KP_TEST_DATABASE_URL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")


def median_time(fn, runs: int) -> tuple[float, object]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def print_table(title: str, header: list[str], lines: list[list[str]]) -> None:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for line in lines:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |")


@contextlib.contextmanager
def postgres_database(server_url: str, prefix: str = "kp_bench"):
    """A fresh database on the server of `server_url`, dropped afterwards. Yields the
    SQLAlchemy URL and a libpq DSN of it."""
    server = make_url(server_url)
    if server.drivername in ("postgresql", "postgres"):
        server = server.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name)
    try:
        yield (
            url.render_as_string(hide_password=False),
            url.set(drivername="postgresql").render_as_string(hide_password=False),
        )
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
