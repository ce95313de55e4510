"""The marketplace on the platform's shared pages, through its hooks: the menu, the map
layer, the home widget, the dashboard metrics, the site search and open data.

Every hook shows public items only: never a product of a pending or suspended shop, one the
seller or staff hid, or anything of another kelurahan. Some tests call the hooks directly,
outside any kelurahan's scope, to prove each query names its kelurahan itself (the city
dashboards call them that way)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from conftest import StatementCounter, enable_plugin
from flask import g
from umkm_helpers import make_product, make_shop

from app import caching
from app.extensions import db as _db
from app.maplayers import answer, layer_url
from app.models import Media, utcnow
from app.plugins import host
from plugins.umkm.hooks import PRODUCT_HEADER, SHOP_HEADER
from plugins.umkm.models import ProductMonthlyStat, ProductPhoto
from plugins.umkm.queries import month_start

HOME = "/k/kauman/"


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def market(factory):
    """Public and non-public products in Kauman, and a public one in Medono. Each product
    name carries the word "cari" so one search reaches all of them."""
    group = factory.group("kauman", name="Kelompok Rahasia Batik")
    leader = group.members[0].user
    leader.display_name, leader.email = "Ketua Tersembunyi", "ketua.rahasia@contoh.id"
    _db.session.commit()
    open_shop = make_shop(
        factory,
        group=group,
        name="Batik Cari Terang",
        description="Toko batik tulis di Gang 7.",
        whatsapp="+6281311112222",
        nib="9120201851234",
        halal_number="ID33110000872310823",
        lat=-6.8891,
        lng=109.6731,
    )
    other_open = make_shop(factory, name="Megono Cari Pagi", description="Sarapan megono.")
    pending = make_shop(factory, status="pending", name="Toko Cari Menunggu")
    suspended = make_shop(factory, status="suspended", name="Toko Cari Ditangguhkan")
    medono_shop = make_shop(factory, "medono", name="Toko Cari Medono")
    now = utcnow()
    items = {
        "public_old": make_product(
            open_shop,
            name="Kain cari jlamprang",
            price=850_000,
            created_at=now - timedelta(days=20),
        ),
        "public_range": make_product(
            open_shop,
            name="Batik cari buketan",
            price=1_250_000,
            price_max=1_750_000,
            created_at=now - timedelta(days=10),
        ),
        "public_discount": make_product(
            other_open,
            name="Nasi cari megono",
            category="Kuliner",
            price=8_000,
            discount_price=7_000,
            unit="bungkus",
            description="Dibungkus daun jati.",
            created_at=now - timedelta(days=1),
        ),
        "seller_hidden": make_product(open_shop, name="Produk cari disembunyikan penjual"),
        "staff_hidden": make_product(
            open_shop,
            name="Produk cari disembunyikan petugas",
            staff_hidden_at=now,
            staff_hidden_reason="Terlarang",
        ),
        "pending": make_product(pending, name="Produk cari toko menunggu"),
        "suspended": make_product(suspended, name="Produk cari toko ditangguhkan"),
        "medono": make_product(medono_shop, name="Produk cari Medono"),
    }
    items["seller_hidden"].hidden_at = now
    _db.session.commit()
    return {"shop": open_shop, "other_shop": other_open, **items}


HIDDEN_NAMES = (
    "Produk cari disembunyikan penjual",
    "Produk cari disembunyikan petugas",
    "Produk cari toko menunggu",
    "Produk cari toko ditangguhkan",
    "Produk cari Medono",
    "Toko Cari Menunggu",
    "Toko Cari Ditangguhkan",
    "Toko Cari Medono",
)


def assert_public_only(body: str) -> None:
    for name in HIDDEN_NAMES:
        assert name not in body, name


# -- menu and map ------------------------------------------------------------------------------


def test_menu_has_the_catalogue(client):
    page = text(client.get(HOME))
    assert '<a href="/k/kauman/umkm/">UMKM</a>' in page
    assert "/k/sapuro-kebulen/umkm/" not in text(client.get("/k/sapuro-kebulen/"))


def test_map_layer_points_at_the_approved_shops(client, market):
    page = text(client.get(HOME))
    # The core serves the layer; the plugin's former address answers the same.
    assert "/k/kauman/peta/umkm-shops.geojson" in page and "Toko UMKM" in page
    for url in ("/k/kauman/peta/umkm-shops.geojson", "/k/kauman/umkm/toko.geojson"):
        response = client.get(url)
        assert response.mimetype == "application/geo+json"
        data = response.get_json(force=True)
        by_name = {f["properties"]["name"]: f["properties"] for f in data["features"]}
        assert set(by_name) == {"Batik Cari Terang", "Megono Cari Pagi"}, url
        batik = by_name["Batik Cari Terang"]
        assert batik["url"] == f"/k/kauman/umkm/toko/{market['shop'].id}"
        assert batik["products"] == 2  # the ones its seller or staff hid are not counted
    assert client.get("/k/sapuro-kebulen/peta/umkm-shops.geojson").status_code == 404


def test_hooks_name_their_kelurahan_themselves(app, factory, market):
    """Called outside a kelurahan's scope (as the city pages do), nothing of Medono shows."""
    kauman = factory.kelurahan("kauman")
    kp = host(app)
    with app.test_request_context():
        g.kelurahan = kauman  # for the layer's links, as on a page of Kauman
        (layer,) = [x for x in kp.collect("kp_map_layers", kauman, kelurahan=kauman)
                    if x.id == "umkm-shops"]  # fmt: skip
        assert layer_url(layer) == "/k/kauman/peta/umkm-shops.geojson"
        shops = answer(layer, {}, app.config["KP_BOUNDS"])["features"]
        assert {f["properties"]["name"] for f in shops} == {"Batik Cari Terang", "Megono Cari Pagi"}
        hits = kp.collect("kp_search", kauman, kelurahan=kauman, query="cari", limit=50)
        titles = {hit.title for hit in hits if "UMKM" in str(hit.kind)}
        assert titles == {
            "Batik Cari Terang",
            "Megono Cari Pagi",
            "Kain cari jlamprang",
            "Batik cari buketan",
            "Nasi cari megono",
        }
        metrics = {
            m.key: m.value
            for m in kp.collect(
                "kp_dimension_metrics", kauman, kelurahan=kauman, since=utcnow(), until=utcnow()
            )
        }
        assert (metrics["umkm_shops"], metrics["umkm_products"]) == (2, 3)
        datasets = {d.id: d for d in kp.collect("kp_open_data", kauman, kelurahan=kauman) if d.csv}
        _header, rows = datasets["umkm-produk"].csv()
        assert sorted(row[3] for row in rows) == [
            "Batik cari buketan",
            "Kain cari jlamprang",
            "Nasi cari megono",
        ]


