"""Benchmark of the reports map layer against plain-SQL floors.

    .venv/bin/python bench/reports_map.py [--reports 1000000] [--postgres URL] [--runs 15]

Seeds N reports (bulk insert) into a fresh SQLite file, and into a fresh PostgreSQL database
when --postgres or KP_TEST_DATABASE_URL names a server (the database is dropped afterwards).
All N reports belong to one kelurahan (Kauman), spread uniformly over Kota Pekalongan's
bounds: the worst case for one kelurahan's map. A few are hidden by moderation.

For a whole-city bbox and a neighbourhood bbox (about 500 m square) it measures
GET /k/kauman/peta/reports.geojson (the core serves every plugin's layer) through the Flask
test client, with the answer cache off so each run computes: the median time over the runs
and the payload size. In the same process it measures the floor of each answer:

* whole city (clusters): the same grid GROUP BY in plain SQL (sqlite3 / psycopg cursor),
  followed by json.dumps of the cells;
* neighbourhood (points): the same bbox selection in plain SQL, followed by json.dumps of
  the rows.

and prints the ratio endpoint / floor. Goals: the whole-city answer within 1.5× of its floor
and under 100 KB; the neighbourhood answer within 2× of its floor.
No assertion on time: the figures are printed for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import add_backend_arguments, make_app, median_time, postgres_database, print_table  # noqa: E402
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
FILTER_SQL = (
    "FROM reports_report WHERE kelurahan_id = {p} AND hidden_at IS NULL "
    "AND lat IS NOT NULL AND lng IS NOT NULL "
    "AND lng >= {p} AND lng <= {p} AND lat >= {p} AND lat <= {p}"
)
POINTS_SQL = "SELECT id, lat, lng, title, category, status " + FILTER_SQL + " ORDER BY id"
GRID_SQL = (
    "SELECT {cell_lng} AS col, {cell_lat} AS row, count(*), avg(lat), avg(lng) "
    + FILTER_SQL
    + " GROUP BY col, row"
)


def seed(app, n: int) -> tuple[int, dict]:
    """Schema, the 27 kelurahan, the plugin switched on in Kauman, and n reports."""
    from app.plugins import host
    from plugins.reports.models import Report

    db.create_all()
    seed_kelurahan()
    kelurahan = db.session.execute(select(Kelurahan).where(Kelurahan.slug == SLUG)).scalar_one()
    with app.test_request_context():
        error = host(app).switch(kelurahan, "reports", True)
        assert error is None, error
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


def floor_sql(clustered: bool, placeholder: str, postgres: bool) -> str:
    """The plain-SQL twin of the endpoint's statement for this answer."""
    if not clustered:
        return POINTS_SQL.format(p=placeholder)
    # Cell index as app/maplayers.py computes it: floor on PostgreSQL, CAST on SQLite.
    col = f"(lng - {placeholder}) / {placeholder}"
    row = f"(lat - {placeholder}) / {placeholder}"
    if postgres:
        col, row = f"CAST(floor({col}) AS INTEGER)", f"CAST(floor({row}) AS INTEGER)"
    else:
        col, row = f"CAST({col} AS INTEGER)", f"CAST({row} AS INTEGER)"
    return GRID_SQL.format(cell_lng=col, cell_lat=row, p=placeholder)


def run_backend(name: str, database_url: str, raw_connect, placeholder: str, args) -> list[dict]:
    from app.maplayers import GRID_CELLS

    postgres = name == "PostgreSQL"
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media, CACHE_TYPE="NullCache")  # compute every answer
        with app.app_context():
            started = time.perf_counter()
            kelurahan_id, bounds = seed(app, args.reports)
            seeded = time.perf_counter() - started
            kauman = db.session.execute(
                select(Kelurahan).where(Kelurahan.slug == SLUG)
            ).scalar_one()
            centre = (kauman.lat, kauman.lng)
            db.session.remove()
        print(f"{name}: seeded {args.reports:,} reports in {seeded:.1f} s", file=sys.stderr)
        client = app.test_client()
        raw = raw_connect()
        results = []
        try:
            for label, box in cases(bounds, centre):
                url = f"/k/{SLUG}/peta/reports.geojson?bbox=" + ",".join(f"{v:.6f}" for v in box)

                def endpoint(url=url):
                    response = client.get(url)
                    assert response.status_code == 200, response.status_code
                    return response.get_data()

                body = endpoint()
                data = json.loads(body)
                clustered = data["clustered"]
                sql = floor_sql(clustered, placeholder, postgres)
                min_lng, min_lat, max_lng, max_lat = box
                params = (kelurahan_id, min_lng, max_lng, min_lat, max_lat)
                if clustered:
                    cell_lng = (max_lng - min_lng) / GRID_CELLS
                    cell_lat = (max_lat - min_lat) / GRID_CELLS
                    params = (min_lng, cell_lng, min_lat, cell_lat, *params)

                def floor(sql=sql, params=params):
                    cur = raw.cursor()
                    cur.execute(sql, params)
                    return json.dumps(cur.fetchall()).encode()

                endpoint_s, body = median_time(endpoint, args.runs)
                floor_s, floor_body = median_time(floor, args.runs)
                results.append(
                    {
                        "backend": name,
                        "case": label,
                        "answer": (
                            f"{len(data['features'])} clusters of {data['total']:,}"
                            if clustered
                            else f"{len(data['features'])} points"
                        ),
                        "payload": len(body),
                        "endpoint_ms": endpoint_s * 1000,
                        "floor": "grid GROUP BY" if clustered else "bbox rows",
                        "floor_rows": len(json.loads(floor_body)),
                        "floor_ms": floor_s * 1000,
                        "ratio": endpoint_s / floor_s if floor_s else float("nan"),
                        "goal": "≤ 2×" if label.startswith("neighbourhood") else "≤ 1.5×, < 100 KB",
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
        "floor",
        "floor (median)",
        "ratio",
        "goal",
    ]
    lines = [
        [
            r["backend"],
            r["case"],
            r["answer"],
            kib(r["payload"]),
            f"{r['endpoint_ms']:.1f} ms",
            f"{r['floor']}, {r['floor_rows']:,} rows",
            f"{r['floor_ms']:.1f} ms",
            f"{r['ratio']:.2f}×",
            r["goal"],
        ]
        for r in rows
    ]
    print_table(
        f"reports map layer: {n:,} reports in one kelurahan, median of {runs} runs",
        header,
        lines,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reports", "--n", type=int, default=100_000, help="reports to seed (e.g. 1000000)"
    )
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case")
    add_backend_arguments(parser)
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
    print_results(rows, args.reports, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
