"""The catalogue, a shop's page and the city catalogue (and the htmx fragments, the map layer
and a product's page) run the same number of SQL statements with 10 products as with 1,000:
no query per product, photo, shop or kelurahan.

Statements are counted with an engine `before_cursor_execute` listener around one request;
each request is made once beforehand so one-off work (first connection, caches, the view
counter's first row) is not counted.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin, make_user
from sqlalchemy import func, insert, select
from umkm_helpers import make_product, make_shop

from app import caching
from app.extensions import db as _db
from app.models import GroupMember, Media, utcnow
from plugins.umkm.models import Product, ProductMonthlyStat, ProductPhoto
from plugins.umkm.queries import month_start

CATEGORIES = ["Batik tulis", "Batik cap", "Kuliner", "Kerajinan"]
STOCKS = ["tersedia", "preorder", "habis"]


_batch = iter(range(1, 10**6))


def bulk_products(shop, n: int, rng: random.Random) -> None:
    """Insert `n` products of `shop` in one executemany, every third with two photos, a few
    hidden, some with counts this month; the newest ones are the newest of the shop."""
    batch = next(_batch)
    now = utcnow()
    kid = shop.kelurahan_id
    rows = []
    for i in range(n):
        created = now - timedelta(minutes=batch * 10_000 + i)
        price = rng.randrange(5, 2000) * 1000
        rows.append(
            {
                "kelurahan_id": kid,
                "shop_id": shop.id,
                "name": f"Massal {batch}-{i} kain batik",
                "category": CATEGORIES[i % len(CATEGORIES)],
                "price": price,
                "price_max": price * 2 if i % 5 == 0 else None,
                "discount_price": price // 2 if i % 7 == 0 else None,
                "unit": "lembar",
                "stock": STOCKS[i % len(STOCKS)],
                "description": "Kain katun, pewarna alam.",
                "hidden_at": now if i % 40 == 39 else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    _db.session.execute(insert(Product), rows)
    ids = list(
        _db.session.execute(
            select(Product.id)
            .where(Product.shop_id == shop.id, Product.name.like(f"Massal {batch}-%"))
            .order_by(Product.created_at.desc())
        ).scalars()
    )
    with_photos = ids[::3]
    media_rows = [
        {
            "relpath": f"umkm/massal-{pid}-{k}-{size}.jpg",
            "width": w,
            "height": h,
            "content_type": "image/jpeg",
            "size_bytes": 1000,
            "kelurahan_id": kid,
        }
        for pid in with_photos
        for k in range(2)
        for size, w, h in (("full", 1200, 900), ("thumb", 480, 360))
    ]
    _db.session.execute(insert(Media), media_rows)
    media_ids = dict(
        _db.session.execute(
            select(Media.relpath, Media.id).where(Media.relpath.like("umkm/massal-%"))
        ).all()
    )
    photo_rows = [
        {
            "kelurahan_id": kid,
            "product_id": pid,
            "media_id": media_ids[f"umkm/massal-{pid}-{k}-full.jpg"],
            "thumb_id": media_ids[f"umkm/massal-{pid}-{k}-thumb.jpg"],
            "position": k,
        }
        for pid in with_photos
        for k in range(2)
    ]
    _db.session.execute(insert(ProductPhoto), photo_rows)
    stat_rows = [
        {
            "kelurahan_id": kid,
            "product_id": pid,
            "month": month_start(),
            "views": rng.randrange(1, 50),
            "wa_clicks": rng.randrange(0, 5),
        }
        for pid in ids[1::4]
    ]
    _db.session.execute(insert(ProductMonthlyStat), stat_rows)
    _db.session.commit()


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        headers = {"HX-Request": "true"} if "htmx" in name else {}
        assert client.get(url, headers=headers).status_code == 200, url  # warm-up
        if "map layer" in name:
            caching.cache.clear()  # the layer's own query, not the cached answer
        with StatementCounter(_db.engine) as counter:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        counts[name] = len(counter.statements)
    return counts


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def test_query_counts_do_not_grow_with_the_number_of_products(app, client, db, factory):
    rng = random.Random(11)
    big = make_shop(factory, "kauman", name="Batik Besar")
    small_shops = [make_shop(factory, "kauman") for _ in range(2)]
    pending = make_shop(factory, "kauman", status="pending")
    medono = make_shop(factory, "medono")
    seller = make_user("warga", "kauman", name="Penjual")
    db.session.add(
        GroupMember(
            kelurahan_id=big.kelurahan_id,
            group_id=big.group_id,
            user_id=seller.id,
            role="anggota",
            status="active",
        )
    )
    db.session.commit()
    resident = make_user("warga", "kauman")
    staff = make_user("petugas", "kauman", verified=True)
    product = make_product(big, name="Kain Utama")

    bulk_products(big, 6, rng)
    bulk_products(small_shops[0], 3, rng)
    bulk_products(medono, 5, rng)

    base = "/k/kauman/umkm"
    urls = {
        "catalogue": f"{base}/",
        "catalogue, filtered, popular": f"{base}/?q=kain&min=5.000&stock=tersedia&sort=popular",
        "catalogue htmx": f"{base}/?sort=price_asc",
        "shop page": f"{base}/toko/{big.id}",
        "shop page htmx": f"{base}/toko/{big.id}",
        "shops map layer": "/k/kauman/peta/umkm-shops.geojson",
        "shops map layer, former address": f"{base}/toko.geojson?bbox=109.6,-6.95,109.7,-6.85",
        "product page": f"{base}/produk/{product.id}",
        "city catalogue": "/umkm/",
        "city catalogue, filtered": "/umkm/?kelurahan=medono&sort=popular&category=Batik+tulis",
        "city catalogue htmx": "/umkm/?sort=price_desc",
    }

    def measure_all() -> dict[str, int]:
        with client.session_transaction() as session:
            session.clear()
        counts = {f"{k} (anonymous)": v for k, v in measure(client, urls).items()}
        for who, user in (("resident", resident), ("seller", seller), ("staff", staff)):
            act_as(client, user)
            counts.update({f"{k} ({who})": v for k, v in measure(client, urls).items()})
        return counts

    small = measure_all()

    bulk_products(big, 600, rng)
    bulk_products(small_shops[1], 394, rng)
    bulk_products(pending, 50, rng)
    bulk_products(medono, 500, rng)
    db.session.expire_all()
    kauman_products = db.session.scalar(
        select(func.count()).select_from(Product).where(Product.kelurahan_id == big.kelurahan_id)
    )
    assert kauman_products >= 1000

    # The larger world really is larger on these pages.
    page = client.get(f"{base}/").get_data(as_text=True)
    assert page.count('class="product-card"') == 24 and "Halaman 1 dari" in page
    shop_page = client.get(f"{base}/toko/{big.id}").get_data(as_text=True)
    assert "Halaman 1 dari 25" in shop_page

    large = measure_all()
    assert large == small, "\n".join(
        f"{name}: {small[name]} statements with 10 products, {large[name]} with 1,000"
        for name in small
        if small[name] != large[name]
    )


def test_the_request_that_counts_a_view_does_not_reload_the_page(app, db, factory):
    """The view counter commits; the page is rendered before that, so counting adds only its
    own few statements (update, or insert in a savepoint) and nothing per photo."""
    shop = make_shop(factory, "kauman")
    for photos in (1, 5):
        product = make_product(shop)
        bulk_photos(product, photos)
        client = app.test_client()  # a new visitor: the first request counts a view
        url = f"/k/kauman/umkm/produk/{product.id}"
        # Another page first: reloading the kelurahan and plugin switches this test's
        # writes made stale is not the counter's work.
        assert client.get("/k/kauman/umkm/").status_code == 200
        with StatementCounter(_db.engine) as counting:
            assert client.get(url).status_code == 200
        with StatementCounter(_db.engine) as plain:
            assert client.get(url).status_code == 200
        row = db.session.execute(
            select(ProductMonthlyStat).where(ProductMonthlyStat.product_id == product.id)
        ).scalar_one()
        assert row.views == 1
        extra = [s for s in counting.statements if s not in plain.statements]
        assert len(counting.statements) - len(plain.statements) <= 4, extra


def bulk_photos(product, n: int) -> None:
    kid = product.kelurahan_id
    for k in range(n):
        full, thumb = (
            Media(
                relpath=f"umkm/satu-{product.id}-{k}-{size}.jpg",
                width=w,
                height=h,
                content_type="image/jpeg",
                size_bytes=1000,
                kelurahan_id=kid,
            )
            for size, w, h in (("full", 1200, 900), ("thumb", 480, 360))
        )
        _db.session.add(
            ProductPhoto(kelurahan_id=kid, product=product, media=full, thumb=thumb, position=k)
        )
    _db.session.commit()
