"""A product's view and WhatsApp-click figures count people: once per visitor, product and
day, never for a request without a cookie, a declared bot or a prefetch, and at most a cap of
products per visitor and day. The dedupe keys live in the app cache (kit.once_per_day)."""

from __future__ import annotations

import pytest
from conftest import act_as, enable_plugin
from sqlalchemy import select
from umkm_helpers import make_product, make_shop

import app.kit as kit
from app.extensions import db as _db
from plugins.umkm import views
from plugins.umkm.models import ProductMonthlyStat

BASE = "/k/kauman/umkm"
BROWSER = {"User-Agent": "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/124 Mobile"}


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")


def totals(product) -> tuple[int, int]:
    _db.session.expire_all()
    row = _db.session.execute(
        select(ProductMonthlyStat).where(ProductMonthlyStat.product_id == product.id)
    ).scalar_one_or_none()
    return (row.views, row.wa_clicks) if row else (0, 0)


def test_requests_without_cookies_count_nothing(app, factory):
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    for _ in range(50):
        fresh = app.test_client(use_cookies=False)
        assert fresh.get(url, headers=BROWSER).status_code == 200
        # (204, or 429 once the per-address limit on the beacon is reached)
        assert fresh.post(f"{url}/klik-wa", headers=BROWSER).status_code in (204, 429)
    assert totals(product) == (0, 0)


def test_one_visitor_counts_once_a_day(client, factory):
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    for _ in range(10):
        assert client.get(url, headers=BROWSER).status_code == 200
        client.post(f"{url}/klik-wa", headers=BROWSER)
    assert totals(product) == (1, 1)


def test_two_visitors_count_two(app, factory):
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    for _ in range(2):
        visitor = app.test_client()
        visitor.get(f"{BASE}/", headers=BROWSER)  # the catalogue first: the visitor's cookie
        visitor.get(url, headers=BROWSER)
        visitor.get(url, headers=BROWSER)
    assert totals(product) == (2, 0)


def test_a_signed_in_resident_counts_once(client, factory, login_as):
    product = make_product(make_shop(factory))
    login_as("warga", "kauman")
    for _ in range(3):
        client.get(f"{BASE}/produk/{product.id}", headers=BROWSER)
    assert totals(product) == (1, 0)


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"User-Agent": "facebookexternalhit/1.1"},
        {"User-Agent": "WhatsApp/2.23.20.0"},
        {"User-Agent": "python-requests/2.31"},
        {"User-Agent": ""},
        {**BROWSER, "Sec-Purpose": "prefetch;prerender"},
        {**BROWSER, "Purpose": "prefetch"},
    ],
)
def test_bots_and_prefetches_count_nothing(client, factory, headers):
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    client.get(f"{BASE}/", headers=BROWSER)  # a visitor with a cookie
    for _ in range(3):
        assert client.get(url, headers=headers).status_code == 200
        client.post(f"{url}/klik-wa", headers=headers)
    assert totals(product) == (0, 0)


def test_a_visitor_counts_for_a_capped_number_of_products_a_day(client, factory, monkeypatch):
    monkeypatch.setattr(views, "VISITOR_DAILY_CAP", 3)
    shop = make_shop(factory)
    products = [make_product(shop) for _ in range(5)]
    client.get(f"{BASE}/", headers=BROWSER)
    for product in products:
        client.get(f"{BASE}/produk/{product.id}", headers=BROWSER)
    assert [totals(p)[0] for p in products] == [1, 1, 1, 0, 0]


def test_the_seller_is_not_counted(client, factory):
    shop = make_shop(factory)
    product = make_product(shop)
    act_as(client, shop.group.members[0].user)
    client.get(f"{BASE}/produk/{product.id}", headers=BROWSER)
    client.get(f"{BASE}/produk/{product.id}", headers=BROWSER)
    assert totals(product) == (0, 0)


# -- the kit helpers ---------------------------------------------------------------------------


def test_kit_once_per_day_and_count_today(app):
    assert kit.once_per_day("uji:a") is True
    assert kit.once_per_day("uji:a") is False
    assert kit.once_per_day("uji:b") is True
    assert [kit.count_today("uji:n") for _ in range(3)] == [1, 2, 3]
    assert kit.count_today("uji:m") == 1


def test_kit_once_per_day_is_shared_through_the_cache(app):
    """The key is in the app cache (Redis in production): another worker sees it."""
    from app.caching import cache

    assert kit.once_per_day("uji:shared") is True
    keys = [k for k in cache.cache._cache if k.endswith("uji:shared")]  # SimpleCache here
    assert len(keys) == 1
