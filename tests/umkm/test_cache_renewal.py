"""The home widget, the shops map layer and the dashboard figures are cached per kelurahan.
A change made on the site (a seller's product, staff's review, a closed shop, a WhatsApp
click) shows to the next visitor at once: the plugin announces it after the commit, which
renews its cached answers.

Each test first proves the cache is in play: a rename written straight to the database,
behind the app's back, does not show. Only then does it make the change through a request."""

from __future__ import annotations

import re

import pytest
from conftest import act_as, enable_plugin, make_user
from sqlalchemy import update
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from plugins.umkm.models import Product, Shop

BASE = "/k/kauman/umkm"
HOME = "/k/kauman/"
LAYER = "/k/kauman/peta/umkm-shops.geojson"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def widget(visitor) -> str:
    page = text(visitor.get(HOME))
    part = page[page.index('id="widget-umkm-products"') :]
    return part[: part.index("</section>")]


def shop_names(visitor) -> set[str]:
    response = visitor.get(LAYER)
    assert response.status_code == 200
    return {f["properties"]["name"] for f in response.get_json(force=True)["features"]}


def figure(visitor, label: str) -> str:
    page = text(visitor.get("/k/kauman/dasbor"))
    return re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page).group(1)


def behind_the_apps_back(model, row_id: int, **values) -> None:
    """Change a row with plain SQL, as no page of the app does: nothing renews a cache."""
    table = model.__table__
    with _db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == row_id).values(**values))


@pytest.fixture
def world(app, factory):
    """An approved shop with one product, its leader, a petugas, and a visitor's client.
    Everyone is created before the first page is cached: the test's own writes renew
    caches, and after that only requests may change anything."""
    shop = make_shop(factory, name="Batik Awal")
    product = make_product(shop, name="Kain Awal")
    return {
        "shop": shop,
        "product": product,
        "leader": shop.group.members[0].user,
        "staff": make_user("petugas", "kauman", verified=True),
        "visitor": app.test_client(),
    }


def test_the_home_widget_follows_sellers_and_staff(client, world):
    visitor = world["visitor"]
    assert "Kain Awal" in widget(visitor)
    behind_the_apps_back(Product, world["product"].id, name="Kain Diam-diam")
    assert "Kain Awal" in widget(visitor)  # cached

    act_as(client, world["leader"])
    response = client.post(
        f"{BASE}/toko/{world['shop'].id}/produk/baru",
        data={
            "name": "Kain Baru Lewat Formulir",
            "category": "Batik tulis",
            "price": "250.000",
            "unit": "lembar",
            "stock": "tersedia",
            "description": "",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    shown = widget(visitor)
    assert "Kain Baru Lewat Formulir" in shown and "Kain Diam-diam" in shown

    added = _db.session.query(Product).filter_by(name="Kain Baru Lewat Formulir").one()
    assert client.post(f"{BASE}/produk/{added.id}/sembunyikan").status_code == 302
    assert "Kain Baru Lewat Formulir" not in widget(visitor)

    act_as(client, world["staff"])
    hide = f"{BASE}/petugas/produk/{world['product'].id}/sembunyikan"
    assert client.post(hide, data={"reason": "Foto menyesatkan"}).status_code == 302
    assert "Belum ada produk UMKM." in widget(visitor)


def test_the_map_layer_follows_staff_review(client, factory, world):
    pending = make_shop(factory, status="pending", name="Batik Menunggu Peta")
    visitor = world["visitor"]
    assert shop_names(visitor) == {"Batik Awal"}
    behind_the_apps_back(Shop, world["shop"].id, name="Batik Diam-diam")
    assert shop_names(visitor) == {"Batik Awal"}  # cached

    act_as(client, world["staff"])
    response = client.post(f"{BASE}/petugas/toko/{pending.id}/setujui", data={"reason": ""})
    assert response.status_code == 302
    assert shop_names(visitor) == {"Batik Diam-diam", "Batik Menunggu Peta"}
    # The plugin's former address is the same answer.
    assert "Batik Menunggu Peta" in text(visitor.get(f"{BASE}/toko.geojson"))

    suspend = f"{BASE}/petugas/toko/{pending.id}/tangguhkan"
    assert client.post(suspend, data={"reason": "Alamat tidak ditemukan"}).status_code == 302
    assert shop_names(visitor) == {"Batik Diam-diam"}


def test_dashboard_figures_follow_a_closed_shop_and_catch_up_with_clicks(client, world):
    visitor = world["visitor"]
    shops, clicks = "Toko UMKM aktif", "Klik Pesan via WhatsApp bulan ini"
    assert (figure(visitor, shops), figure(visitor, clicks)) == ("1", "0")
    behind_the_apps_back(Shop, world["shop"].id, status="suspended")
    assert figure(visitor, shops) == "1"  # cached
    behind_the_apps_back(Shop, world["shop"].id, status="approved")

    product_id = world["product"].id
    visitor.get(f"{BASE}/produk/{product_id}")  # the page the click is on: a visitor with a cookie
    assert visitor.post(f"{BASE}/produk/{product_id}/klik-wa").status_code == 204
    assert figure(visitor, clicks) == "0"  # a click alone does not renew the cache

    act_as(client, world["leader"])
    assert (
        client.post(f"{BASE}/toko/{world['shop'].id}/tutup", data={"note": ""}).status_code == 302
    )
    assert figure(visitor, shops) == "0"
    assert shop_names(visitor) == set()
    assert client.post(f"{BASE}/toko/{world['shop'].id}/buka-lagi").status_code == 302
    assert figure(visitor, shops) == "1"
    assert figure(visitor, clicks) == "1"  # caught up with the plugin's events
    assert shop_names(visitor) == {"Batik Awal"}


def test_reviewers_see_a_newly_opened_shop_waiting_on_the_home_page(app, client, factory, world):
    group = factory.group("kauman", name="UMKM Baru Buka")
    founder = group.members[0].user
    reviewer = app.test_client()
    act_as(reviewer, world["staff"])
    assert "Tinjau toko (0 menunggu)" in widget(reviewer)

    act_as(client, founder)
    response = client.post(
        f"{BASE}/toko/buka",
        data={
            "group": str(group.id),
            "name": "Batik Baru Buka",
            "whatsapp": "0812-3456-7890",
            "address": "Jl. Hayam Wuruk Gg. 3",
            "lat": str(world["shop"].lat),
            "lng": str(world["shop"].lng),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "Tinjau toko (1 menunggu)" in widget(reviewer)
    assert "Tinjau toko" not in widget(world["visitor"])
