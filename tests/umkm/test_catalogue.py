"""The kelurahan catalogue: search, filters, sorting, pagination with and without htmx, how
prices show, and that nothing unapproved or hidden shows on any public page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import enable_plugin
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import Media, utcnow
from plugins.umkm.models import ProductMonthlyStat, ProductPhoto
from plugins.umkm.queries import month_start

BASE = "/k/kauman/umkm"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def names_in_order(html: str, names: list[str]) -> list[str]:
    """The given product names in the order the page lists them."""
    found = [(html.find(f">{name}</a></h3>"), name) for name in names]
    return [name for index, name in sorted(found) if index >= 0]


def add_photo(product, n: int = 0) -> ProductPhoto:
    kid = product.kelurahan_id
    full = Media(
        relpath=f"umkm/foto-{product.id}-{n}.jpg",
        width=1200,
        height=900,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=kid,
    )
    thumb = Media(
        relpath=f"umkm/kecil-{product.id}-{n}.jpg",
        width=480,
        height=360,
        content_type="image/jpeg",
        size_bytes=500,
        kelurahan_id=kid,
    )
    photo = ProductPhoto(kelurahan_id=kid, product=product, media=full, thumb=thumb, position=n)
    _db.session.add(photo)
    _db.session.commit()
    return photo


# -- search and filters ------------------------------------------------------------------------


def test_search_finds_products_by_name_and_by_description(client, factory):
    shop = make_shop(factory)
    make_product(shop, name="Kain Jlamprang Biru", description="Katun primisima.")
    make_product(shop, name="Selendang Sutra", description="Motif JLAMPRANG merah, sutra asli.")
    make_product(shop, name="Nasi Megono", category="Kuliner", description="Nangka muda.")

    by_name = text(client.get(f"{BASE}/?q=jlamprang biru"))
    assert "Kain Jlamprang Biru" in by_name
    assert "Selendang Sutra" not in by_name and "Nasi Megono" not in by_name

    either = text(client.get(f"{BASE}/?q=jlamprang"))
    assert "Kain Jlamprang Biru" in either and "Selendang Sutra" in either
    assert "Nasi Megono" not in either
    assert "2 produk" in either

    by_description = text(client.get(f"{BASE}/?q=nangka"))
    assert "Nasi Megono" in by_description and "Selendang Sutra" not in by_description
    assert 'value="nangka"' in by_description  # the search box keeps what was typed


def test_search_with_no_match_says_so(client, factory):
    make_product(make_shop(factory), name="Kain Jlamprang")
    page = text(client.get(f"{BASE}/?q=sepatu"))
    assert "Tidak ada produk yang cocok" in page
    assert "Kain Jlamprang" not in page


def test_empty_catalogue_says_there_are_no_products_yet(client):
    assert "Belum ada produk UMKM di kelurahan ini." in text(client.get(f"{BASE}/"))


def test_category_filter(client, factory):
    shop = make_shop(factory)
    make_product(shop, name="Kain Tulis Pesisiran", category="Batik tulis")
    make_product(shop, name="Nasi Megono", category="Kuliner")
    page = text(client.get(f"{BASE}/?category=Kuliner"))
    assert "Nasi Megono" in page and "Kain Tulis Pesisiran" not in page
    assert '<option value="Kuliner" selected>' in page
    # An unknown category is ignored rather than answering nothing.
    page = text(client.get(f"{BASE}/?category=Tidak+ada"))
    assert "Nasi Megono" in page and "Kain Tulis Pesisiran" in page


def test_price_range_filter_reads_prices_typed_with_dots(client, factory):
    shop = make_shop(factory)
    make_product(shop, name="Gantungan Kunci Batik", price=10_000)
    make_product(shop, name="Taplak Meja", price=40_000)
    make_product(shop, name="Kain Tulis Halus", price=1_500_000)
    make_product(shop, name="Kemeja Diskon", price=200_000, discount_price=30_000)
    make_product(shop, name="Sarung Berbagai Ukuran", price=50_000, price_max=90_000)

    page = text(client.get(f"{BASE}/?min=15.000&max=60.000"))
    assert "Taplak Meja" in page
    assert "Kemeja Diskon" in page  # the discount price is what the buyer pays
    assert "Sarung Berbagai Ukuran" in page  # its range overlaps the wanted range
    assert "Gantungan Kunci Batik" not in page and "Kain Tulis Halus" not in page
    assert 'value="15.000"' in page and 'value="60.000"' in page

    only_min = text(client.get(f"{BASE}/?min=Rp 1.000.000"))
    assert "Kain Tulis Halus" in only_min and "Taplak Meja" not in only_min

    top = text(client.get(f"{BASE}/?min=80.000&max=100.000"))
    assert "Sarung Berbagai Ukuran" in top and "Taplak Meja" not in top


def test_a_price_that_is_not_a_number_is_pointed_out_and_ignored(client, factory):
    make_product(make_shop(factory), name="Taplak Meja", price=40_000)
    page = text(client.get(f"{BASE}/?min=murah"))
    assert "Taplak Meja" in page
    assert "Tulis harga sebagai angka rupiah" in page
    assert 'value="murah"' in page


def test_availability_filter(client, factory):
    shop = make_shop(factory)
    make_product(shop, name="Kain Siap Kirim", stock="tersedia")
    make_product(shop, name="Kain Pesanan Khusus", stock="preorder")
    make_product(shop, name="Kain Sudah Laku", stock="habis")
    page = text(client.get(f"{BASE}/?stock=preorder"))
    assert "Kain Pesanan Khusus" in page
    assert "Kain Siap Kirim" not in page and "Kain Sudah Laku" not in page
    page = text(client.get(f"{BASE}/?stock=habis"))
    assert "Kain Sudah Laku" in page and "Kain Siap Kirim" not in page


def test_stock_is_shown_as_a_badge(client, factory):
    shop = make_shop(factory)
    make_product(shop, stock="preorder")
    make_product(shop, stock="habis")
    page = text(client.get(f"{BASE}/"))
    assert 'class="badge stock-preorder">Pre-order<' in page
    assert 'class="badge stock-habis">Habis<' in page


# -- sorting -----------------------------------------------------------------------------------


@pytest.fixture
def three_products(factory):
    shop = make_shop(factory)
    now = utcnow()
    old = make_product(shop, name="Batik Lama", price=90_000, created_at=now - timedelta(days=30))
    mid = make_product(
        shop,
        name="Batik Tengah",
        price=500_000,
        discount_price=20_000,
        created_at=now - timedelta(days=10),
    )
    new = make_product(
        shop, name="Batik Baru", price=60_000, price_max=800_000, created_at=now - timedelta(days=1)
    )
    return old, mid, new


NAMES = ["Batik Lama", "Batik Tengah", "Batik Baru"]


def test_sort_newest_is_the_default(client, three_products):
    page = text(client.get(f"{BASE}/"))
    assert names_in_order(page, NAMES) == ["Batik Baru", "Batik Tengah", "Batik Lama"]
    page = text(client.get(f"{BASE}/?sort=newest"))
    assert names_in_order(page, NAMES) == ["Batik Baru", "Batik Tengah", "Batik Lama"]


def test_sort_by_price_uses_what_the_buyer_pays(client, three_products):
    page = text(client.get(f"{BASE}/?sort=price_asc"))
    # Rp 20.000 (discounted), Rp 60.000 (lowest of its range), Rp 90.000.
    assert names_in_order(page, NAMES) == ["Batik Tengah", "Batik Baru", "Batik Lama"]
    assert '<option value="price_asc" selected>' in page
    page = text(client.get(f"{BASE}/?sort=price_desc"))
    # Up to Rp 800.000 first, then Rp 90.000, then Rp 20.000.
    assert names_in_order(page, NAMES) == ["Batik Baru", "Batik Lama", "Batik Tengah"]


def test_sort_by_popularity_counts_views_and_whatsapp_clicks(client, db, three_products):
    old, mid, new = three_products
    month = month_start()
    db.session.add_all(
        [
            ProductMonthlyStat(
                kelurahan_id=old.kelurahan_id, product_id=old.id, month=month, views=30
            ),
            ProductMonthlyStat(
                kelurahan_id=mid.kelurahan_id, product_id=mid.id, month=month, views=2, wa_clicks=8
            ),
        ]
    )
    db.session.commit()
    page = text(client.get(f"{BASE}/?sort=popular"))
    assert names_in_order(page, NAMES) == ["Batik Tengah", "Batik Lama", "Batik Baru"]


def test_unknown_sort_falls_back_to_newest(client, three_products):
    page = text(client.get(f"{BASE}/?sort=; DROP TABLE"))
    assert names_in_order(page, NAMES) == ["Batik Baru", "Batik Tengah", "Batik Lama"]


# -- pagination and "load more" ----------------------------------------------------------------


@pytest.fixture
def thirty_products(factory):
    shop = make_shop(factory)
    now = utcnow()
    return [
        make_product(shop, name=f"Produk Nomor {i:02d}", created_at=now - timedelta(hours=i))
        for i in range(30)
    ]


def test_pagination_works_without_javascript(client, thirty_products):
    first = text(client.get(f"{BASE}/?stock=tersedia"))
    assert first.count('class="product-card"') == 24
    assert "30 produk" in first
    assert "Produk Nomor 00" in first and "Produk Nomor 23" in first
    assert "Produk Nomor 24" not in first
    assert "Halaman 1 dari 2" in first
    assert 'rel="next" href="/k/kauman/umkm/?stock=tersedia&amp;page=2"' in first

    second = text(client.get(f"{BASE}/?stock=tersedia&page=2"))
    assert second.count('class="product-card"') == 6
    assert "Produk Nomor 24" in second and "Produk Nomor 29" in second
    assert "Produk Nomor 23" not in second
    assert 'rel="prev"' in second and "Muat lebih banyak" not in second

    beyond = text(client.get(f"{BASE}/?page=99"))
    assert 'class="product-card"' not in beyond


def test_load_more_with_htmx_answers_only_the_next_cards(client, thirty_products):
    first = text(client.get(f"{BASE}/"))
    match = re.search(
        r'hx-get="([^"]+)"\s+hx-target="closest \.load-more" hx-swap="outerHTML"', first
    )
    assert match and "Muat lebih banyak" in first
    next_url = match.group(1).replace("&amp;", "&")
    assert next_url == "/k/kauman/umkm/?page=2"

    fragment = client.get(next_url, headers=HTMX)
    body = text(fragment)
    assert "<html" not in body and "<h1" not in body and "<form" not in body
    assert body.count('class="product-card"') == 6
    assert "Produk Nomor 24" in body
    assert "Muat lebih banyak" not in body  # the last page: the button goes away
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_the_first_htmx_page_offers_more(client, thirty_products):
    body = text(client.get(f"{BASE}/", headers=HTMX))
    assert "<html" not in body
    assert body.count('class="product-card"') == 24
    assert "Muat lebih banyak" in body


# -- how products look -------------------------------------------------------------------------


def test_prices_single_range_and_discount(client, factory):
    shop = make_shop(factory)
    make_product(shop, name="Keripik Tempe", price=15_000, unit="bungkus")
    make_product(shop, name="Kain Cap Ukuran Beragam", price=15_000, price_max=25_000)
    make_product(shop, name="Kemeja Obral", price=250_000, discount_price=175_000)
    page = text(client.get(f"{BASE}/"))
    assert '<strong class="price-now">Rp 15.000</strong>' in page
    assert "/ bungkus" in page
    assert "Rp 15.000 – Rp 25.000" in page
    assert '<strong class="price-now">Rp 175.000</strong>' in page
    assert re.search(r"<s class=\"price-old\">.*?Rp 250\.000</s>", page)


def test_thumbnails_are_lazy_with_their_size_and_a_placeholder_without_photo(client, factory):
    shop = make_shop(factory)
    with_photo = make_product(shop, name="Dengan Foto")
    add_photo(with_photo, 0)
    add_photo(with_photo, 1)
    make_product(shop, name="Tanpa Foto")
    page = text(client.get(f"{BASE}/"))
    assert f'src="/media/umkm/kecil-{with_photo.id}-0.jpg"' in page  # the cover's thumbnail
    assert f"foto-{with_photo.id}-0.jpg" not in page  # never the full-size photo in a list
    assert 'loading="lazy" width="480" height="360"' in page
    assert "Belum ada foto" in page


def test_user_text_is_escaped(client, factory):
    make_product(make_shop(factory, name="<b>Toko</b>"), name="Kain <script>alert(1)</script>")
    page = text(client.get(f"{BASE}/"))
    assert "<script>alert(1)</script>" not in page
    assert "Kain &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Toko&lt;/b&gt;" in page


# -- what never shows in public ----------------------------------------------------------------


def test_unapproved_shops_and_hidden_products_show_nowhere_public(client, factory):
    approved = make_shop(factory, name="Toko Disetujui")
    pending = make_shop(factory, name="Toko Menunggu", status="pending")
    suspended = make_shop(factory, name="Toko Ditangguhkan", status="suspended")
    visible = make_product(approved, name="Produk Tampil")
    hidden = {
        "pending": make_product(pending, name="Produk Toko Menunggu"),
        "suspended": make_product(suspended, name="Produk Toko Ditangguhkan"),
        "seller": make_product(approved, name="Produk Disembunyikan Penjual", hidden_at=utcnow()),
        "staff": make_product(
            approved,
            name="Produk Disembunyikan Petugas",
            staff_hidden_at=utcnow(),
            staff_hidden_reason="Foto tidak pantas",
        ),
    }

    pages = {
        "catalogue": text(client.get(f"{BASE}/")),
        "search": text(client.get(f"{BASE}/?q=produk")),
        "city": text(client.get("/umkm/")),
        "city search": text(client.get("/umkm/?q=produk")),
        "shop": text(client.get(f"{BASE}/toko/{approved.id}")),
    }
    for where, page in pages.items():
        assert "Produk Tampil" in page, where
        for product in hidden.values():
            assert product.name not in page, (where, product.name)

    for product in hidden.values():
        assert client.get(f"{BASE}/produk/{product.id}").status_code == 404
    assert client.get(f"{BASE}/produk/{visible.id}").status_code == 200
    assert client.get(f"{BASE}/toko/{pending.id}").status_code == 404
    assert client.get(f"{BASE}/toko/{suspended.id}").status_code == 404

    data = client.get(f"{BASE}/toko.geojson").get_json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Toko Disetujui"]
    assert data["features"][0]["properties"]["products"] == 1  # hidden ones not counted


def test_catalogue_is_404_where_the_plugin_is_off(client, app, factory):
    make_product(make_shop(factory))
    enable_plugin(app, "umkm", "kauman", enabled=False)
    assert client.get(f"{BASE}/").status_code == 404


def test_catalogue_shows_only_this_kelurahan(client, factory):
    make_product(make_shop(factory, "kauman"), name="Produk Kauman")
    make_product(make_shop(factory, "medono"), name="Produk Medono")
    page = text(client.get(f"{BASE}/"))
    assert "Produk Kauman" in page and "Produk Medono" not in page


# -- the shops map layer -----------------------------------------------------------------------


def test_shops_geojson(client, factory):
    first = make_shop(factory, name="Batik Satu", address="Jl. Kauman 1")
    second = make_shop(factory, name="Batik Dua", lat=-6.8950, lng=109.6800)
    make_shop(factory, "medono", name="Batik Medono")
    for _ in range(3):
        make_product(first)
    response = client.get(f"{BASE}/toko.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert set(by_name) == {"Batik Satu", "Batik Dua"}
    one = by_name["Batik Satu"]
    assert one["geometry"] == {"type": "Point", "coordinates": [first.lng, first.lat]}
    assert one["properties"]["url"] == f"{BASE}/toko/{first.id}"
    assert one["properties"]["address"] == "Jl. Kauman 1"
    assert one["properties"]["products"] == 3
    assert by_name["Batik Dua"]["properties"]["products"] == 0

    near_second = client.get(f"{BASE}/toko.geojson?bbox=109.679,-6.896,109.681,-6.894").get_json()
    assert [f["id"] for f in near_second["features"]] == [second.id]


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "109.7,-6.8,109.6,-6.9", "nan,1,2,3"])
def test_shops_geojson_refuses_a_bad_bbox(client, bbox):
    response = client.get(f"{BASE}/toko.geojson?bbox={bbox}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == 400


def test_links_for_sellers_and_staff(client, factory, login_as):
    assert "Toko saya" not in text(client.get(f"{BASE}/"))
    login_as("warga", "kauman")
    page = text(client.get(f"{BASE}/"))
    assert f'href="{BASE}/toko-saya"' in page and "Tinjau toko" not in page
    login_as("petugas", "kauman", verified=True)
    page = text(client.get(f"{BASE}/"))
    assert f'href="{BASE}/petugas/toko?status=pending"' in page
    assert f'href="{BASE}/petugas/tanda"' in page


def test_absurd_prices_in_the_filter_do_not_break_the_page(client, factory):
    make_product(make_shop(factory), name="Taplak Meja", price=40_000)
    page = text(client.get(f"{BASE}/?min=99999999999999999999999"))
    assert "Taplak Meja" not in page
    page = text(client.get(f"{BASE}/?max=99999999999999999999999"))
    assert "Taplak Meja" in page
    assert client.get("/umkm/?max=99999999999999999999999").status_code == 200
    for url in (f"{BASE}/", "/umkm/", f"{BASE}/toko/1"):
        assert client.get(f"{url}?page=99999999999999999999999").status_code in (200, 404)
