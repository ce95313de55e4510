"""A product's page and a shop's page: what they show, the "Pesan via WhatsApp" link and its
message, sharing, view and WhatsApp-click counting, what group members and staff see of
products that are not public, and kelurahan isolation."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import act_as, count, enable_plugin
from sqlalchemy import select
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from app.models import GroupMember, Media, utcnow
from app.phone import normalize_phone
from plugins.umkm import views
from plugins.umkm.models import ProductMonthlyStat, ProductPhoto

BASE = "/k/kauman/umkm"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def umkm_on(app):
    enable_plugin(app, "umkm", "kauman")
    enable_plugin(app, "umkm", "medono")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def hrefs(page: str, start: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page) if h.startswith(start)]


def order_link(page: str) -> str:
    links = [h for h in hrefs(page, "https://wa.me/") if not h.startswith("https://wa.me/?")]
    assert len(links) == 1, links
    return links[0]


def stat(product):
    _db.session.expire_all()
    return _db.session.execute(
        select(ProductMonthlyStat).where(ProductMonthlyStat.product_id == product.id)
    ).scalar_one_or_none()


def views_of(product) -> int:
    row = stat(product)
    return row.views if row else 0


def clicks_of(product) -> int:
    row = stat(product)
    return row.wa_clicks if row else 0


def member(factory, shop):
    """A new active member of the shop's group."""
    user = factory.user("warga", "kauman")
    _db.session.add(
        GroupMember(
            kelurahan_id=shop.kelurahan_id,
            group_id=shop.group_id,
            user_id=user.id,
            role="anggota",
            status="active",
        )
    )
    _db.session.commit()
    return user


def add_photo(product, n: int) -> ProductPhoto:
    kid = product.kelurahan_id
    media = [
        Media(
            relpath=f"umkm/{kind}-{product.id}-{n}.jpg",
            width=w,
            height=h,
            content_type="image/jpeg",
            size_bytes=1000,
            kelurahan_id=kid,
        )
        for kind, w, h in (("foto", 1200, 900), ("kecil", 480, 360))
    ]
    photo = ProductPhoto(
        kelurahan_id=kid, product=product, media=media[0], thumb=media[1], position=n
    )
    _db.session.add(photo)
    _db.session.commit()
    return photo


# -- what the page shows -----------------------------------------------------------------------


def test_product_page_shows_photos_price_details_and_the_shop(client, factory):
    shop = make_shop(
        factory,
        name="Batik Sekar Jagad",
        address="Jl. Hayam Wuruk Gg. 3 No. 7",
        opening_hours="Senin–Sabtu 08.00–16.00",
        nib="1234567890123",
        halal_number="ID33110000123450823",
    )
    product = make_product(
        shop,
        name="Kain Jlamprang Indigo",
        category="Batik tulis",
        price=350_000,
        unit="lembar",
        stock="preorder",
        description="Katun primisima.\nPewarna alam <b>indigo</b>.",
    )
    add_photo(product, 0)
    add_photo(product, 1)
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert "<h1>Kain Jlamprang Indigo</h1>" in page
    assert "Rp 350.000" in page and "/ lembar" in page
    assert "Pre-order" in page and "Batik tulis" in page
    # The cover in full size first, then the other photo as a thumbnail linking to its full size.
    cover = page.index(f"/media/umkm/foto-{product.id}-0.jpg")
    assert cover < page.index(f"/media/umkm/kecil-{product.id}-1.jpg")
    assert f'href="/media/umkm/foto-{product.id}-1.jpg"' in page
    assert 'class="pre">Katun primisima.\nPewarna alam &lt;b&gt;indigo&lt;/b&gt;.</p>' in page
    for detail in (
        "Batik Sekar Jagad",
        "Jl. Hayam Wuruk Gg. 3 No. 7",
        "Senin–Sabtu 08.00–16.00",
        "1234567890123",
        "ID33110000123450823",
    ):
        assert detail in page
    assert f'href="{BASE}/toko/{shop.id}"' in page
    assert "tidak tampil untuk umum" not in page


def test_product_without_photos_shows_a_placeholder(client, factory):
    product = make_product(make_shop(factory))
    assert "Belum ada foto" in text(client.get(f"{BASE}/produk/{product.id}"))