# -- home widget -------------------------------------------------------------------------------


def widget_of(page: str) -> str:
    widget = page[page.index('id="widget-umkm-products"') :]
    return widget[: widget.index("</section>")]


def test_home_widget_shows_the_newest_public_products(client, market):
    widget = widget_of(text(client.get(HOME)))
    assert "Produk UMKM terbaru" in widget
    assert widget.index("Nasi cari megono") < widget.index("Batik cari buketan")
    assert widget.index("Batik cari buketan") < widget.index("Kain cari jlamprang")
    # The discount price, the old price struck through, ranges: as on the catalogue's cards.
    assert "Rp 7.000" in widget and re.search(r"<s [^>]*>.*?Rp 8\.000</s>", widget)
    assert "Rp 1.250.000 – Rp 1.750.000" in widget and "Rp 850.000" in widget
    assert "Megono Cari Pagi" in widget and "Batik Cari Terang" in widget
    assert f'href="/k/kauman/umkm/produk/{market["public_old"].id}"' in widget
    assert 'href="/k/kauman/umkm/"' in widget
    assert "Tinjau toko" not in widget
    assert_public_only(widget)


def test_home_widget_shows_at_most_six_with_lazy_thumbnails(client, factory):
    shop = make_shop(factory)
    now = utcnow()
    products = [
        make_product(shop, name=f"Produk urut {i}", created_at=now - timedelta(hours=10 - i))
        for i in range(8)
    ]
    thumb = Media(
        relpath="umkm/kecil-widget.jpg",
        width=480,
        height=480,
        content_type="image/jpeg",
        size_bytes=10,
        kelurahan_id=shop.kelurahan_id,
    )
    full = Media(
        relpath="umkm/besar-widget.jpg",
        width=1200,
        height=1200,
        content_type="image/jpeg",
        size_bytes=10,
        kelurahan_id=shop.kelurahan_id,
    )
    _db.session.add(
        ProductPhoto(kelurahan_id=shop.kelurahan_id, product=products[-1], media=full, thumb=thumb)
    )
    _db.session.commit()
    widget = widget_of(text(client.get(HOME)))
    assert [f"Produk urut {i}" in widget for i in range(8)] == [False, False] + [True] * 6
    assert re.search(r'<img src="/media/umkm/kecil-widget.jpg"[^>]* loading="lazy"', widget)


def test_home_widget_invites_staff_to_review_pending_shops(client, login_as, market):
    login_as("petugas", "kauman")
    widget = widget_of(text(client.get(HOME)))
    assert "Tinjau toko (1 menunggu)" in widget
    assert 'href="/k/kauman/umkm/petugas/toko"' in widget


