"""What switching plugins on costs a kelurahan's pages.

    .venv/bin/python bench/plugin_overhead.py [--postgres URL] [--runs 300] [--seconds 5]

Builds a fresh database with the demo content (`flask kp seed --demo`: the shipped plugins
on in Kauman, with their reports, shops, waste bank, tourism destinations and events,
Musrenbang proposals and letter services) and measures two things, each as a ratio to a
floor measured in the same run:

1. In process (Flask test client), Kauman's home page with every shipped plugin on, against
   the same page with them all off. Goal: at most 1.2×.
2. Under gunicorn with 2 sync workers, driven by wrk: requests per second of Kauman's home
   page, the reports list, the open Musrenbang cycle, the letters' service times, the city's
   tourism guide and its map
   layer (pages that read every kelurahan), against a bare Flask page served by the same app
   (one route returning "ok", through the same middleware). Goal: at least 0.3×.

The app runs as in production: cached hook answers (Flask-Caching's simple cache per worker,
stamps in files). The goals are for visitors who are not signed in, most of the readers;
the same figures for a signed-in resident (no whole-page cache for them) are printed too.
wrk comes from Debian's `wrk` package. No assertion on time: the figures are printed for the
README.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import add_backend_arguments, make_app, median_time, postgres_database, print_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("reports", "umkm", "wastebank", "tourism", "proposals", "services")
HOME = "/k/kauman/"
REPORTS_LIST = "/k/kauman/laporan/"
PROPOSALS = "/k/kauman/usulan/"  # the open Musrenbang cycle: every proposal, its figures
SERVICE_TIMES = "/k/kauman/layanan/waktu-layanan"  # six months of letters' working days
CITY_GUIDE = "/wisata/"  # the tourism guide: every kelurahan's destinations
CITY_MAP = "/wisata/tempat.geojson"  # its map layer
BARE = "/bench/bare"
SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway app
RESIDENT = "warga@demo.kelurahan-pintar.id"


def bench_app():
    """The app gunicorn serves here: the real app, plus one bare page as the floor."""
    from app import create_app

    app = create_app()
    app.add_url_rule(BARE, "bench_bare", lambda: "ok")
    return app


def prepare(database_url: str, workdir: Path) -> dict:
    """Schema, the 27 kelurahan and the demo set; returns the app settings used."""
    from app import caching
    from app.extensions import db
    from app.seed import seed_demo, seed_kelurahan

    settings = {
        "KP_MEDIA_ROOT": str(workdir / "media"),
        "KP_STAMP_DIR": str(workdir / "stamps"),
        "KP_PLUGINS": list(SHIPPED),
    }
    app = make_app(database_url, settings["KP_MEDIA_ROOT"], **settings)
    with app.app_context():
        db.create_all()
        seed_kelurahan()
        seed_demo()
        caching.bump(caching.CONFIG)
        db.session.remove()
        db.engine.dispose()
    return settings


def switch_all(app, enabled: bool) -> None:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Kelurahan
    from app.plugins import host

    with app.test_request_context():
        kauman = db.session.execute(
            select(Kelurahan).where(Kelurahan.slug == "kauman")
        ).scalar_one()
        for plugin_id in SHIPPED if enabled else reversed(SHIPPED):
            error = host(app).switch(kauman, plugin_id, enabled)
            assert error is None, error
        db.session.remove()


def resident_cookie(app) -> str:
    """A session cookie of the demo resident, signed as the app signs its own."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import User

    with app.app_context():
        user_id = db.session.execute(select(User.id).where(User.email == RESIDENT)).scalar_one()
        db.session.remove()
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True})


