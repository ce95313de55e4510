"""Benchmark of the UMKM catalogue page against a plain-SQL floor.

    .venv/bin/python bench/umkm_catalogue.py [--postgres URL] [--n 20000] [--runs 15]

Seeds N products (bulk insert) of 200 approved shops in one kelurahan (Kauman) into a fresh
SQLite file, and into a fresh PostgreSQL database when --postgres or KP_TEST_DATABASE_URL
names a server (dropped afterwards). Each product has monthly view and WhatsApp-click counts
for the last three months; a few are hidden by their seller.

For three catalogue requests (the first page, a text search, and "popular" sorting with a
price filter) it times GET /k/kauman/umkm/ through the Flask test client, and in the same
process a floor: the same count and page selection in plain SQL (sqlite3 / psycopg cursor),
without the shops, photos or HTML. It prints the ratio page / floor. No assertion on time:
the figures are printed for the README.
"""

from __future__ import annotations

import argparse
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
from app.models import Group, GroupMember, Kelurahan, User  # noqa: E402
from app.seed import seed_kelurahan  # noqa: E402

SLUG = "kauman"
SHOPS = 200
PER_PAGE = 24
NAMES = ["Kain batik tulis", "Kemeja batik cap", "Sarung batik", "Megono", "Tas anyaman"]
MOTIFS = ["jlamprang", "buketan", "semen", "liong", "terang bulan", "sekar jagad"]
CATEGORIES = ["Batik tulis", "Batik cap", "Fashion", "Kuliner", "Kerajinan"]

VISIBLE = (
    "FROM umkm_product p JOIN umkm_shop s ON s.id = p.shop_id "
    "WHERE p.kelurahan_id = {p} AND s.status = 'approved' "
    "AND p.hidden_at IS NULL AND p.staff_hidden_at IS NULL"
)
PRICE = "COALESCE(p.discount_price, p.price)"
CASES = [
    ("first page", "", "ORDER BY p.created_at DESC, p.id DESC", ()),
    (
        "search 'jlamprang'",
        "q=jlamprang",
        "AND (lower(p.name) LIKE {p} OR lower(p.description) LIKE {p}) "
        "ORDER BY p.created_at DESC, p.id DESC",
        ("%jlamprang%", "%jlamprang%"),
    ),
    (
        "popular, Rp 50.000–200.000",
        "sort=popular&min=50000&max=200000",
        f"AND COALESCE(p.price_max, {PRICE}) >= {{p}} AND {PRICE} <= {{p}} "  # noqa: S608
        "ORDER BY (SELECT COALESCE(SUM(st.views + 5 * st.wa_clicks), 0) FROM umkm_product_stat st "
        "WHERE st.product_id = p.id AND st.month >= {p}) DESC, p.created_at DESC, p.id DESC",
        (50_000, 200_000, "__since__"),
    ),
]


