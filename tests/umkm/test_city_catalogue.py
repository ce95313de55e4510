"""The city-wide catalogue at /umkm/: products of every kelurahan where the plugin is on
(and none where it is off), linked to the right kelurahan, with the same search, filters,
sorting and pagination, plus a kelurahan filter."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import enable_plugin
from umkm_helpers import make_product, make_shop

from app.models import utcnow

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


@pytest.fixture
def world(factory):
    kauman = make_product(make_shop(factory, "kauman", name="Batik Kauman"), name="Kain Kauman")
    medono = make_product(
        make_shop(factory, "medono", name="Batik Medono"),
        name="Kain Medono",
        category="Kuliner",
        price=20_000,
    )
    # Sapuro Kebulen has a shop too, but the plugin is switched off there.
    off = make_product(make_shop(factory, "sapuro-kebulen"), name="Kain Sapuro")
    return kauman, medono, off


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_city_catalogue_shows_every_kelurahan_where_the_plugin_is_on(client, world):
    kauman, medono, off = world
    page = text(client.get("/umkm/"))
    assert "Pasar UMKM Kota Pekalongan" in page
    assert "Kain Kauman" in page and "Kain Medono" in page
    assert "Kain Sapuro" not in page
    assert "2 produk" in page
    # Each card links to its own kelurahan's pages.
    assert f'href="/k/kauman/umkm/produk/{kauman.id}"' in page
    assert f'href="/k/medono/umkm/produk/{medono.id}"' in page
    assert f"/produk/{off.id}" not in page
    assert "Kel. Medono" in page
    # …and those links work.
    assert client.get(f"/k/medono/umkm/produk/{medono.id}").status_code == 200
    # The participating kelurahan are listed, the others are not.
    assert 'href="/k/medono/umkm/"' in page and "/k/sapuro-kebulen/" not in page


def test_switching_the_plugin_off_removes_a_kelurahan(client, app, world):
    enable_plugin(app, "umkm", "medono", enabled=False)
    page = text(client.get("/umkm/"))
    assert "Kain Kauman" in page and "Kain Medono" not in page


def test_kelurahan_filter(client, world):
    page = text(client.get("/umkm/?kelurahan=medono"))
    assert "Kain Medono" in page and "Kain Kauman" not in page
    assert '<option value="medono" selected>' in page
    # A kelurahan where the plugin is off is not a way in.
    page = text(client.get("/umkm/?kelurahan=sapuro-kebulen"))
    assert "Kain Sapuro" not in page
    assert "Kain Kauman" in page and "Kain Medono" in page


def test_search_filters_and_sorting_work_city_wide(client, world):
    assert "Kain Medono" not in text(client.get("/umkm/?q=kauman"))
    page = text(client.get("/umkm/?category=Kuliner"))
    assert "Kain Medono" in page and "Kain Kauman" not in page
    assert '<option value="Kuliner" selected>' in page
    page = text(client.get("/umkm/?max=50.000"))
    assert "Kain Medono" in page and "Kain Kauman" not in page
    page = text(client.get("/umkm/?sort=price_asc"))
    assert page.index("Kain Medono") < page.index("Kain Kauman")
    page = text(client.get("/umkm/?sort=price_desc"))
    assert page.index("Kain Kauman") < page.index("Kain Medono")


def test_categories_offered_are_those_of_public_products(client, world):
    page = text(client.get("/umkm/"))
    options = re.findall(r'<option value="([^"]+)"', page.split('id="f-category"')[1])
    assert options[:2] == ["Batik tulis", "Kuliner"]


def test_nothing_unapproved_or_hidden_shows_city_wide(client, factory, world):
    make_product(make_shop(factory, "medono", status="pending"), name="Kain Menunggu")
    make_product(make_shop(factory, "medono", status="suspended"), name="Kain Ditangguhkan")
    shop = make_shop(factory, "medono")
    make_product(shop, name="Kain Disembunyikan", hidden_at=utcnow())
    make_product(shop, name="Kain Ditarik Petugas", staff_hidden_at=utcnow())
    page = text(client.get("/umkm/?q=kain"))
    assert "Kain Medono" in page
    for name in ("Kain Menunggu", "Kain Ditangguhkan", "Kain Disembunyikan", "Kain Ditarik"):
        assert name not in page


def test_city_catalogue_paginates_and_loads_more_with_htmx(client, factory):
    now = utcnow()
    shops = [make_shop(factory, "kauman"), make_shop(factory, "medono")]
    for i in range(30):
        make_product(shops[i % 2], name=f"Barang Kota {i:02d}", created_at=now - timedelta(hours=i))
    page = text(client.get("/umkm/"))
    assert page.count('class="product-card"') == 24
    assert 'rel="next" href="/umkm/?page=2"' in page
    assert 'hx-get="/umkm/?page=2"' in page
    fragment = text(client.get("/umkm/?page=2", headers=HTMX))
    assert "<html" not in fragment
    assert fragment.count('class="product-card"') == 6
    assert "Barang Kota 29" in fragment
    assert "/k/medono/umkm/produk/" in fragment and "/k/kauman/umkm/produk/" in fragment


def test_city_catalogue_without_any_kelurahan(client, app):
    enable_plugin(app, "umkm", "kauman", enabled=False)
    enable_plugin(app, "umkm", "medono", enabled=False)
    page = text(client.get("/umkm/"))
    assert "Belum ada produk UMKM yang tampil." in page


def test_city_catalogue_loads_the_plugin_styles(client, world):
    page = text(client.get("/umkm/"))
    css = re.search(r'<link rel="stylesheet" href="(/umkm/static/umkm\.css)">', page)
    assert css and client.get(css.group(1)).status_code == 200
