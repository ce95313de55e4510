"""Benchmark of the reports map endpoint against a plain-SQL floor.

    .venv/bin/python bench/reports_map.py [--postgres URL] [--n 100000] [--runs 15]

Seeds N reports (bulk insert) into a fresh SQLite file, and into a fresh PostgreSQL database
when --postgres or KP_TEST_DATABASE_URL names a server (the database is dropped afterwards).
All N reports belong to one kelurahan (Kauman), spread uniformly over Kota Pekalongan's
bounds: the worst case for one kelurahan's map. A few are hidden by moderation.

For a whole-city bbox and a neighbourhood bbox (about 500 m square) it measures
GET /k/kauman/reports/map.geojson through the Flask test client: the median time over the
runs and the payload size. In the same process it runs a floor: the same bbox selection in
plain SQL (sqlite3 / psycopg cursor) followed by json.dumps of the rows, and prints the
ratio endpoint / floor. Above 500 matching reports the endpoint answers grid clusters while
the floor still dumps every row, so the whole-city ratio can be below 1.
No assertion on time: the figures are printed for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import make_app, median_time, postgres_database, print_table  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import tenancy  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Kelurahan  # noqa: E402
from app.seed import seed_kelurahan  # noqa: E402

SLUG = "kauman"
NEIGHBOURHOOD_M = 500
STATUSES = ["baru", "diverifikasi", "diproses", "selesai", "ditolak", "tidak_dapat_ditangani"]
CATEGORIES = [
    "Jalan rusak",
    "Drainase / banjir",
    "Sampah",
    "Penerangan jalan",
    "Fasilitas umum",
    "Keamanan & ketertiban",
    "Lainnya",
]
FLOOR_SQL = (
    "SELECT id, lat, lng, title, category, status FROM reports_report "
    "WHERE kelurahan_id = {p} AND hidden_at IS NULL "
    "AND lng >= {p} AND lng <= {p} AND lat >= {p} AND lat <= {p} ORDER BY id"
)


def seed(app, n: int) -> tuple[int, dict]:
    """Schema, the 27 kelurahan, the plugin switched on in Kauman, and n reports."""
    from app.views.admin import set_plugin_enabled
    from plugins.reports.models import Report

    db.create_all()
    seed_kelurahan()
    kelurahan = db.session.execute(select(Kelurahan).where(Kelurahan.slug == SLUG)).scalar_one()
    with app.test_request_context():
        error = set_plugin_enabled(kelurahan, "reports", True)
        assert error is None, error
        db.session.commit()
    bounds = app.config["KP_BOUNDS"]
    rng = random.Random(2026)
    now = datetime.now(UTC)
    table = Report.__table__
    chunk = 10_000
    with tenancy.all_kelurahan():
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(start + chunk, n)):
                created = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 365))
                rows.append(
                    {
                        "kelurahan_id": kelurahan.id,
                        "category": CATEGORIES[i % len(CATEGORIES)],
                        "title": f"Saluran air tersumbat di Gang {i % 40 + 1} (#{i})",
                        "description": "Saluran penuh lumpur, air meluap ke jalan saat hujan.",
                        "lat": rng.uniform(bounds["south"], bounds["north"]),
                        "lng": rng.uniform(bounds["west"], bounds["east"]),
                        "status": STATUSES[i % len(STATUSES)],
                        "hide_name": False,
                        "source": "web",
                        "created_at": created,
                        "updated_at": created,
                        "hidden_at": now if i % 200 == 0 else None,
                    }
                )
            db.session.execute(insert(table), rows)
        db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return kelurahan.id, bounds


def cases(bounds: dict, centre: tuple[float, float]) -> list[tuple[str, tuple]]:
    lat, lng = centre
    half_lat = NEIGHBOURHOOD_M / 2 / 111_320
    half_lng = half_lat / 0.9929  # cos(6.89°)
    return [
        ("whole city", (bounds["west"], bounds["south"], bounds["east"], bounds["north"])),
        (
            f"neighbourhood ~{NEIGHBOURHOOD_M} m",
            (lng - half_lng, lat - half_lat, lng + half_lng, lat + half_lat),
        ),
    ]


def run_backend(name: str, database_url: str, raw_connect, placeholder: str, args) -> list[dict]:
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media)
        with app.app_context():
            started = time.perf_counter()
            kelurahan_id, bounds = seed(app, args.n)
            seeded = time.perf_counter() - started
            kauman = db.session.execute(
                select(Kelurahan).where(Kelurahan.slug == SLUG)
            ).scalar_one()
            centre = (kauman.lat, kauman.lng)
            db.session.remove()
        print(f"{name}: seeded {args.n:,} reports in {seeded:.1f} s", file=sys.stderr)
        client = app.test_client()
        raw = raw_connect()
        sql = FLOOR_SQL.format(p=placeholder)
        results = []
        try:
            for label, box in cases(bounds, centre):
                url = f"/k/{SLUG}/reports/map.geojson?bbox=" + ",".join(f"{v:.6f}" for v in box)

                def endpoint(url=url):
                    response = client.get(url)
                    assert response.status_code == 200, response.status_code
                    return response.get_data()

                def floor(box=box):
                    cur = raw.cursor()
                    min_lng, min_lat, max_lng, max_lat = box
                    cur.execute(sql, (kelurahan_id, min_lng, max_lng, min_lat, max_lat))
                    return json.dumps(cur.fetchall()).encode()

                endpoint_s, body = median_time(endpoint, args.runs)
                floor_s, floor_body = median_time(floor, args.runs)
                data = json.loads(body)
                results.append(
                    {
                        "backend": name,
                        "case": label,
                        "answer": (
                            f"{len(data['features'])} clusters of {data['total']:,}"
                            if data["clustered"]
                            else f"{len(data['features'])} points"
                        ),
                        "payload": len(body),
                        "endpoint_ms": endpoint_s * 1000,
                        "floor_rows": len(json.loads(floor_body)),
                        "floor_payload": len(floor_body),
                        "floor_ms": floor_s * 1000,
                        "ratio": endpoint_s / floor_s if floor_s else float("nan"),
                    }
                )
        finally:
            raw.close()
            with app.app_context():
                db.engine.dispose()
    return results


def kib(n: int) -> str:
    return f"{n / 1024:,.1f} KiB"


def print_results(rows: list[dict], n: int, runs: int) -> None:
    header = [
        "backend",
        "bbox",
        "endpoint answer",
        "payload",
        "endpoint (median)",
        "floor rows",
        "floor payload",
        "floor (median)",
        "ratio",
    ]
    lines = [
        [
            r["backend"],
            r["case"],
            r["answer"],
            kib(r["payload"]),
            f"{r['endpoint_ms']:.1f} ms",
            f"{r['floor_rows']:,}",
            kib(r["floor_payload"]),
            f"{r['floor_ms']:.1f} ms",
            f"{r['ratio']:.2f}×",
        ]
        for r in rows
    ]
    print_table(
        f"reports map endpoint: {n:,} reports in one kelurahan, median of {runs} runs",
        header,
        lines,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="reports to seed")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("KP_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (postgresql+psycopg://...); a fresh database is "
        "created on it and dropped afterwards (default: $KP_TEST_DATABASE_URL)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()

    rows: list[dict] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            rows += run_backend(
                "SQLite", f"sqlite:///{path}", lambda: sqlite3.connect(path), "?", args
            )
    if args.postgres:
        import psycopg

        with postgres_database(args.postgres) as (url, dsn):
            rows += run_backend("PostgreSQL", url, lambda dsn=dsn: psycopg.connect(dsn), "%s", args)
    print_results(rows, args.n, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