def seed(app, n: int) -> int:
    """Schema, the 27 kelurahan, the plugin on in Kauman, 200 shops and n products."""
    from app.plugins import host
    from plugins.umkm.models import Product, ProductMonthlyStat, Shop
    from plugins.umkm.queries import month_start

    db.create_all()
    seed_kelurahan()
    kelurahan = db.session.execute(select(Kelurahan).where(Kelurahan.slug == SLUG)).scalar_one()
    with app.test_request_context():
        assert host(app).switch(kelurahan, "umkm", True) is None
    rng = random.Random(2026)
    now = datetime.now(UTC)
    with tenancy.all_kelurahan():
        owner = User(
            email="penjual@contoh.id",
            display_name="Penjual",
            password_hash="-",  # noqa: S106 - nobody signs in
            home_kelurahan_id=kelurahan.id,
        )
        db.session.add(owner)
        db.session.flush()
        shop_ids = []
        for i in range(SHOPS):
            group = Group(
                kelurahan_id=kelurahan.id,
                name=f"UMKM {i}",
                slug=f"umkm-{i}",
                kind="umkm",
                created_by_id=owner.id,
                verified_at=now,
            )
            group.members.append(
                GroupMember(kelurahan_id=kelurahan.id, user_id=owner.id, role="ketua")
            )
            shop = Shop(
                kelurahan_id=kelurahan.id,
                group=group,
                name=f"Toko Batik {i}",
                whatsapp="+6281234567890",
                address=f"Jl. Kauman {i}",
                lat=kelurahan.lat,
                lng=kelurahan.lng,
                status="approved" if i % 20 else "pending",
            )
            db.session.add(shop)
            db.session.flush()
            shop_ids.append(shop.id)
        # The first of this month and the two before (30-day steps repeat a month on the 31st).
        this_month = month_start(now)
        months = [this_month]
        for _ in range(2):
            first = datetime.combine(months[-1], datetime.min.time(), UTC)
            months.append(month_start(first - timedelta(days=1)))
        chunk = 5_000
        for start in range(0, n, chunk):
            rows = []
            for i in range(start, min(start + chunk, n)):
                created = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 365))
                price = rng.randrange(10, 1_500) * 1_000
                rows.append(
                    {
                        "kelurahan_id": kelurahan.id,
                        "shop_id": shop_ids[i % SHOPS],
                        "name": f"{NAMES[i % len(NAMES)]} motif {MOTIFS[i % len(MOTIFS)]} #{i}",
                        "category": CATEGORIES[i % len(CATEGORIES)],
                        "price": price,
                        "price_max": price * 2 if i % 7 == 0 else None,
                        "discount_price": price * 9 // 10 if i % 11 == 0 else None,
                        "unit": "lembar",
                        "stock": "tersedia",
                        "description": "Katun primisima, pewarna alam, dibuat di Kauman.",
                        "created_at": created,
                        "updated_at": created,
                        "hidden_at": now if i % 50 == 0 else None,
                    }
                )
            db.session.execute(insert(Product.__table__), rows)
        ids = db.session.execute(select(Product.id)).scalars().all()
        stats = [
            {
                "kelurahan_id": kelurahan.id,
                "product_id": pid,
                "month": month,
                "views": rng.randrange(0, 200),
                "wa_clicks": rng.randrange(0, 20),
            }
            for pid in ids
            for month in months
        ]
        for start in range(0, len(stats), 10_000):
            db.session.execute(insert(ProductMonthlyStat.__table__), stats[start : start + 10_000])
        db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return kelurahan.id


def run_backend(name: str, database_url: str, raw_connect, placeholder: str, args) -> list:
    from plugins.umkm.queries import POPULAR_DAYS, month_start

    since = month_start(datetime.now(UTC) - timedelta(days=POPULAR_DAYS))
    with tempfile.TemporaryDirectory() as media:
        app = make_app(database_url, media)
        with app.app_context():
            started = time.perf_counter()
            kelurahan_id = seed(app, args.n)
            print(
                f"{name}: seeded {args.n:,} products in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            db.session.remove()
        client = app.test_client()
        raw = raw_connect()
        lines = []
        try:
            for label, query, tail, params in CASES:
                where = VISIBLE.format(p=placeholder) + " " + tail.format(p=placeholder)
                values = [kelurahan_id] + [
                    (since.isoformat() if placeholder == "?" else since) if v == "__since__" else v
                    for v in params
                ]
                count_sql = "SELECT count(*) " + where.split(" ORDER BY ")[0]
                count_values = values[: count_sql.count(placeholder)]
                page_sql = f"SELECT p.id, p.name, p.price, p.unit, s.name {where} LIMIT {PER_PAGE}"

                def page(query=query):
                    response = client.get(f"/k/{SLUG}/umkm/?{query}")
                    assert response.status_code == 200, response.status_code
                    return response.get_data()

                def floor(page_sql=page_sql, count_sql=count_sql, cv=count_values, v=values):
                    cur = raw.cursor()
                    cur.execute(count_sql, cv)
                    total = cur.fetchone()[0]
                    cur.execute(page_sql, v)
                    return total, cur.fetchall()

                page_s, body = median_time(page, args.runs)
                floor_s, (total, rows) = median_time(floor, args.runs)
                lines.append(
                    [
                        name,
                        label,
                        f"{total:,}",
                        f"{len(body) / 1024:,.1f} KiB",
                        f"{page_s * 1000:.1f} ms",
                        f"{floor_s * 1000:.2f} ms",
                        f"{page_s / floor_s:.1f}×" if floor_s else "n/a",
                    ]
                )
        finally:
            raw.close()
            with app.app_context():
                db.engine.dispose()
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="products to seed")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case")
    add_backend_arguments(parser)
    args = parser.parse_args()
    lines: list = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            lines += run_backend(
                "SQLite", f"sqlite:///{path}", lambda: sqlite3.connect(path), "?", args
            )
    if args.postgres:
        import psycopg

        with postgres_database(args.postgres) as (url, dsn):
            lines += run_backend("PostgreSQL", url, lambda: psycopg.connect(dsn), "%s", args)
    print_table(
        f"UMKM catalogue page: {args.n:,} products of {SHOPS} shops, median of {args.runs} runs",
        ["backend", "request", "matching", "page size", "page (median)", "floor (median)", "ratio"],
        lines,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