def in_process(database_url: str, settings: dict, runs: int) -> dict:
    app = make_app(database_url, settings["KP_MEDIA_ROOT"], SECRET_KEY=SECRET, **settings)
    visitor, resident = app.test_client(), app.test_client()
    resident.set_cookie("session", resident_cookie(app))

    def home(client):
        response = client.get(HOME)
        assert response.status_code == 200, response.status_code
        return response.get_data()

    figures = {}
    # On and off in turn, three times each, keeping the best median of each: a shared VM's
    # neighbours and the warm-up (connections, caches) then fall on both states alike.
    for enabled in (True, False) * 3:
        switch_all(app, enabled)
        for who, client in (("visitor", visitor), ("resident", resident)):
            median, _body = median_time(lambda c=client: home(c), runs)
            figures[(who, enabled)] = min(median, figures.get((who, enabled), median))
    switch_all(app, True)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    return figures


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk_rps(url: str, seconds: int, connections: int, cookie: str | None = None) -> float:
    headers = ["-H", f"Cookie: session={cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def under_gunicorn(
    database_url: str, settings: dict, seconds: int, connections: int, cookie: str
) -> dict:
    port = free_port()
    env = {
        **os.environ,
        "KP_ENV": "production",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "KP_MEDIA_ROOT": settings["KP_MEDIA_ROOT"],
        "KP_STAMP_DIR": settings["KP_STAMP_DIR"],
        "KP_PLUGINS": ",".join(SHIPPED),
        "KP_ASSETS": "local",
        "KP_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Production needs the letter services' NIK keys; throwaway ones for this run.
        "KP_SERVICES_KEYS": Fernet.generate_key().decode(),
        "KP_SERVICES_LOOKUP_KEY": secrets.token_urlsafe(32),
        "SESSION_COOKIE_SECURE": "0",
    }
    env.pop("REDIS_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--chdir",
            str(Path(__file__).parent),
            "--log-level",
            "warning",
            "plugin_overhead:bench_app()",
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + BARE, timeout=1).read()  # noqa: S310 - localhost
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        for path in (
            HOME,
            REPORTS_LIST,
            PROPOSALS,
            SERVICE_TIMES,
            CITY_GUIDE,
            CITY_MAP,
            BARE,
        ):  # warm both workers
            for _ in range(4):
                urllib.request.urlopen(base + path, timeout=10).read()  # noqa: S310
        return {
            "bare": wrk_rps(base + BARE, seconds, connections),
            "home": wrk_rps(base + HOME, seconds, connections),
            "reports": wrk_rps(base + REPORTS_LIST, seconds, connections),
            "proposals": wrk_rps(base + PROPOSALS, seconds, connections),
            "service_times": wrk_rps(base + SERVICE_TIMES, seconds, connections),
            "city_guide": wrk_rps(base + CITY_GUIDE, seconds, connections),
            "city_map": wrk_rps(base + CITY_MAP, seconds, connections),
            "home_resident": wrk_rps(base + HOME, seconds, connections, cookie),
            "reports_resident": wrk_rps(base + REPORTS_LIST, seconds, connections, cookie),
        }
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def run_backend(name: str, database_url: str, args) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = prepare(database_url, Path(tmp))
        local = in_process(database_url, settings, args.runs)
        cookie = resident_cookie(
            make_app(database_url, settings["KP_MEDIA_ROOT"], SECRET_KEY=SECRET, **settings)
        )
        served = under_gunicorn(database_url, settings, args.seconds, args.connections, cookie)
    lines = []
    for who, goal in (("visitor", "≤ 1.2×"), ("resident", "(signed in)")):
        on, off = local[(who, True)], local[(who, False)]
        lines.append(
            [
                name,
                f"in process, {who}: home, every shipped plugin on / all off",
                f"{on * 1000:.2f} ms / {off * 1000:.2f} ms",
                f"{on / off:.2f}×",
                goal,
            ]
        )
    bare = served["bare"]
    for key, label, goal in (
        ("home", "visitor: home", "≥ 0.3×"),
        ("reports", "visitor: reports list", "≥ 0.3×"),
        ("proposals", "visitor: the open Musrenbang cycle", "≥ 0.3×"),
        ("service_times", "visitor: the letters' service times", "≥ 0.3×"),
        ("city_guide", "visitor: city tourism guide", "≥ 0.3×"),
        ("city_map", "visitor: the guide's map layer", "≥ 0.3×"),
        ("home_resident", "resident: home", "(signed in)"),
        ("reports_resident", "resident: reports list", "(signed in)"),
    ):
        lines.append(
            [
                name,
                f"gunicorn, 2 workers, {label} / bare page",
                f"{served[key]:,.0f} / {bare:,.0f} req/s",
                f"{served[key] / bare:.2f}×",
                goal,
            ]
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="timed requests per in-process case")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    add_backend_arguments(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    lines: list[list[str]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            lines += run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.postgres:
        with postgres_database(args.postgres) as (url, _dsn):
            lines += run_backend("PostgreSQL", url, args)
    print_table(
        "plugin overhead: Kauman with the demo content",
        ["backend", "measure", "figures", "ratio", "goal"],
        lines,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