def test_discount_and_range_on_the_product_page(client, factory):
    shop = make_shop(factory)
    discounted = make_product(shop, price=250_000, discount_price=199_000)
    ranged = make_product(shop, price=15_000, price_max=25_000)
    page = text(client.get(f"{BASE}/produk/{discounted.id}"))
    assert '<strong class="price-now">Rp 199.000</strong>' in page
    assert re.search(r"<s class=\"price-old\">.*?Rp 250\.000</s>", page)
    assert "Rp 15.000 – Rp 25.000" in text(client.get(f"{BASE}/produk/{ranged.id}"))


# -- ordering through WhatsApp -----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["081234567890", "6281234567890", "+6281234567890"])
def test_whatsapp_link_for_each_way_of_writing_the_number(client, factory, typed):
    shop = make_shop(factory, name="Batik Pesisir", whatsapp=normalize_phone(typed))
    product = make_product(shop, name="Kain Buketan", price=425_000, unit="lembar")
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert "Pesan via WhatsApp" in page
    link = order_link(page)
    assert link.startswith("https://wa.me/6281234567890?text=")
    message = parse_qs(urlsplit(link).query)["text"][0]
    assert message == (
        "Halo Batik Pesisir, saya ingin memesan Kain Buketan (Rp 425.000 per lembar) yang "
        f"saya lihat di Kelurahan Pintar: http://localhost{BASE}/produk/{product.id}"
    )


def test_whatsapp_message_uses_the_public_url_and_stays_indonesian(client, app, factory):
    app.config["KP_PUBLIC_URL"] = "https://kelurahanpintar.pekalongankota.go.id/"
    product = make_product(make_shop(factory), name="Nasi Megono", price=10_000, unit="porsi")
    client.set_cookie("kp_lang", "en")
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert '<html lang="en">' in page  # the page itself is in English…
    message = unquote(order_link(page).split("?text=", 1)[1])
    assert "saya ingin memesan Nasi Megono (Rp 10.000 per porsi)" in message  # …not the message
    assert message.endswith(
        f"di Kelurahan Pintar: https://kelurahanpintar.pekalongankota.go.id{BASE}/produk/{product.id}"
    )


def test_order_message_names_the_price_the_buyer_pays(app, factory):
    product = make_product(
        make_shop(factory), price=60_000, price_max=90_000, discount_price=50_000
    )
    assert views.price_text(product) == "Rp 50.000 – Rp 90.000"


def test_share_section_works_without_javascript(client, factory):
    product = make_product(make_shop(factory))
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    url = f"http://localhost{BASE}/produk/{product.id}"
    assert re.search(rf'<input id="share-url" type="url" readonly value="{re.escape(url)}"', page)
    shares = hrefs(page, "https://wa.me/?text=")
    assert shares == [f"https://wa.me/?text={url.replace(':', '%3A').replace('/', '%2F')}"]
    assert "Bagikan lewat WhatsApp" in page
    assert "hidden data-share" in page  # the share-sheet button: shown by umkm.js only
    assert f'href="{BASE}/produk/{product.id}/laporkan"' in page


def test_scripts_are_static_files_with_defer(client, factory):
    product = make_product(make_shop(factory))
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert '<script src="/umkm/static/umkm.js" defer></script>' in page
    assert "onclick" not in page
    assert client.get("/umkm/static/umkm.js").status_code == 200
    assert client.get("/umkm/static/umkm.css").status_code == 200


# -- counting views ----------------------------------------------------------------------------


def test_views_count_once_per_visitor_per_day(app, client, factory):
    """More in tests/umkm/test_counting.py. A visitor's first request (no cookie yet) sets
    their id and does not count; their next views count once a day."""
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    text(client.get(url))
    assert views_of(product) == 0
    text(client.get(url))
    text(client.get(url))
    assert views_of(product) == 1

    other_visitor = app.test_client()
    text(other_visitor.get(url))
    text(other_visitor.get(url))
    assert views_of(product) == 2


def test_htmx_and_head_requests_do_not_count(client, factory):
    product = make_product(make_shop(factory))
    url = f"{BASE}/produk/{product.id}"
    assert client.head(url).status_code == 200
    text(client.get(url, headers=HTMX))
    assert views_of(product) == 0


