"""Benchmark of a city-wide map layer against its parts.

    .venv/bin/python bench/city_map.py [--per-kelurahan 2000] [--postgres URL] [--runs 9]
    .venv/bin/python bench/city_map.py --demo [--postgres URL] [--runs 9]

Seeds N facilities in each of the 27 kelurahan (bulk insert, spread within 1.5 km of each
kelurahan's centre) with the facilities plugin on everywhere, into a fresh SQLite file, and
into a fresh PostgreSQL database when --postgres or KP_TEST_DATABASE_URL names a server.

With the answer cache off (every answer computed), it measures GET
/peta/facilities-places.geojson (the whole city: each kelurahan's capped, clustered answer
side by side) against its floor measured in the same run: the 27 kelurahan's own answers
GET /k/<slug>/peta/facilities-places.geojson one after another. It prints the medians, the
ratio city / sum of parts and the payload. Goal: within 1.2× of the parts and under 300 KB.
No assertion on time: the figures are printed for the README.

With --demo it loads every plugin's demo data instead (`flask kp seed --demo`: each plugin
on in its demo kelurahan) and measures every public layer the city map offers the same way,
with the app's cache on (stamps and layer owners kept, as in production) but every map
answer dropped before each timed call.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (  # noqa: E402
    add_backend_arguments,
    make_app,
    median_time,
    postgres_database,
    print_table,
)
from sqlalchemy import insert, select  # noqa: E402

from app import tenancy  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Kelurahan  # noqa: E402
from app.plugins import host  # noqa: E402
from app.seed import seed_kelurahan  # noqa: E402

KINDS = ["balai", "lampu_jalan", "posyandu", "taman", "cctv", "sumur_pompa"]


def seed(app, per_kelurahan: int) -> list[str]:
    from plugins.facilities.models import Facility

    rng = random.Random(27)
    seed_kelurahan()
    slugs = []
    with tenancy.all_kelurahan(), app.test_request_context():
        for kelurahan in db.session.execute(select(Kelurahan)).scalars():
            host().set_enabled(kelurahan, "facilities", True)
            slugs.append(kelurahan.slug)
            rows = [
                {
                    "kelurahan_id": kelurahan.id,
                    "name": f"Fasilitas {i}",
                    "kind": rng.choice(KINDS),
                    "description": "",
                    "address": "",
                    "lat": kelurahan.lat + rng.uniform(-0.0135, 0.0135),
                    "lng": kelurahan.lng + rng.uniform(-0.0135, 0.0135),
                    "manager_name": "",
                    "condition": "baik",
                    "condition_note": "",
                    "bookable": False,
                    "max_hours": 4,
                    "fee_rupiah": 0,
                    "fee_note": "",
                    "active": True,
                }
                for i in range(per_kelurahan)
            ]
            db.session.execute(insert(Facility.__table__), rows)
        db.session.commit()
    return sorted(slugs)


def run_backend(name: str, database_url: str, args) -> dict:
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media, CACHE_TYPE="NullCache")  # compute every answer
        with app.app_context():
            db.create_all()
            slugs = seed(app, args.per_kelurahan)
            db.session.remove()
        client = app.test_client()

        def city():
            response = client.get("/peta/facilities-places.geojson")
            assert response.status_code == 200, response.status_code
            return response.get_data()

        def parts():
            size = 0
            for slug in slugs:
                response = client.get(f"/k/{slug}/peta/facilities-places.geojson")
                assert response.status_code == 200, response.status_code
                size += len(response.get_data())
            return size

        city_s, body = median_time(city, args.runs)
        parts_s, parts_size = median_time(parts, args.runs)
        with app.app_context():
            db.engine.dispose()
    return {
        "backend": name,
        "points": args.per_kelurahan * len(slugs),
        "payload": len(body),
        "parts_payload": parts_size,
        "city_ms": city_s * 1000,
        "parts_ms": parts_s * 1000,
        "ratio": city_s / parts_s if parts_s else float("nan"),
    }


def demo_layers(app) -> dict[str, list[str]]:
    """Each layer the city map merges → the kelurahan whose own map serves it."""
    from app.directory import all_kelurahan
    from app.views.public import _kelurahan_layers

    served: dict[str, list[str]] = {}
    with app.test_request_context(), tenancy.all_kelurahan():
        for kelurahan in all_kelurahan():
            for spec in _kelurahan_layers(kelurahan):
                if spec["id"] != "kelurahan" and spec["url"].startswith(f"/k/{kelurahan.slug}/"):
                    served.setdefault(spec["id"], []).append(kelurahan.slug)
    return served


def forget_answers(app) -> None:
    """Drop the cached map answers (keys `layer:...`), keeping everything else."""
    from app import caching

    with app.app_context():
        store = caching.cache.cache._cache  # SimpleCache's dict
        for key in [k for k in store if "layer:" in k]:
            del store[key]


def run_demo(name: str, database_url: str, args) -> list[dict]:
    with tempfile.TemporaryDirectory() as media:
        # A real cache, so the kelurahan's stamps and layer owners are kept as in
        # production; the layers' answers are dropped before each timed call instead.
        app = make_app(database_url, media, CACHE_TYPE="SimpleCache")
        with app.app_context():
            db.create_all()
            seeded = app.test_cli_runner().invoke(args=["kp", "seed", "--demo"])
            assert seeded.exit_code == 0, seeded.output
            db.session.remove()
            layers = demo_layers(app)
        client = app.test_client()
        rows = []
        for layer_id, slugs in sorted(layers.items()):

            def city(layer_id=layer_id):
                forget_answers(app)
                response = client.get(f"/peta/{layer_id}.geojson")
                assert response.status_code == 200, (layer_id, response.status_code)
                return response.get_data()

            def parts(layer_id=layer_id, slugs=slugs):
                forget_answers(app)
                size = 0
                for slug in slugs:
                    response = client.get(f"/k/{slug}/peta/{layer_id}.geojson")
                    assert response.status_code == 200, (layer_id, slug, response.status_code)
                    size += len(response.get_data())
                return size

            city_s, body = median_time(city, args.runs)
            parts_s, _ = median_time(parts, args.runs)
            rows.append(
                {
                    "backend": name,
                    "layer": layer_id,
                    "kelurahan": len(slugs),
                    "features": body.count(b'"Feature"'),
                    "payload": len(body),
                    "city_ms": city_s * 1000,
                    "parts_ms": parts_s * 1000,
                    "ratio": city_s / parts_s if parts_s else float("nan"),
                }
            )
        with app.app_context():
            db.engine.dispose()
    return rows


def main_demo(args) -> int:
    rows = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows += run_demo("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args)
    if args.postgres:
        with postgres_database(args.postgres) as (url, _dsn):
            rows += run_demo("PostgreSQL", url, args)
    print_table(
        f"city map with every plugin's demo data: each layer, median of {args.runs} runs",
        ["backend", "layer", "kelurahan", "features", "answer", "city", "parts", "ratio", "goal"],
        [
            [
                r["backend"],
                r["layer"],
                str(r["kelurahan"]),
                f"{r['features']:,}",
                f"{r['payload'] / 1024:,.1f} KiB",
                f"{r['city_ms']:.1f} ms",
                f"{r['parts_ms']:.1f} ms",
                f"{r['ratio']:.2f}×",
                "≤ 1.2×, < 300 KB",
            ]
            for r in rows
        ],
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-kelurahan", type=int, default=2000, help="facilities per kelurahan")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per case")
    parser.add_argument("--demo", action="store_true", help="every plugin's demo data")
    add_backend_arguments(parser)
    args = parser.parse_args()
    if args.demo:
        return main_demo(args)
    rows = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_backend("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", args))
    if args.postgres:
        with postgres_database(args.postgres) as (url, _dsn):
            rows.append(run_backend("PostgreSQL", url, args))
    print_table(
        f"city map layer: {args.per_kelurahan:,} facilities in each of 27 kelurahan, "
        f"median of {args.runs} runs",
        ["backend", "points", "city answer", "city (median)", "27 parts (median)", "ratio", "goal"],
        [
            [
                r["backend"],
                f"{r['points']:,}",
                f"{r['payload'] / 1024:,.1f} KiB",
                f"{r['city_ms']:.1f} ms",
                f"{r['parts_ms']:.1f} ms",
                f"{r['ratio']:.2f}×",
                "≤ 1.2×, < 300 KB",
            ]
            for r in rows
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