def test_home_widget_without_products(client):
    widget = widget_of(text(client.get(HOME)))
    assert "Belum ada produk UMKM." in widget


# -- dashboard metrics -------------------------------------------------------------------------


def add_stat(product, month, views: int, clicks: int) -> None:
    _db.session.add(
        ProductMonthlyStat(
            kelurahan_id=product.kelurahan_id,
            product_id=product.id,
            month=month,
            views=views,
            wa_clicks=clicks,
        )
    )
    _db.session.commit()


def test_dimension_metrics_count_public_items_and_this_months_clicks(client, market):
    this_month = month_start()
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    add_stat(market["public_old"], this_month, 100, 7)
    add_stat(market["public_discount"], this_month, 50, 5)
    add_stat(market["public_old"], last_month, 300, 40)  # last month: not counted
    for key in ("seller_hidden", "staff_hidden", "pending", "suspended", "medono"):
        add_stat(market[key], this_month, 999, 99)  # not public: not counted

    page = text(client.get("/k/kauman/dasbor"))
    economy = page[page.index("Smart Economy") : page.index("Smart Living")]

    def metric(label: str) -> str:
        match = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", economy)
        assert match, f"no metric {label!r}"
        return match.group(1)

    assert metric("Toko UMKM aktif") == "2"
    assert metric("Produk UMKM yang tampil") == "3"
    assert metric("Klik Pesan via WhatsApp bulan ini") == "12"
    assert "Toko UMKM aktif" not in text(client.get("/k/sapuro-kebulen/dasbor"))


def test_dimension_metrics_of_an_empty_marketplace(client):
    page = text(client.get("/k/kauman/dasbor"))
    assert "<dt>Klik Pesan via WhatsApp bulan ini</dt><dd>0</dd>" in page


# -- search ------------------------------------------------------------------------------------


def search(client, q: str) -> str:
    return text(client.get("/k/kauman/cari", query_string={"q": q}))


def test_search_finds_public_products_and_shops(client, market):
    page = search(client, "cari")
    for name in (
        "Kain cari jlamprang",
        "Batik cari buketan",
        "Nasi cari megono",
        "Batik Cari Terang",
        "Megono Cari Pagi",
    ):
        assert name in page, name
    assert_public_only(page)
    assert "Produk UMKM" in page and "Toko UMKM" in page
    assert f'href="/k/kauman/umkm/toko/{market["shop"].id}"' in page
    assert f'href="/k/kauman/umkm/produk/{market["public_old"].id}"' in page
    # The product's snippet names its price (what the buyer pays) and its shop.
    assert "Rp 7.000 · Megono Cari Pagi · Dibungkus daun jati." in page


def test_search_by_description_and_literal_wildcards(client, market):
    page = search(client, "daun jati")
    assert "Nasi cari megono" in page and "Kain cari jlamprang" not in page
    page = search(client, "gang 7")  # the shop's description
    assert "Batik Cari Terang" in page and "Megono Cari Pagi" not in page
    page = search(client, "%")
    assert "Nasi cari megono" not in page and "Batik Cari Terang" not in page


def test_search_respects_the_limit(app, factory, market):
    kauman = factory.kelurahan("kauman")
    with app.test_request_context():
        hits = host(app).collect("kp_search", kauman, kelurahan=kauman, query="cari", limit=3)
    umkm = [hit for hit in hits if "UMKM" in str(hit.kind)]
    assert len(umkm) == 3
    assert [str(hit.kind) for hit in umkm] == ["Toko UMKM", "Toko UMKM", "Produk UMKM"]


# -- open data ---------------------------------------------------------------------------------