def test_the_sellers_own_views_do_not_count(client, factory):
    shop = make_shop(factory)
    product = make_product(shop)
    act_as(client, member(factory, shop))
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert views_of(product) == 0
    assert "data-count-url" not in page  # nor their clicks on the order link
    assert "Pesan via WhatsApp" in page
    assert f'href="{BASE}/produk/{product.id}/ubah"' in page
    assert f'href="{BASE}/toko/{shop.id}/kelola"' in page


# -- counting WhatsApp clicks ------------------------------------------------------------------


def test_whatsapp_click_is_counted(client, factory):
    product = make_product(make_shop(factory))
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    assert f'data-count-url="{BASE}/produk/{product.id}/klik-wa"' in page
    response = client.post(f"{BASE}/produk/{product.id}/klik-wa")
    assert response.status_code == 204 and response.get_data() == b""
    client.post(f"{BASE}/produk/{product.id}/klik-wa")
    assert clicks_of(product) == 1  # once per visitor and day
    assert views_of(product) == 0  # the page view came without a cookie


def test_whatsapp_click_on_a_product_that_is_not_public_is_404(client, factory):
    hidden = make_product(make_shop(factory), hidden_at=utcnow())
    pending = make_product(make_shop(factory, status="pending"))
    for product in (hidden, pending):
        assert client.post(f"{BASE}/produk/{product.id}/klik-wa").status_code == 404
    assert count(ProductMonthlyStat) == 0
    assert client.get(f"{BASE}/produk/{hidden.id}/klik-wa").status_code == 405


def test_whatsapp_click_needs_the_csrf_token(app, client, factory):
    product = make_product(make_shop(factory))
    app.config["WTF_CSRF_ENABLED"] = True
    page = text(client.get(f"{BASE}/produk/{product.id}"))
    refused = client.post(f"{BASE}/produk/{product.id}/klik-wa")
    assert refused.status_code == 400
    assert clicks_of(product) == 0
    token = html.unescape(re.search(r'data-csrf="([^"]+)"', page).group(1))
    accepted = client.post(f"{BASE}/produk/{product.id}/klik-wa", data={"csrf_token": token})
    assert accepted.status_code == 204
    assert clicks_of(product) == 1


def test_whatsapp_clicks_are_rate_limited(client, factory):
    product = make_product(make_shop(factory))
    client.get(f"{BASE}/produk/{product.id}")  # the visitor's cookie
    codes = [client.post(f"{BASE}/produk/{product.id}/klik-wa").status_code for _ in range(31)]
    assert codes[:30] == [204] * 30 and codes[30] == 429
    assert clicks_of(product) == 1  # counted once per visitor and day all the same


# -- products and shops that are not public ----------------------------------------------------


def test_members_and_staff_see_why_a_product_is_not_public(client, factory):
    shop = make_shop(factory, name="Batik Baru Buka", status="pending")
    product = make_product(shop, name="Kain Perdana")
    url = f"{BASE}/produk/{product.id}"
    assert client.get(url).status_code == 404

    act_as(client, factory.user("warga", "kauman"))
    assert client.get(url).status_code == 404  # a resident who is not in the group

    act_as(client, member(factory, shop))
    page = text(client.get(url))
    assert "Produk ini tidak tampil untuk umum." in page
    assert "Toko Batik Baru Buka masih menunggu persetujuan petugas kelurahan." in page
    assert "Pesan via WhatsApp" not in page and "wa.me" not in page
    assert "Bagikan" not in page

    act_as(client, factory.user("petugas", "kauman", verified=True))
    page = text(client.get(url))
    assert "Produk ini tidak tampil untuk umum." in page
    assert views_of(product) == 0


def test_hidden_products_say_who_hid_them(client, factory):
    shop = make_shop(factory)
    by_seller = make_product(shop, hidden_at=utcnow())
    by_staff = make_product(
        shop, staff_hidden_at=utcnow(), staff_hidden_reason="Diduga barang tiruan"
    )
    act_as(client, member(factory, shop))
    assert "disembunyikan oleh penjual" in text(client.get(f"{BASE}/produk/{by_seller.id}"))
    page = text(client.get(f"{BASE}/produk/{by_staff.id}"))
    assert "disembunyikan oleh petugas. Alasan: Diduga barang tiruan" in page