def csv_rows(client, name: str) -> tuple[list[str], list[dict], str]:
    response = client.get(f"/k/kauman/data-terbuka/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(body))
    return reader.fieldnames, list(reader), body


def test_open_data_lists_both_datasets(client):
    page = text(client.get("/k/kauman/data-terbuka"))
    assert "Toko UMKM" in page and "Produk UMKM" in page
    assert "tanpa nama anggota kelompok" in page


def test_open_data_shops_csv_and_geojson(client, market):
    header, rows, body = csv_rows(client, "umkm-toko")
    assert (
        header
        == SHOP_HEADER
        == [
            "id",
            "nama",
            "keterangan",
            "alamat",
            "lat",
            "lng",
            "whatsapp",
            "jam_buka",
            "nib",
            "sertifikat_halal",
            "jumlah_produk",
            "url",
        ]
    )
    by_name = {row["nama"]: row for row in rows}
    assert set(by_name) == {"Batik Cari Terang", "Megono Cari Pagi"}
    batik = by_name["Batik Cari Terang"]
    # The core's CSV writer keeps a leading "+" as text, not a spreadsheet formula.
    assert batik["whatsapp"] == "'+6281311112222"
    assert (batik["nib"], batik["sertifikat_halal"]) == ("9120201851234", "ID33110000872310823")
    assert batik["jumlah_produk"] == "2"  # the two hidden ones are not counted
    assert by_name["Megono Cari Pagi"]["jumlah_produk"] == "1"
    assert batik["url"] == f"http://localhost/k/kauman/umkm/toko/{market['shop'].id}"
    for private in ("Ketua Tersembunyi", "ketua.rahasia@contoh.id", "Kelompok Rahasia Batik"):
        assert private not in body, private
    assert_public_only(body)

    response = client.get("/k/kauman/data-terbuka/umkm-toko.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json(force=True)
    features = {f["properties"]["nama"]: f for f in data["features"]}
    assert set(features) == {"Batik Cari Terang", "Megono Cari Pagi"}
    assert features["Batik Cari Terang"]["geometry"] == {
        "type": "Point",
        "coordinates": [109.6731, -6.8891],  # lng, lat
    }
    raw = response.get_data(as_text=True)
    assert "Ketua Tersembunyi" not in raw and "ketua.rahasia@contoh.id" not in raw


def test_open_data_products_csv(client, app, market):
    app.config["KP_PUBLIC_URL"] = "https://kelurahan-pintar.pekalongankota.go.id"
    header, rows, body = csv_rows(client, "umkm-produk")
    assert (
        header
        == PRODUCT_HEADER
        == [
            "id",
            "toko_id",
            "toko",
            "nama",
            "kategori",
            "harga",
            "harga_maks",
            "harga_diskon",
            "satuan",
            "ketersediaan",
            "keterangan",
            "url",
        ]
    )
    by_name = {row["nama"]: row for row in rows}
    assert set(by_name) == {"Kain cari jlamprang", "Batik cari buketan", "Nasi cari megono"}
    megono = by_name["Nasi cari megono"]
    assert megono == {
        "id": str(market["public_discount"].id),
        "toko_id": str(market["other_shop"].id),
        "toko": "Megono Cari Pagi",
        "nama": "Nasi cari megono",
        "kategori": "Kuliner",
        "harga": "8000",
        "harga_maks": "",
        "harga_diskon": "7000",
        "satuan": "bungkus",
        "ketersediaan": "tersedia",
        "keterangan": "Dibungkus daun jati.",
        "url": "https://kelurahan-pintar.pekalongankota.go.id/k/kauman/umkm/produk/"
        f"{market['public_discount'].id}",
    }
    assert by_name["Batik cari buketan"]["harga_maks"] == "1750000"
    for private in ("Ketua Tersembunyi", "ketua.rahasia@contoh.id", "Kelompok Rahasia Batik"):
        assert private not in body, private
    assert_public_only(body)
    assert client.get("/k/kauman/data-terbuka/umkm-produk.geojson").status_code == 404


def test_open_data_of_a_kelurahan_without_the_plugin(client, market):
    assert client.get("/k/sapuro-kebulen/data-terbuka/umkm-toko.csv").status_code == 404


# -- query counts ------------------------------------------------------------------------------


def test_shared_pages_run_a_fixed_number_of_queries(client, factory, login_as):
    login_as("petugas", "kauman")  # the widget's staff line included
    urls = (
        HOME,
        "/k/kauman/cari?q=batik",
        "/k/kauman/dasbor",
        "/k/kauman/data-terbuka/umkm-toko.csv",
        "/k/kauman/data-terbuka/umkm-toko.geojson",
        "/k/kauman/data-terbuka/umkm-produk.csv",
    )

    def statements() -> dict[str, int]:
        result = {}
        for url in urls:
            client.get(url)  # warm-up
            caching.cache.clear()  # count the hooks' own queries, not a cached answer
            with StatementCounter(_db.engine) as counter:
                assert client.get(url).status_code == 200, url
            result[url] = counter.n
        return result

    def grow(n: int) -> None:
        for _ in range(n):
            shop = make_shop(factory, description="Batik tulis")
            for _ in range(3):
                product = make_product(shop)
                thumb = Media(
                    relpath=f"umkm/q-{product.id}.jpg",
                    width=4,
                    height=4,
                    content_type="image/jpeg",
                    size_bytes=4,
                    kelurahan_id=shop.kelurahan_id,
                )
                _db.session.add(
                    ProductPhoto(
                        kelurahan_id=shop.kelurahan_id, product=product, media=thumb, thumb=thumb
                    )
                )
                add_stat(product, month_start(), 10, 2)
            make_shop(factory, status="pending")

    grow(2)
    small = statements()
    grow(10)
    assert statements() == small