def test_suspended_shop_page_shows_the_reason_to_its_members(client, factory):
    shop = make_shop(
        factory, name="Batik Tertunda", status="suspended", status_reason="NIB tidak valid"
    )
    product = make_product(shop, name="Kain Tertunda")
    assert client.get(f"{BASE}/toko/{shop.id}").status_code == 404
    act_as(client, member(factory, shop))
    page = text(client.get(f"{BASE}/toko/{shop.id}"))
    assert "Status toko: Ditangguhkan" in page
    assert "NIB tidak valid" in page
    assert product.name in page
    assert "Chat penjual via WhatsApp" not in page


def test_pending_shop_page_for_staff(client, factory):
    shop = make_shop(factory, status="pending")
    act_as(client, factory.user("petugas", "kauman", verified=True))
    page = text(client.get(f"{BASE}/toko/{shop.id}"))
    assert "Status toko: Menunggu persetujuan" in page


# -- the shop page -----------------------------------------------------------------------------


def test_shop_page_shows_profile_products_chat_link_and_map(client, factory):
    shop = make_shop(
        factory,
        name="Batik Tiga Negeri",
        description="Usaha keluarga sejak 1965.\n<i>Warna alam</i>.",
        address="Jl. Kauman No. 12",
        nib="1234567890123",
        halal_number="ID-HALAL-9",
        whatsapp="+6281234567890",
    )
    mine = [make_product(shop, name=f"Produk Toko {i}") for i in range(3)]
    make_product(shop, name="Produk Tersembunyi", hidden_at=utcnow())
    make_product(make_shop(factory), name="Produk Toko Lain")
    page = text(client.get(f"{BASE}/toko/{shop.id}"))
    assert "<h1>Batik Tiga Negeri</h1>" in page
    assert "Usaha keluarga sejak 1965.\n&lt;i&gt;Warna alam&lt;/i&gt;." in page
    for detail in ("Jl. Kauman No. 12", "1234567890123", "ID-HALAL-9", "0812-3456-7890"):
        assert detail in page
    for product in mine:
        assert product.name in page
    assert "Produk Tersembunyi" not in page and "Produk Toko Lain" not in page
    assert "Produk (3)" in page
    chat = [h for h in hrefs(page, "https://wa.me/6281234567890?text=")]
    assert len(chat) == 1 and "Halo Batik Tiga Negeri" in unquote(chat[0])
    assert 'id="shop-map"' in page and "/umkm/toko.geojson?bbox=" in page
    assert "Kelola toko" not in page  # only for the shop's group


def test_shop_page_paginates_with_the_same_cards(client, factory):
    shop = make_shop(factory)
    for i in range(26):
        make_product(shop, name=f"Barang {i:02d}")
    page = text(client.get(f"{BASE}/toko/{shop.id}"))
    assert page.count('class="product-card"') == 24
    assert f'href="{BASE}/toko/{shop.id}?page=2"' in page
    more = text(client.get(f"{BASE}/toko/{shop.id}?page=2", headers=HTMX))
    assert "<html" not in more and more.count('class="product-card"') == 2


# -- kelurahan isolation -----------------------------------------------------------------------


def test_another_kelurahans_product_and_shop_answer_404(client, factory, login_as):
    shop = make_shop(factory, "medono")
    product = make_product(shop)
    assert client.get(f"/k/medono/umkm/produk/{product.id}").status_code == 200
    assert client.get(f"/k/medono/umkm/toko/{shop.id}").status_code == 200
    login_as("warga", "kauman")
    assert client.get(f"{BASE}/produk/{product.id}").status_code == 404
    assert client.get(f"{BASE}/toko/{shop.id}").status_code == 404
    assert client.post(f"{BASE}/produk/{product.id}/klik-wa").status_code == 404
    assert client.get(f"{BASE}/produk/{product.id}/laporkan").status_code == 404
    assert (
        client.post(f"{BASE}/produk/{product.id}/laporkan", data={"reason": "penipuan"}).status_code
        == 404
    )
    assert clicks_of(product) == 0


def test_product_page_404_where_the_plugin_is_off(client, app, factory):
    product = make_product(make_shop(factory))
    enable_plugin(app, "umkm", "kauman", enabled=False)
    assert client.get(f"{BASE}/produk/{product.id}").status_code == 404
    assert client.post(f"{BASE}/produk/{product.id}/klik-wa").status_code == 404
